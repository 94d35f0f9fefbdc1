// A finished instance stays due until its resolution reports it. An attempt that ran inside a
// function keeps the due time it started with (at most the function's limit away: no move in
// the due index); the reconciler still heals a completion message lost for good.
import { describe, expect, it } from 'vitest';
import { dispatchInstance, finishAttempt } from '#shared/engine/attempts.ts';
import { reconcile } from '#shared/engine/reconcile.ts';
import { createPeriodicRun } from '#shared/engine/runs.ts';
import { noopExecutor } from '#shared/executors/noop.ts';
import { instanceId, periodicRunId } from '#shared/model/ids.ts';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';
import { memoryEngineDeps } from '../../support/memory-engine.ts';
import { createMemoryQueues, deliver } from '../../support/memory-queues.ts';
import { createMemoryStore } from '../../support/memory-store.ts';

const PLANNED = '2026-03-01T02:00:00.000Z';
const RUN_ID = periodicRunId('due', PLANNED);
const GRACE = 300;
const INLINE_LIMIT = 870;

async function chainOfTwo(
  maxInlineAttemptSeconds: number | undefined,
  first: Record<string, unknown> = { type: 'noop' },
) {
  let now = new Date('2026-03-01T03:00:00.000Z').getTime();
  const clock = { now: () => new Date(now), advance: (s: number) => (now += s * 1000) };
  const store = createMemoryStore({});
  const queues = createMemoryQueues();
  const deps = memoryEngineDeps({
    store,
    queues,
    clock,
    executors: { noop: noopExecutor },
    settings: { graceSeconds: GRACE, ...(maxInlineAttemptSeconds ? { maxInlineAttemptSeconds } : {}) },
  });
  const definition = parseWorkflowDefinition({
    id: 'due',
    name: 'Due times',
    tasks: [
      { id: 'a', ...first },
      { id: 'b', type: 'noop' },
    ],
    edges: [{ from: 'a', to: 'b' }],
  });
  await store.putWorkflowVersion(definition, {
    owner: 't',
    at: clock.now().toISOString(),
    expectedVersion: 0,
  });
  await createPeriodicRun(deps, { workflowId: 'due', plannedTime: PLANNED, type: 'PERIODIC' });
  return { deps, store, queues, clock };
}

const a = instanceId(RUN_ID, 'a');
const b = instanceId(RUN_ID, 'b');
const seconds = (from: string, to: string | undefined) =>
  (new Date(to ?? 0).getTime() - new Date(from).getTime()) / 1000;

describe('due times of finished instances', () => {
  it('keeps the due time an inline attempt started with, and the reconciler resolves a lost completion by then', async () => {
    const { deps, store, queues, clock } = await chainOfTwo(INLINE_LIMIT);
    queues.take((m) => m.kind === 'dispatch' && m.instanceId === a);
    clock.advance(1);
    expect(await dispatchInstance(deps, a)).toBe('STARTED');
    const finished = await store.getInstance(a);
    expect(finished?.status).toBe('SUCCESS');
    // Due where RUNNING put it: its start, the function's limit and the grace.
    expect(seconds(finished?.startTime ?? '', finished?.dueAt)).toBe(INLINE_LIMIT + GRACE);
    // The completion message is lost for good.
    expect(queues.take((m) => m.kind === 'completion')).toEqual([{ kind: 'completion', instanceId: a }]);
    clock.advance(INLINE_LIMIT);
    expect((await reconcile(deps, { perShard: 10 })).healed).toEqual({});
    clock.advance(GRACE + 1);
    expect((await reconcile(deps, { perShard: 10 })).healed).toEqual({ RERESOLVED: 1 });
    for (const message of queues.take()) await deliver(deps, message);
    for (const message of queues.take()) await deliver(deps, message);
    expect((await store.getInstance(b))?.status).toBe('SUCCESS');
    expect((await store.getInstance(a))?.dueAt).toBeUndefined();
  });

  it('moves the due time to the grace after the finish when the attempt may run longer than a function', async () => {
    const { deps, store, queues, clock } = await chainOfTwo(undefined);
    queues.take((m) => m.kind === 'dispatch' && m.instanceId === a);
    clock.advance(1);
    await dispatchInstance(deps, a);
    const finished = await store.getInstance(a);
    expect(seconds(finished?.endTime ?? '', finished?.dueAt)).toBe(GRACE);
  });

  it('moves the due time to the grace after the finish when the attempt waited outside a function (a callback)', async () => {
    const callback = { type: 'callback', timeoutSeconds: 600, config: {} };
    const { deps, store, queues, clock } = await chainOfTwo(INLINE_LIMIT, callback);
    queues.take((m) => m.kind === 'dispatch' && m.instanceId === a);
    await dispatchInstance(deps, a);
    const waiting = await store.getInstance(a);
    if (waiting?.status !== 'RUNNING') throw new Error(`the callback is ${waiting?.status}`);
    clock.advance(10);
    await finishAttempt(deps, waiting, { status: 'SUCCESS', outputs: {}, metrics: {} });
    const finished = await store.getInstance(a);
    expect(finished?.status).toBe('SUCCESS');
    expect(seconds(finished?.endTime ?? '', finished?.dueAt)).toBe(GRACE);
  });
});
