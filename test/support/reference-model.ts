// Random DAGs of scripted tasks, and a deliberately simple reference model of PRODUCT.md §3
// that says how each task of such a DAG ends. Shared by the engine's property test (on the
// in-memory store) and the random-DAG test on the embedded runtime.
import fc from 'fast-check';
import type { InstanceStatus } from '#shared/model/instance.ts';
import type { RunStatus } from '#shared/model/run.ts';
import type { EdgeCondition } from '#shared/model/workflow.ts';

// ---------------------------------------------------------------------------------------
// Scenarios: a DAG of scripted tasks

/** How a task's attempts go: that many failures before a success, or failures only. */
export type Script = { type: 'lambda' | 'noop'; failures: number | 'ALWAYS'; maxRetries: number };
export type EdgeSpec = { from: number; to: number; condition: EdgeCondition };
export type Dag = { tasks: Script[]; edges: EdgeSpec[] };

export const taskId = (index: number) => `t${String(index).padStart(3, '0')}`;

/**
 * A DAG's workflow definition, as saved through the API (before parsing): task `index` is
 * `t<index>`, its fields come from `task`, and every edge names its condition.
 */
export function workflowDefinitionOf(
  dag: Dag,
  options: { id: string; name: string; task: (script: Script, index: number) => Record<string, unknown> },
) {
  return {
    id: options.id,
    name: options.name,
    tasks: dag.tasks.map((script, index) => ({ id: taskId(index), ...options.task(script, index) })),
    edges: dag.edges.map((e) => ({ from: taskId(e.from), to: taskId(e.to), condition: e.condition })),
  };
}

// ---------------------------------------------------------------------------------------
// The reference model: one topological pass, straight from PRODUCT.md §3

export type RefOutcome = 'SUCCESS' | 'FAILED' | 'SKIPPED' | 'BLOCKED';
export type RefTask = { outcome: RefOutcome; attempts: number };

/** Whether attempt `attempt` (from 1) of task `index` fails: its script's say by default. */
export type AttemptFails = (index: number, attempt: number) => boolean;

export const scriptedFailure =
  (dag: Dag): AttemptFails =>
  (index, attempt) => {
    const failures = dag.tasks[index]?.failures ?? 0;
    return failures === 'ALWAYS' || attempt <= failures;
  };

/**
 * `fails` lets a caller say that some attempts failed for another reason than the script
 * (lost to a crash and failed by the reconciler): the model then plays the task out with them.
 */
export function referenceModel(dag: Dag, fails: AttemptFails = scriptedFailure(dag)): RefTask[] {
  const result: RefTask[] = [];
  dag.tasks.forEach((script, index) => {
    // Edges only go from lower to higher indexes: every upstream is decided already.
    const upstream = dag.edges
      .filter((e) => e.to === index)
      .map((e) => ({ condition: e.condition, outcome: result[e.from]?.outcome }));
    const met = (condition: EdgeCondition, outcome: RefOutcome | undefined) =>
      condition === 'ALWAYS' ||
      (condition === 'SUCCESS' && outcome === 'SUCCESS') ||
      (condition === 'FAILURE' && outcome === 'FAILED');
    let outcome: RefOutcome;
    let attempts = 0;
    if (upstream.some((u) => u.outcome === 'BLOCKED')) {
      outcome = 'BLOCKED'; // waits behind a blocked upstream, whatever the edge
    } else if (upstream.some((u) => u.condition === 'SUCCESS' && u.outcome === 'FAILED')) {
      outcome = 'BLOCKED'; // a SUCCESS edge whose upstream failed: blocked, not failed
    } else if (upstream.some((u) => !met(u.condition, u.outcome))) {
      outcome = 'SKIPPED';
    } else {
      // Attempts go on while they fail and retries remain.
      attempts = 1;
      while (fails(index, attempts) && attempts <= script.maxRetries) attempts++;
      outcome = fails(index, attempts) ? 'FAILED' : 'SUCCESS';
    }
    result.push({ outcome, attempts });
  });
  return result;
}

export const expectedStatus = (outcome: RefOutcome): InstanceStatus =>
  outcome === 'BLOCKED' ? 'WAITING_UPSTREAM' : outcome;

export function expectedRunStatus(reference: RefTask[]): RunStatus {
  return reference.every((t) => t.outcome === 'SUCCESS' || t.outcome === 'SKIPPED') ? 'SUCCESS' : 'FAILED';
}

// ---------------------------------------------------------------------------------------
// Arbitraries

/** A task's script; `maxRetries` is at most `maxRetries` (3 unless told). */
export const scriptArbitrary = ({ maxRetries = 3 }: { maxRetries?: number } = {}): fc.Arbitrary<Script> =>
  fc.record({
    type: fc.constantFrom<Script['type']>('lambda', 'lambda', 'lambda', 'noop'),
    failures: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 4 }) },
      { weight: 1, arbitrary: fc.constant<'ALWAYS'>('ALWAYS') },
    ),
    maxRetries: fc.integer({ min: 0, max: maxRetries }),
  });

export const scriptArb: fc.Arbitrary<Script> = scriptArbitrary();

export const conditionArb = fc.constantFrom<EdgeCondition>('SUCCESS', 'FAILURE', 'ALWAYS');

/**
 * Tasks 1..`maxTasks` (50 unless told), each naming up to 4 upstreams among the tasks before
 * it (so the graph is acyclic), with a random condition, at most one edge per pair.
 * Upstreams are chosen relative to each task, so the shrinker can drop tasks and edges
 * independently.
 */
export function dagArbitrary({
  maxTasks = 50,
  maxRetries = 3,
}: {
  maxTasks?: number;
  maxRetries?: number;
} = {}): fc.Arbitrary<Dag> {
  return fc
    .array(
      fc.record({
        script: scriptArbitrary({ maxRetries }),
        upstream: fc.array(fc.tuple(fc.nat(), conditionArb), { maxLength: 4 }),
      }),
      { minLength: 1, maxLength: maxTasks, size: 'max' },
    )
    .map((generated) => {
      const edges: EdgeSpec[] = [];
      generated.forEach(({ upstream }, to) => {
        const seen = new Set<number>();
        for (const [pick, condition] of to === 0 ? [] : upstream) {
          const from = pick % to;
          if (seen.has(from)) continue;
          seen.add(from);
          edges.push({ from, to, condition });
        }
      });
      // A noop always succeeds at once: its script says so.
      const tasks = generated.map(({ script }) =>
        script.type === 'noop' ? { ...script, failures: 0 } : script,
      );
      return { tasks, edges };
    });
}

export const dagArb: fc.Arbitrary<Dag> = dagArbitrary();
