// A finished instance stays due until its resolution reports it. An attempt that ran inside a
// function keeps the due time it started with (at most the function's limit away: no move in
// the due index); the reconciler still heals a completion message lost for good.
import { describe, expect, it } from 'vitest';
import { dispatchInstance, finishAttempt } from '#shared/engine/attempts.ts';
import { reconcile } from '#shared/engine/reconcile.ts';
import { chainOfTwo } from '../../support/memory-engine.ts';
import { deliver } from '../../support/memory-queues.ts';

const GRACE = 300;
const INLINE_LIMIT = 870;

const due = (maxInlineAttemptSeconds: number | undefined, first?: Record<string, unknown>) =>
  chainOfTwo({
    workflowId: 'due',
    first,
    settings: { graceSeconds: GRACE, ...(maxInlineAttemptSeconds ? { maxInlineAttemptSeconds } : {}) },
  });

const seconds = (from: string, to: string | undefined) =>
  (new Date(to ?? 0).getTime() - new Date(from).getTime()) / 1000;

describe('due times of finished instances', () => {
  it('keeps the due time an inline attempt started with, and the reconciler resolves a lost completion by then', async () => {
    const { deps, store, queues, clock, a, b } = await due(INLINE_LIMIT);
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
    const { deps, store, queues, clock, a } = await due(undefined);
    queues.take((m) => m.kind === 'dispatch' && m.instanceId === a);
    clock.advance(1);
    await dispatchInstance(deps, a);
    const finished = await store.getInstance(a);
    expect(seconds(finished?.endTime ?? '', finished?.dueAt)).toBe(GRACE);
  });

  it('moves the due time to the grace after the finish when the attempt waited outside a function (a callback)', async () => {
    const callback = { type: 'callback', timeoutSeconds: 600, config: {} };
    const { deps, store, queues, clock, a } = await due(INLINE_LIMIT, callback);
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
