// A run closes when its last instance's resolution finds nothing left to move. Should that
// resolution stop before the run closed, and its message never come back, the instance is
// still due: the reconciler resolves it again, and the run closes. A resolution that is late
// (its instance finished again since) leaves the later finish's hold on the run alone.
import { describe, expect, it } from 'vitest';
import { dispatchInstance } from '#shared/engine/attempts.ts';
import { markSuccess, rerunInstance } from '#shared/engine/operations.ts';
import { reconcile } from '#shared/engine/reconcile.ts';
import { resolveFinishedInstance } from '#shared/engine/resolve.ts';
import { createPeriodicRun } from '#shared/engine/runs.ts';
import { noopExecutor } from '#shared/executors/noop.ts';
import { instanceId, periodicRunId } from '#shared/model/ids.ts';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';
import type { Executor } from '#shared/ports/executor.ts';
import { memoryEngineDeps } from '../../support/memory-engine.ts';
import { createMemoryQueues, deliver } from '../../support/memory-queues.ts';
import { createMemoryStore } from '../../support/memory-store.ts';

const PLANNED = '2026-03-01T02:00:00.000Z';
const RUN_ID = periodicRunId('closure', PLANNED);
const GRACE = 300;

/** A `lambda` task here fails every attempt. */
const failing: Executor = {
  execute: async () => ({ status: 'FAILED', error: { code: 'SCRIPTED', message: 'fails' }, metrics: {} }),
};

/** a → b along a SUCCESS edge; `a` fails when `firstFails`. */
async function chainOfTwo(firstFails = false) {
  let now = new Date('2026-03-01T03:00:00.000Z').getTime();
  const clock = { now: () => new Date(now), advance: (s: number) => (now += s * 1000) };
  const store = createMemoryStore({});
  const queues = createMemoryQueues();
  const deps = memoryEngineDeps({
    store,
    queues,
    clock,
    executors: { noop: noopExecutor, lambda: failing },
    settings: { graceSeconds: GRACE },
  });
  const definition = parseWorkflowDefinition({
    id: 'closure',
    name: 'Run closure',
    tasks: [
      firstFails
        ? { id: 'a', type: 'lambda', config: { function: 'fails' }, retry: { maxRetries: 0 } }
        : { id: 'a', type: 'noop' },
      { id: 'b', type: 'noop' },
    ],
    edges: [{ from: 'a', to: 'b' }],
  });
  await store.putWorkflowVersion(definition, {
    owner: 't',
    at: clock.now().toISOString(),
    expectedVersion: 0,
  });
  await createPeriodicRun(deps, { workflowId: 'closure', plannedTime: PLANNED, type: 'PERIODIC' });
  return { deps, store, queues, clock };
}

const a = instanceId(RUN_ID, 'a');
const b = instanceId(RUN_ID, 'b');

describe('closing a run', () => {
  it('closes it from the reconciler when the last resolution stopped before the run closed', async () => {
    const { deps, store, queues, clock } = await chainOfTwo();
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
    expect((await readRun(RUN_ID))?.status).toBe('RUNNING');
    expect((await store.getInstance(b))?.dueAt).toBeDefined();

    clock.advance(GRACE + 1);
    expect((await reconcile(deps, { perShard: 10 })).healed).toEqual({ RERESOLVED: 1 });
    for (const message of queues.take()) await deliver(deps, message);
    expect((await store.getRun(RUN_ID))?.status).toBe('SUCCESS');
    expect((await store.getInstance(b))?.dueAt).toBeUndefined();
  });

  it("does not release, for a late resolution, the hold of the instance's later finish", async () => {
    const { deps, store, queues } = await chainOfTwo(true);
    const settleAll = async () => {
      while (queues.pending.length > 0) for (const message of queues.take()) await deliver(deps, message);
    };
    await settleAll(); // a fails, b is blocked, the run closes FAILED
    expect((await store.getInstance(b))?.blocked).toBe(true);
    expect((await store.getRun(RUN_ID))?.status).toBe('FAILED');
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
    expect(await store.getRun(RUN_ID)).toMatchObject({ status: 'RUNNING', held: 1 });
    await settleAll();
    expect((await store.getInstance(b))?.status).toBe('SUCCESS');
    expect(await store.getRun(RUN_ID)).toMatchObject({ status: 'SUCCESS', held: 0 });
  });
});
