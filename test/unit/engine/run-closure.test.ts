// A run closes when its last instance's resolution finds nothing left to move. Should that
// resolution stop before the run closed, and its message never come back, the instance is
// still due: the reconciler resolves it again, and the run closes. A resolution that is late
// (its instance finished again since) leaves the later finish's hold on the run alone.
import { describe, expect, it } from 'vitest';
import { dispatchInstance } from '#shared/engine/attempts.ts';
import { markSuccess, rerunInstance } from '#shared/engine/operations.ts';
import { reconcile } from '#shared/engine/reconcile.ts';
import { resolveFinishedInstance } from '#shared/engine/resolve.ts';
import { chainOfTwo } from '../../support/memory-engine.ts';
import { deliver } from '../../support/memory-queues.ts';

const GRACE = 300;
const closure = (first?: Record<string, unknown>) =>
  chainOfTwo({ workflowId: 'closure', first, settings: { graceSeconds: GRACE } });

describe('closing a run', () => {
  it('closes it from the reconciler when the last resolution stopped before the run closed', async () => {
    const { deps, store, queues, clock, runId, a, b } = await closure();
    queues.take((m) => m.kind === 'dispatch');
    expect(await dispatchInstance(deps, a)).toBe('STARTED');
    for (const message of queues.take()) await deliver(deps, message); // a's completion
    queues.take((m) => m.kind === 'dispatch');
    expect(await dispatchInstance(deps, b)).toBe('STARTED');
    // b's resolution stops when it reads the run (a crash, a timeout); its message is lost.
    queues.take((m) => m.kind === 'completion');
    const readRun = store.getRun.bind(store);
    let stopped = false;
    store.getRun = async (id) => {
      if (!stopped) {
        stopped = true;
        throw new Error('the function stopped');
      }
      return readRun(id);
    };
    await expect(resolveFinishedInstance(deps, b)).rejects.toThrow('the function stopped');
    expect((await readRun(runId))?.status).toBe('RUNNING');
    expect((await store.getInstance(b))?.dueAt).toBeDefined();

    clock.advance(GRACE + 1);
    expect((await reconcile(deps, { perShard: 10 })).healed).toEqual({ RERESOLVED: 1 });
    for (const message of queues.take()) await deliver(deps, message);
    expect((await store.getRun(runId))?.status).toBe('SUCCESS');
    expect((await store.getInstance(b))?.dueAt).toBeUndefined();
  });

  it("does not release, for a late resolution, the hold of the instance's later finish", async () => {
    const { deps, store, queues, runId, a, b } = await closure({
      type: 'lambda',
      config: { function: 'fails' },
      retry: { maxRetries: 0 },
    });
    const settleAll = async () => {
      while (queues.pending.length > 0) for (const message of queues.take()) await deliver(deps, message);
    };
    await settleAll(); // a fails, b is blocked, the run closes FAILED
    expect((await store.getInstance(b))?.blocked).toBe(true);
    expect((await store.getRun(runId))?.status).toBe('FAILED');
    // a is rerun (it holds the reopened run until its resolution) and fails again.
    await rerunInstance(deps, a);
    queues.take((m) => m.kind === 'dispatch');
    expect(await dispatchInstance(deps, a)).toBe('STARTED');
    queues.take((m) => m.kind === 'completion');
    const failedAgain = await store.getInstance(a);
    expect(failedAgain).toMatchObject({ status: 'FAILED', holdsRunOpen: true });
    // Before that failure is resolved, an operator marks a successful: b will be unblocked.
    await markSuccess(deps, a, { code: 'OPERATOR', message: 'fixed by hand' });
    // The late resolution of the failure reads a as it was.
    const read = store.getInstance.bind(store);
    let late = true;
    store.getInstance = async (id) => {
      if (id === a && late) {
        late = false;
        return failedAgain;
      }
      return read(id);
    };
    await resolveFinishedInstance(deps, a);
    // The run stays open for the success's own resolution, which unblocks b.
    expect(await store.getRun(runId)).toMatchObject({ status: 'RUNNING', held: 1 });
    await settleAll();
    expect((await store.getInstance(b))?.status).toBe('SUCCESS');
    expect(await store.getRun(runId)).toMatchObject({ status: 'SUCCESS', held: 0 });
  });
});
