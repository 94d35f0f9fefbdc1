// A run closes when its last instance's resolution finds nothing left to move. Should that
// resolution stop before the run closed, and its message never come back, the instance is
// still due: the reconciler resolves it again, and the run closes.
import { describe, expect, it } from 'vitest';
import { dispatchInstance } from '#shared/engine/attempts.ts';
import { reconcile } from '#shared/engine/reconcile.ts';
import { resolveFinishedInstance } from '#shared/engine/resolve.ts';
import { createPeriodicRun } from '#shared/engine/runs.ts';
import { noopExecutor } from '#shared/executors/noop.ts';
import { instanceId, periodicRunId } from '#shared/model/ids.ts';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';
import { memoryEngineDeps } from '../../support/memory-engine.ts';
import { createMemoryQueues, deliver } from '../../support/memory-queues.ts';
import { createMemoryStore } from '../../support/memory-store.ts';

const PLANNED = '2026-03-01T02:00:00.000Z';
const RUN_ID = periodicRunId('closure', PLANNED);
const GRACE = 300;

async function chainOfTwo() {
  let now = new Date('2026-03-01T03:00:00.000Z').getTime();
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
    id: 'closure',
    name: 'Run closure',
    tasks: [
      { id: 'a', type: 'noop' },
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
});
