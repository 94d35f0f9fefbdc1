// The engine against a deliberately simple reference model of PRODUCT.md §3: random DAGs
// of scripted tasks, every message delivered twice, in a random order, several at once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineDeps } from '#shared/engine/deps.ts';
import { createPeriodicRun } from '#shared/engine/runs.ts';
import { noopExecutor } from '#shared/executors/noop.ts';
import { instanceId, periodicRunId } from '#shared/model/ids.ts';
import type { Instance } from '#shared/model/instance.ts';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { AttemptResult, Executor } from '#shared/ports/executor.ts';
import { memoryEngineDeps } from '../../support/memory-engine.ts';
import {
  createMemoryQueues,
  deliver,
  deliverConcurrently,
  type MemoryQueues,
  pump,
  seededRandom,
  shuffle,
} from '../../support/memory-queues.ts';
import { createMemoryStore, type MemoryStore } from '../../support/memory-store.ts';
import {
  type Dag,
  dagArb,
  expectedRunStatus,
  expectedStatus,
  referenceModel,
  type Script,
  taskId,
  workflowDefinitionOf,
} from '../../support/reference-model.ts';

const WORKFLOW_ID = 'prop';
const PLANNED = '2026-03-01T02:30:00.000Z';
const RUN_ID = periodicRunId(WORKFLOW_ID, PLANNED);
const instanceOf = (index: number) => instanceId(RUN_ID, taskId(index));

// ---------------------------------------------------------------------------------------
// Harness: the engine on the in-memory store and queues, with a fake clock

type Harness = {
  deps: EngineDeps;
  store: MemoryStore;
  queues: MemoryQueues;
  clock: Clock & { advance(ms: number): void };
  /** Executor calls by `instanceId#attempt`. */
  calls: Map<string, number>;
};

/** Up to `maxTurns` microtask turns, chosen by a seeded generator. */
function latencyOf(seed: number, maxTurns: number): () => number {
  const random = seededRandom(seed);
  return () => Math.floor(random() * (maxTurns + 1));
}

async function pause(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

function createHarness(dag: Dag, latency: () => number = () => 0): Harness {
  let now = new Date('2026-03-01T03:00:00.000Z').getTime();
  const clock = {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
  const calls = new Map<string, number>();
  const record = (instance: Instance, attempt: number) => {
    const key = `${instance.id}#${attempt}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
  };
  const scripts = new Map(dag.tasks.map((script, index) => [taskId(index), script]));
  const scripted: Executor = {
    async execute({ instance, attempt }): Promise<AttemptResult> {
      record(instance, attempt);
      await pause(latency());
      const script = scripts.get(instance.taskId);
      if (!script) throw new Error(`no script for ${instance.taskId}`);
      if (script.failures === 'ALWAYS' || attempt <= script.failures) {
        return { status: 'FAILED', error: { code: 'SCRIPTED', message: `attempt ${attempt}` }, metrics: {} };
      }
      return { status: 'SUCCESS', outputs: { attempt }, metrics: {} };
    },
  };
  const noop: Executor = {
    async execute(request) {
      record(request.instance, request.attempt);
      return noopExecutor.execute(request);
    },
  };
  const store = createMemoryStore({ latency });
  const queues = createMemoryQueues();
  const deps = memoryEngineDeps({ store, queues, clock, executors: { lambda: scripted, noop } });
  return { deps, store, queues, clock, calls };
}

function definitionOf(dag: Dag) {
  return parseWorkflowDefinition(
    workflowDefinitionOf(dag, {
      id: WORKFLOW_ID,
      name: 'Property',
      task: (script) => ({ type: script.type, retry: { maxRetries: script.maxRetries, intervalSeconds: 0 } }),
    }),
  );
}

/** Stores the workflow and creates its run; the run's dispatch messages are left pending. */
async function startRun(harness: Harness, dag: Dag): Promise<void> {
  const at = harness.clock.now().toISOString();
  await harness.store.putWorkflowVersion(definitionOf(dag), { owner: 'test', at, expectedVersion: 0 });
  const { run } = await createPeriodicRun(harness.deps, {
    workflowId: WORKFLOW_ID,
    plannedTime: PLANNED,
    type: 'PERIODIC',
  });
  expect(run.id).toBe(RUN_ID);
}

/**
 * How many deliveries a run may take. Handling one message sends a bounded number of
 * others, so with every message delivered twice the work still grows with tasks, edges and
 * attempts ("work proportional to its edges", resolve.ts; PRODUCT.md §5). Runs take about
 * 4 deliveries per unit when nothing is blocked; 20 leaves room for any linear design, and
 * stops a run whose messages multiply long before it would exhaust the machine.
 */
const DELIVERIES_PER_UNIT = 20;

function deliveryBudget(dag: Dag): number {
  const attempts = referenceModel(dag).reduce((n, r) => n + r.attempts, 0);
  return DELIVERIES_PER_UNIT * (dag.tasks.length + dag.edges.length + attempts);
}

/** How messages are delivered: order, duplicates, how many at once, store-call latency. */
type PumpSettings = { seed: number; duplicate: boolean; concurrency: number; latency: number };

async function runToQuiescence(dag: Dag, settings: PumpSettings): Promise<Harness> {
  const harness = createHarness(dag, latencyOf(settings.seed + 1, settings.latency));
  await startRun(harness, dag);
  await pump(harness.deps, harness.queues, {
    random: seededRandom(settings.seed),
    duplicate: settings.duplicate,
    concurrency: settings.concurrency,
    beforeTurn: () => harness.clock.advance(1000),
    maxDeliveries: deliveryBudget(dag),
  });
  return harness;
}

/** Compares everything the reference model predicts with what the engine left behind. */
async function expectMatchesReference(harness: Harness, dag: Dag): Promise<void> {
  const reference = referenceModel(dag);
  const instances = await harness.store.getInstances(dag.tasks.map((_t, i) => instanceOf(i)));
  expect(instances).toHaveLength(dag.tasks.length);
  const byId = new Map(instances.map((i) => [i.id, i]));
  const actual = dag.tasks.map((_t, i) => {
    const instance = byId.get(instanceOf(i));
    return `${taskId(i)}:${instance?.status}${instance?.blocked ? '(blocked)' : ''}`;
  });
  const expected = reference.map(
    (r, i) => `${taskId(i)}:${expectedStatus(r.outcome)}${r.outcome === 'BLOCKED' ? '(blocked)' : ''}`,
  );
  expect(actual).toEqual(expected);

  // Each attempt the reference makes ran exactly once, and no other attempt ran.
  const expectedCalls = reference.flatMap((r, i) =>
    Array.from({ length: r.attempts }, (_x, a) => `${instanceOf(i)}#${a + 1}`),
  );
  expect([...harness.calls.keys()].sort()).toEqual(expectedCalls.sort());
  expect([...harness.calls.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  reference.forEach((r, i) => {
    const instance = byId.get(instanceOf(i));
    expect(
      instance?.attempts.map((a) => a.number),
      taskId(i),
    ).toEqual(Array.from({ length: r.attempts }, (_x, a) => a + 1));
    expect(
      instance?.transitions.filter((t) => t.status === 'RUNNING'),
      taskId(i),
    ).toHaveLength(r.attempts);
  });

  const run = await harness.store.getRun(RUN_ID);
  expect({
    status: run?.status,
    unfinished: run?.unfinished,
    failed: run?.failed,
    blocked: run?.blocked,
  }).toEqual({
    status: expectedRunStatus(reference),
    unfinished: 0,
    failed: reference.filter((r) => r.outcome === 'FAILED').length,
    blocked: reference.filter((r) => r.outcome === 'BLOCKED').length,
  });
  expect(harness.queues.pending).toEqual([]);
}

// ---------------------------------------------------------------------------------------
// Arbitraries

const pumpArb: fc.Arbitrary<PumpSettings> = fc.record({
  seed: fc.integer(),
  duplicate: fc.constant(true),
  concurrency: fc.integer({ min: 1, max: 6 }),
  latency: fc.integer({ min: 0, max: 4 }),
});

// ---------------------------------------------------------------------------------------
// Tests

describe('the engine against a reference model of PRODUCT.md §3', () => {
  it('reaches the reference final statuses on random DAGs, running each attempt once', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, pumpArb, async (dag, settings) => {
        const harness = await runToQuiescence(dag, settings);
        await expectMatchesReference(harness, dag);
      }),
      { seed: 20_260_301, numRuns: 100 },
    );
  }, 30_000);

  it('checks the reference model itself on a hand-worked graph', () => {
    const dag: Dag = {
      tasks: [
        { type: 'lambda', failures: 'ALWAYS', maxRetries: 1 }, // t000 FAILED
        { type: 'lambda', failures: 0, maxRetries: 0 }, // t001 ← t000 SUCCESS: blocked
        { type: 'lambda', failures: 0, maxRetries: 0 }, // t002 ← t001 ALWAYS: blocked behind it
        { type: 'lambda', failures: 2, maxRetries: 2 }, // t003 ← t000 FAILURE: runs, 3 attempts
        { type: 'lambda', failures: 0, maxRetries: 0 }, // t004 ← t003 FAILURE: skipped
        { type: 'lambda', failures: 0, maxRetries: 0 }, // t005 ← t004 ALWAYS: runs
        { type: 'lambda', failures: 3, maxRetries: 2 }, // t006: fails, 3 attempts
      ],
      edges: [
        { from: 0, to: 1, condition: 'SUCCESS' },
        { from: 1, to: 2, condition: 'ALWAYS' },
        { from: 0, to: 3, condition: 'FAILURE' },
        { from: 3, to: 4, condition: 'FAILURE' },
        { from: 4, to: 5, condition: 'ALWAYS' },
      ],
    };
    expect(referenceModel(dag)).toEqual([
      { outcome: 'FAILED', attempts: 2 },
      { outcome: 'BLOCKED', attempts: 0 },
      { outcome: 'BLOCKED', attempts: 0 },
      { outcome: 'SUCCESS', attempts: 3 },
      { outcome: 'SKIPPED', attempts: 0 },
      { outcome: 'SUCCESS', attempts: 1 },
      { outcome: 'FAILED', attempts: 3 },
    ]);
  });
});

describe('the engine on hand-picked graphs, every message delivered twice', () => {
  const always = (failures: Script['failures'], maxRetries = 0): Script => ({
    type: 'lambda',
    failures,
    maxRetries,
  });

  it('dispatches a 100-upstream fan-in exactly once when all its upstreams finish at once', async () => {
    const roots = Array.from({ length: 100 }, () => always(0));
    const dag: Dag = {
      tasks: [...roots, always(0)],
      edges: roots.map((_r, i) => ({ from: i, to: 100, condition: 'SUCCESS' as const })),
    };
    const harness = createHarness(dag, latencyOf(101, 3));
    await startRun(harness, dag);
    const random = seededRandom(100);
    // Every root runs; their completion messages pile up undelivered.
    const dispatches = harness.queues.take((m) => m.kind === 'dispatch');
    expect(dispatches).toHaveLength(100);
    for (const message of dispatches) await deliver(harness.deps, message);
    const completions = harness.queues.take((m) => m.kind === 'completion');
    expect(completions).toHaveLength(100);
    // All 200 deliveries (each twice) at once, shuffled, interleaving at every store call.
    await deliverConcurrently(harness.deps, shuffle([...completions, ...completions], random));
    // The join is released (by the last report, and by any duplicate that re-decides it):
    // every dispatch message it got, twice, at once; then whatever is left, in any order.
    const joins = harness.queues.take((m) => m.kind === 'dispatch' && m.instanceId === instanceOf(100));
    expect(joins.length).toBeGreaterThanOrEqual(1);
    expect(harness.calls.has(`${instanceOf(100)}#1`)).toBe(false);
    await deliverConcurrently(harness.deps, [...joins, ...joins]);
    await pump(harness.deps, harness.queues, { random, duplicate: true, concurrency: 4 });

    const join = await harness.store.getInstance(instanceOf(100));
    expect(harness.calls.get(`${instanceOf(100)}#1`)).toBe(1);
    expect(join?.status).toBe('SUCCESS');
    expect(join?.attempts).toHaveLength(1);
    expect(join?.transitions.map((t) => t.status)).toEqual(['WAITING_UPSTREAM', 'RUNNING', 'SUCCESS']);
    expect(join?.waitingUpstreams).toBe(0);
    expect(Object.keys(join?.upstreamOutcomes ?? {})).toHaveLength(100);
    expect((await harness.store.getRun(RUN_ID))?.status).toBe('SUCCESS');
    await expectMatchesReference(harness, dag);
  });

  it('leaves a SUCCESS edge downstream of a failed upstream blocked, and the run FAILED', async () => {
    const dag: Dag = {
      tasks: [always('ALWAYS', 1), always(0), always(0)],
      edges: [
        { from: 0, to: 1, condition: 'SUCCESS' },
        { from: 1, to: 2, condition: 'ALWAYS' },
      ],
    };
    const harness = await runToQuiescence(dag, { seed: 1, duplicate: true, concurrency: 2, latency: 2 });
    const [failed, blocked, behind] = await Promise.all(
      [0, 1, 2].map((i) => harness.store.getInstance(instanceOf(i))),
    );
    expect(failed?.status).toBe('FAILED');
    expect(failed?.attempts).toHaveLength(2);
    expect(blocked).toMatchObject({ status: 'WAITING_UPSTREAM', blocked: true });
    expect(behind).toMatchObject({ status: 'WAITING_UPSTREAM', blocked: true });
    expect(await harness.store.getRun(RUN_ID)).toMatchObject({
      status: 'FAILED',
      unfinished: 0,
      failed: 1,
      blocked: 2,
    });
    expect([...harness.calls.keys()].filter((k) => !k.startsWith(instanceOf(0)))).toEqual([]);
    await expectMatchesReference(harness, dag);
  });

  it('costs work linear in the length of a blocked chain when messages are delivered twice', async () => {
    // t000 fails; t001 … t012 each wait for the one before through a SUCCESS edge: all blocked.
    const dag: Dag = {
      tasks: [always('ALWAYS'), ...Array.from({ length: 12 }, () => always(0))],
      edges: Array.from({ length: 12 }, (_x, i) => ({ from: i, to: i + 1, condition: 'SUCCESS' as const })),
    };
    const once = await runToQuiescence(dag, { seed: 5, duplicate: false, concurrency: 1, latency: 0 });
    expect(once.queues.sent.filter((m) => m.kind === 'completion')).toHaveLength(13);
    await expectMatchesReference(once, dag);
    // Delivered twice, each message may cause a few more, never twice as many per level.
    const twice = await runToQuiescence(dag, { seed: 5, duplicate: true, concurrency: 1, latency: 0 });
    await expectMatchesReference(twice, dag);
    const completions = dag.tasks.map(
      (_t, i) =>
        twice.queues.sent.filter((m) => m.kind === 'completion' && m.instanceId === instanceOf(i)).length,
    );
    expect(
      Math.max(...completions),
      `completion messages per task: ${completions.join(', ')}`,
    ).toBeLessThanOrEqual(4);
  });

  it('runs a FAILURE edge when its upstream failed and skips it when it succeeded', async () => {
    const onFailure = (first: Script): Dag => ({
      tasks: [first, always(0)],
      edges: [{ from: 0, to: 1, condition: 'FAILURE' }],
    });
    const failing = await runToQuiescence(onFailure(always('ALWAYS')), {
      seed: 2,
      duplicate: true,
      concurrency: 1,
      latency: 0,
    });
    expect((await failing.store.getInstance(instanceOf(1)))?.status).toBe('SUCCESS');
    expect(failing.calls.get(`${instanceOf(1)}#1`)).toBe(1);
    expect((await failing.store.getRun(RUN_ID))?.status).toBe('FAILED');

    const succeeding = await runToQuiescence(onFailure(always(1, 1)), {
      seed: 3,
      duplicate: true,
      concurrency: 1,
      latency: 0,
    });
    expect((await succeeding.store.getInstance(instanceOf(0)))?.status).toBe('SUCCESS');
    expect((await succeeding.store.getInstance(instanceOf(1)))?.status).toBe('SKIPPED');
    expect(succeeding.calls.has(`${instanceOf(1)}#1`)).toBe(false);
    expect((await succeeding.store.getRun(RUN_ID))?.status).toBe('SUCCESS');
  });

  it('runs an ALWAYS edge after a SKIPPED upstream; a SUCCESS edge after it is skipped', async () => {
    const dag: Dag = {
      tasks: [always(0), always(0), always(0), always(0)],
      edges: [
        { from: 0, to: 1, condition: 'FAILURE' },
        { from: 1, to: 2, condition: 'ALWAYS' },
        { from: 1, to: 3, condition: 'SUCCESS' },
      ],
    };
    const harness = await runToQuiescence(dag, { seed: 4, duplicate: true, concurrency: 3, latency: 2 });
    const statuses = await Promise.all(
      [0, 1, 2, 3].map(async (i) => (await harness.store.getInstance(instanceOf(i)))?.status),
    );
    expect(statuses).toEqual(['SUCCESS', 'SKIPPED', 'SUCCESS', 'SKIPPED']);
    expect(harness.calls.get(`${instanceOf(2)}#1`)).toBe(1);
    expect((await harness.store.getRun(RUN_ID))?.status).toBe('SUCCESS');
    await expectMatchesReference(harness, dag);
  });
});
