// A backfill counts each of its runs once when it closes, then starts the next. Should the
// resolution that closed a run stop before the count, the run's last instance is still due:
// the reconciler resolves it again, finds the run closed and its slot not counted, counts it
// and goes on. Deliveries that find the run closed and counted change nothing. And a plan
// holds at most what one DynamoDB item can.
import { describe, expect, it } from 'vitest';
import { createBackfill } from '#shared/engine/backfills.ts';
import { reconcile } from '#shared/engine/reconcile.ts';
import { noopExecutor } from '#shared/executors/noop.ts';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';
import { memoryEngineDeps } from '../../support/memory-engine.ts';
import { createMemoryQueues, deliver } from '../../support/memory-queues.ts';
import { createMemoryStore } from '../../support/memory-store.ts';

const GRACE = 300;

async function dailyWorkflow() {
  let now = new Date('2026-03-10T00:00:00.000Z').getTime();
  const clock = { now: () => new Date(now), advance: (s: number) => (now += s * 1000) };
  const store = createMemoryStore({});
  const queues = createMemoryQueues();
  const deps = memoryEngineDeps({
    store,
    queues,
    clock,
    executors: { noop: noopExecutor },
    settings: { graceSeconds: GRACE },
  });
  const definition = parseWorkflowDefinition({
    id: 'daily',
    name: 'Daily',
    schedule: { expression: 'cron(0 2 * * ? *)', cycle: 'DAY', timezone: 'UTC', status: 'PAUSED' },
    tasks: [{ id: 'only', type: 'noop' }],
    edges: [],
  });
  await store.putWorkflowVersion(definition, {
    owner: 't',
    at: clock.now().toISOString(),
    expectedVersion: 0,
  });
  /** Delivers every pending message, and what they send, in order. */
  const settle = async () => {
    while (queues.pending.length > 0) for (const message of queues.take()) await deliver(deps, message);
  };
  return { deps, store, queues, clock, settle };
}

const threeDays = {
  from: '2026-03-01T00:00:00Z',
  to: '2026-03-03T00:00:00Z',
  order: 'ASC',
  parallelism: 1,
} as const;

/**
 * A three-day backfill whose first run closed, but whose resolution stopped before the count
 * (its message lost): the run is closed, the backfill has not heard. `count` counts as the store does.
 */
async function firstCountStopped() {
  const workflow = await dailyWorkflow();
  const { deps, store, queues } = workflow;
  const count = store.countBackfillRunClosed.bind(store);
  let stops = 1;
  store.countBackfillRunClosed = async (id, run) => {
    if (stops-- > 0) throw new Error('the function stopped');
    return count(id, run);
  };
  const backfill = await createBackfill(deps, 'daily', threeDays, 'tester');
  for (const message of queues.take((m) => m.kind === 'dispatch')) await deliver(deps, message);
  const [completion] = queues.take((m) => m.kind === 'completion');
  if (!completion) throw new Error('no completion message');
  await expect(deliver(deps, completion)).rejects.toThrow('the function stopped');
  return { ...workflow, backfill, count };
}

/** The reconciler resolves the stopped resolution's instance again, and the backfill ends well. */
async function healedToTheEnd(
  { deps, store, clock, settle }: Omit<Awaited<ReturnType<typeof dailyWorkflow>>, 'queues'>,
  backfillId: string,
) {
  clock.advance(GRACE + 1);
  expect((await reconcile(deps, { perShard: 10 })).healed).toEqual({ RERESOLVED: 1 });
  await settle();
  expect(await store.getBackfill(backfillId)).toMatchObject({
    status: 'SUCCESS',
    progress: { total: 3, done: 3, failed: 0, running: 0 },
  });
}

describe('backfill progress', () => {
  it('counts a run whose count a stopped resolution missed, once, and goes on to the next run', async () => {
    const { deps, store, clock, settle, backfill } = await firstCountStopped();
    // Its message is lost; the first run is closed, but the backfill has not heard.
    const [firstRunId] = (await store.listRuns({ workflowId: 'daily', limit: 10 })).items.map((r) => r.id);
    expect((await store.getRun(firstRunId ?? ''))?.status).toBe('SUCCESS');
    expect((await store.getBackfill(backfill.id))?.progress).toMatchObject({ done: 0, running: 1 });

    await healedToTheEnd({ deps, store, clock, settle }, backfill.id);

    // Every run's completion delivered once more: nothing is counted twice.
    const runs = (await store.listRuns({ workflowId: 'daily', limit: 10 })).items;
    expect(runs.map((r) => r.backfillSlot).sort()).toEqual([0, 1, 2]);
    for (const run of runs) await deliver(deps, { kind: 'completion', instanceId: `${run.id}.only` });
    await settle();
    expect((await store.getBackfill(backfill.id))?.progress).toEqual({
      total: 3,
      done: 3,
      failed: 0,
      running: 0,
    });
  });

  it('does not count again, on a later look, a run an earlier release counted without its slot', async () => {
    const { deps, store, clock, settle, backfill, count } = await firstCountStopped();
    // A function of the earlier release (mid-deploy) counted the run, without marking its slot.
    await count(backfill.id, { failed: false });
    clock.advance(GRACE + 1);
    await reconcile(deps, { perShard: 10 });
    await settle();
    expect(await store.getBackfill(backfill.id)).toMatchObject({
      status: 'SUCCESS',
      progress: { total: 3, done: 3, failed: 0, running: 0 },
    });
  });
});

describe('backfill runs', () => {
  it('creates the run of a slot claimed just before a stop, from the reconciler, and goes on', async () => {
    const { deps, store, queues, clock, settle } = await dailyWorkflow();
    // The second run's creation fails: the resolution that closed the first run, counted it
    // and claimed the next slot stops there, and its message is lost.
    const createRun = store.createRun.bind(store);
    let creations = 0;
    store.createRun = async (run) => {
      if (++creations === 2) throw new Error('the function stopped');
      return createRun(run);
    };
    const backfill = await createBackfill(deps, 'daily', threeDays, 'tester');
    for (const message of queues.take((m) => m.kind === 'dispatch')) await deliver(deps, message);
    const [completion] = queues.take((m) => m.kind === 'completion');
    if (!completion) throw new Error('no completion message');
    await expect(deliver(deps, completion)).rejects.toThrow('the function stopped');
    expect(await store.getBackfill(backfill.id)).toMatchObject({
      next: 2,
      progress: { done: 1, running: 1 },
    });
    expect((await store.listRuns({ workflowId: 'daily', limit: 10 })).items).toHaveLength(1);

    await healedToTheEnd({ deps, store, clock, settle }, backfill.id);
    expect((await store.listRuns({ workflowId: 'daily', limit: 10 })).items).toHaveLength(3);
  });
});

describe('backfill plan', () => {
  it('refuses a plan of more runs than one item holds, with a code and the field at fault', async () => {
    const { deps, store } = await dailyWorkflow();
    // Fourteen years of daily runs: 5,114, over the 5,000 a plan may hold.
    const tooLong = { ...threeDays, from: '2012-01-01T00:00:00Z', to: '2025-12-31T00:00:00Z' };
    await expect(createBackfill(deps, 'daily', tooLong, 'tester')).rejects.toMatchObject({
      details: [{ path: 'to', code: 'BACKFILL_TOO_LARGE', message: '5114 runs; at most 5000' }],
    });
    expect((await store.listRuns({ workflowId: 'daily', limit: 10 })).items).toEqual([]);
  });
});
