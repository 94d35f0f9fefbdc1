// The fault-injection suite (`npm run test:faults`): random DAGs on the embedded runtime while
// everything that goes wrong in AWS goes wrong at once. Every SQS message is delivered twice;
// the engine functions crash right after writes and sends (local/fault-injection.ts);
// DynamoDB throttles requests (the SDK backs off and retries); some attempts outlast their
// task's timeout; the reconciler sweeps between rounds and heals what crashes left behind.
// Checked across all runs: no executor attempt ran twice, no instance was lost or left
// unfinished, and every status is the reference model's (PRODUCT.md §3), where an attempt a
// crash lost counts as a failed attempt. RONDO_FAULT_SEED reproduces a run's choices.
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultCounts } from '#local/fault-injection.ts';
import { PROJECT_ROOT, type Runtime, startRuntime } from '#local/runtime.ts';
import { FINISHED_STATUSES, type InstanceStatus } from '#shared/model/instance.ts';
import { seededRandom } from '#shared/util/seeded-random.ts';
import { apiClient, deadLetteredMessages, scriptedCalls } from '../support/fault-runtime.ts';
import {
  type Dag,
  dagArbitrary,
  expectedRunStatus,
  expectedStatus,
  referenceModel,
  scriptedFailure,
  taskId,
  workflowDefinitionOf,
} from '../support/reference-model.ts';

const SEED = Number(process.env.RONDO_FAULT_SEED ?? 20_261_122);
/** DAGs, how many run at once, and their size. */
const DAG_COUNT = Number(process.env.RONDO_FAULT_DAGS ?? 130);
const CONCURRENT_RUNS = 8;
const MAX_TASKS = 40;
/** Every task's timeout; a slow attempt sleeps past it. Short, so lost attempts heal fast. */
const TASK_TIMEOUT_SECONDS = 3;
const SLOW_ATTEMPT_MS = 4_000;
/**
 * Past-due grace and sweep interval: short, so that crashes heal within a test, and long enough
 * that the sweep does not re-send, as late, work that only waits in a busy queue.
 */
const GRACE_SECONDS = 5;
/**
 * A 2 s visibility timeout (AWS: 5,400 s) brings messages back while they are still being
 * handled, so receives stop counting failures: a message moves to its DLQ only after this many.
 * None may: a message given up on is work an operator would have to redrive.
 */
const VISIBILITY_TIMEOUT_SECONDS = 2;
const MAX_RECEIVE_COUNT = 50;
const RECONCILE_EVERY_MS = 3_000;
/** Engine functions that crash and get throttled; the API (the suite's own reads) does not. */
const FAULTY_FUNCTIONS = ['dispatch', 'resolve', 'retry-attempt', 'create-run', 'reconcile'].map(
  (name) => `rondo-${name}`,
);
const PLAN = { seed: SEED, crashAfterWrite: 0.03, throttle: 0.07, functions: FAULTY_FUNCTIONS };
const MIN_FAULTS = 10_000;

type Attempt = { number: number; status: string; error?: { code: string } };
type Instance = { id: string; status: string; blocked?: boolean; attempts: Attempt[] };
type Run = { id: string; status: string; unfinished: number; failed: number; blocked: number };

let runtime: Runtime;
let faults: { counts: FaultCounts; remove(): void };
const api = apiClient(() => runtime.apiUrl);
let stopReconciling = false;
let reconcilerPasses = 0;
let reconciling: Promise<void> = Promise.resolve();

beforeAll(async () => {
  console.log(`fault suite seed ${SEED} (RONDO_FAULT_SEED=${SEED} reproduces its choices)`);
  runtime = await startRuntime({
    port: 0,
    functionsDirs: [join(PROJECT_ROOT, 'test', 'fixtures', 'functions')],
    visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
    maxReceiveCount: MAX_RECEIVE_COUNT,
    graceSeconds: GRACE_SECONDS,
    duplicateDelivery: true,
    recordInvocations: true,
    logLevel: 'ERROR',
    onError: () => {},
  });
  // Imported once the runtime has set the handlers' environment: the handlers' clients (and
  // their logger, which reads its level at construction) come with it.
  const { injectFaults } = await import('#local/fault-injection.ts');
  faults = injectFaults(PLAN);
  // A reconciler pass between rounds, as its schedule would, only more often.
  reconciling = (async () => {
    while (!stopReconciling) {
      await new Promise((resolve) => setTimeout(resolve, RECONCILE_EVERY_MS));
      await runtime.lambda.invoke('rondo-reconcile', {}).catch(() => {});
      reconcilerPasses++;
    }
  })();
}, 120_000);

afterAll(async () => {
  stopReconciling = true;
  await reconciling;
  faults?.remove();
  await runtime?.stop();
});

/** Which failing attempts of a task time out instead of throwing (seeded). */
function timeoutTasks(dag: Dag, random: () => number): Set<number> {
  const chosen = new Set<number>();
  dag.tasks.forEach((script, index) => {
    if (script.type === 'lambda' && script.failures !== 'ALWAYS' && script.failures > 0 && random() < 0.15) {
      chosen.add(index);
    }
  });
  return chosen;
}

function definitionOf(dag: Dag, id: string, slow: Set<number>) {
  return workflowDefinitionOf(dag, {
    id,
    name: id,
    task: (script, index) => ({
      type: script.type,
      timeoutSeconds: TASK_TIMEOUT_SECONDS,
      ...(script.type === 'lambda'
        ? {
            config: {
              function: 'scripted',
              payload: slow.has(index)
                ? { slowAttempts: script.failures, sleepMs: SLOW_ATTEMPT_MS }
                : { failAttempts: script.failures === 'ALWAYS' ? -1 : script.failures },
            },
          }
        : {}),
      retry: { maxRetries: script.maxRetries, intervalSeconds: 0, backoffRate: 1 },
    }),
  });
}

/** Creates the run as Scheduler would: its invocation is retried until it went through. */
async function fire(workflowId: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = (await runtime.lambda.invoke('rondo-create-run', {
        workflowId,
        scheduledTime: '2026-03-01T10:00:00Z',
      })) as { runId: string };
      return out.runId;
    } catch (error) {
      if (attempt >= 20) throw error;
    }
  }
}

async function finishedRun(runId: string, timeoutMs = 240_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<Run>('GET', `/v1/runs/${runId}`);
    if (body.status !== 'RUNNING') return body;
    if (Date.now() > deadline) {
      // What is still open, in short: where the run is stuck.
      const open = ((body as unknown as { instances?: Record<string, unknown>[] }).instances ?? []).map((i) =>
        JSON.stringify({
          id: i.id,
          status: i.status,
          blocked: i.blocked,
          dueAt: i.dueAt,
          waiting: i.waitingUpstreams,
          blocking: i.blockingUpstreams,
          unmet: i.unmetUpstreams,
          upstream: i.upstream,
          reported: Object.keys((i.upstreamOutcomes as object) ?? {}),
          attempts: (i.attempts as Attempt[]).map((a) => `${a.number}:${a.status}:${a.error?.code ?? ''}`),
          transitions: (i.transitions as { status: string; at: string }[]).map(
            (t) => `${t.status}@${t.at.slice(11, 23)}`,
          ),
        }),
      );
      // The run and what holds it last: a long report is read from its end.
      const holding = ((body as unknown as { instances?: Instance[] }).instances ?? [])
        .filter((i) => !FINISHED_STATUSES.has(i.status as InstanceStatus) && !i.blocked)
        .map((i) => `${i.id} ${i.status}`);
      throw new Error(
        `run ${runId} did not finish:\n${open.join('\n')}\n` +
          `run: ${JSON.stringify({ ...body, instances: undefined })}\n` +
          `neither finished nor blocked: ${holding.join(', ') || 'none'}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

type Outcome = {
  instances: number;
  violations: string[];
  timeouts: number;
  lostAttempts: number;
};

/** Runs one DAG under the faults and lists every way it departed from the rules. */
async function runAndCheck(dag: Dag, index: number, random: () => number): Promise<Outcome> {
  const id = `faults-${SEED}-${index}`;
  const slow = timeoutTasks(dag, random);
  const saved = await api('PUT', `/v1/workflows/${id}`, definitionOf(dag, id, slow));
  if (saved.status >= 300) throw new Error(`saving ${id}: ${JSON.stringify(saved.body)}`);
  const runId = await fire(id);
  const run = await finishedRun(runId);
  const instanceOf = (task: number) => `${runId}.${taskId(task)}`;
  const instances = await Promise.all(
    dag.tasks.map(async (_t, task) => (await api<Instance>('GET', `/v1/instances/${instanceOf(task)}`)).body),
  );
  const violations: string[] = [];
  const where = (task: number) => `DAG ${index} (${id}) ${taskId(task)}`;
  // Attempts that failed for a reason other than their script: lost to a crash, failed by the reconciler.
  const lost = new Set<string>();
  let timeouts = 0;
  instances.forEach((instance, task) => {
    for (const attempt of instance.attempts ?? []) {
      if (attempt.error?.code === 'ATTEMPT_LOST') lost.add(`${task}#${attempt.number}`);
      if (attempt.error?.code === 'TIMEOUT') timeouts++;
    }
  });
  const scripted = scriptedFailure(dag);
  const reference = referenceModel(
    dag,
    (task, attempt) => lost.has(`${task}#${attempt}`) || scripted(task, attempt),
  );

  // No executor attempt ran twice.
  for (const [key, count] of scriptedCalls(runtime, runId)) {
    if (count !== 1) violations.push(`DAG ${index}: attempt ${key} ran ${count} times`);
  }
  instances.forEach((instance, task) => {
    const expected = reference[task];
    if (!instance?.attempts || !expected) {
      violations.push(`${where(task)}: instance lost`);
      return;
    }
    const status = `${instance.status}${instance.blocked ? '(blocked)' : ''}`;
    const want = `${expectedStatus(expected.outcome)}${expected.outcome === 'BLOCKED' ? '(blocked)' : ''}`;
    if (status !== want) violations.push(`${where(task)}: ${status}, the reference says ${want}`);
    const numbers = instance.attempts.map((a) => a.number).join(',');
    const wantNumbers = Array.from({ length: expected.attempts }, (_x, a) => a + 1).join(',');
    if (numbers !== wantNumbers)
      violations.push(`${where(task)}: attempts ${numbers}, the reference says ${wantNumbers}`);
    // An attempt that was not lost ended as its script says.
    for (const attempt of instance.attempts) {
      if (lost.has(`${task}#${attempt.number}`)) continue;
      const fails = scripted(task, attempt.number);
      if ((attempt.status === 'FAILED') !== fails) {
        violations.push(
          `${where(task)}: attempt ${attempt.number} ${attempt.status}, its script says ${fails ? 'FAILED' : 'SUCCESS'}`,
        );
      }
    }
  });
  const want = {
    status: expectedRunStatus(reference),
    unfinished: 0,
    failed: reference.filter((r) => r.outcome === 'FAILED').length,
    blocked: reference.filter((r) => r.outcome === 'BLOCKED').length,
  };
  const got = { status: run.status, unfinished: run.unfinished, failed: run.failed, blocked: run.blocked };
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    violations.push(`DAG ${index}: run ${JSON.stringify(got)}, the reference says ${JSON.stringify(want)}`);
  }
  return { instances: dag.tasks.length, violations, timeouts, lostAttempts: lost.size };
}

describe(`fault injection on the embedded runtime (seed ${SEED})`, () => {
  it('runs random DAGs to the reference statuses, each attempt once, through at least 10,000 injected faults', async () => {
    const dags = fc.sample(dagArbitrary({ maxTasks: MAX_TASKS, maxRetries: 2 }), {
      seed: SEED,
      numRuns: DAG_COUNT,
    });
    const random = seededRandom(SEED);
    const outcomes: Outcome[] = [];
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENT_RUNS }, async () => {
        while (next < dags.length) {
          const index = next++;
          const dag = dags[index];
          if (dag) outcomes.push(await runAndCheck(dag, index, random));
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const duplicated = runtime.duplicatedMessages();
    const timeouts = outcomes.reduce((n, o) => n + o.timeouts, 0);
    const injected = duplicated + faults.counts.crashes + faults.counts.throttles + timeouts;
    const violations = outcomes.flatMap((o) => o.violations);
    const { sqs } = await import('#functions/commons/clients.ts');
    const deadLettered = await deadLetteredMessages(runtime, sqs);
    if (deadLettered > 0) violations.push(`${deadLettered} message(s) moved to a dead-letter queue`);
    const rows: [string, string][] = [
      ['seed', String(SEED)],
      ['runs completed', `${outcomes.length} of ${dags.length}`],
      ['task instances', String(outcomes.reduce((n, o) => n + o.instances, 0))],
      ['messages duplicated', String(duplicated)],
      ['crashes injected (after a write or send)', String(faults.counts.crashes)],
      ...Object.entries(faults.counts.crashesBy)
        .sort((a, b) => b[1] - a[1])
        .map(([operation, n]): [string, string] => [`  after ${operation}`, String(n)]),
      ['DynamoDB throttles injected', String(faults.counts.throttles)],
      ['executor timeouts', String(timeouts)],
      ['injected faults in all', String(injected)],
      [
        'attempts lost to crashes (failed by the reconciler)',
        String(outcomes.reduce((n, o) => n + o.lostAttempts, 0)),
      ],
      ['messages moved to a dead-letter queue', String(deadLettered)],
      ['reconciler passes', String(reconcilerPasses)],
      ['wall seconds', seconds.toFixed(1)],
      ['violations', String(violations.length)],
    ];
    const width = Math.max(...rows.map(([figure]) => figure.length));
    console.log(
      [
        `| ${'figure'.padEnd(width)} | value |`,
        `|${'-'.repeat(width + 2)}|-------|`,
        ...rows.map(([figure, value]) => `| ${figure.padEnd(width)} | ${value} |`),
      ].join('\n'),
    );
    expect(violations.slice(0, 20)).toEqual([]);
    expect(outcomes).toHaveLength(dags.length);
    expect(injected).toBeGreaterThanOrEqual(MIN_FAULTS);
  }, 900_000);
});
