// Creating a run is delivered at least once, and two deliveries may overlap: the one that
// loses the run's conditional create still writes what is missing and dispatches what is
// ready (the winner may have stopped). The winner's own writes, however late, must then
// leave alone an instance the loser's dispatch has already moved.
import { describe, expect, it } from 'vitest';
import { dispatchInstance } from '#shared/engine/attempts.ts';
import { createPeriodicRun } from '#shared/engine/runs.ts';
import { noopExecutor } from '#shared/executors/noop.ts';
import { instanceId, periodicRunId } from '#shared/model/ids.ts';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';
import { memoryEngineDeps } from '../../support/memory-engine.ts';
import { createMemoryQueues } from '../../support/memory-queues.ts';
import { createMemoryStore } from '../../support/memory-store.ts';

const PLANNED = '2026-03-01T02:00:00.000Z';

describe('creating a run twice at once', () => {
  it("does not reset an instance the other creation's dispatch already ran", async () => {
    const clock = { now: () => new Date('2026-03-01T03:00:00.000Z') };
    const store = createMemoryStore({});
    const queues = createMemoryQueues();
    const deps = memoryEngineDeps({ store, queues, clock, executors: { noop: noopExecutor } });
    await store.putWorkflowVersion(
      parseWorkflowDefinition({
        id: 'twice',
        name: 'Twice',
        tasks: [
          { id: 'a', type: 'noop' },
          { id: 'b', type: 'noop' },
        ],
        edges: [{ from: 'a', to: 'b' }],
      }),
      { owner: 't', at: clock.now().toISOString(), expectedVersion: 0 },
    );
    // The first delivery creates the run, then is slow to write its instances.
    const putInstances = store.putInstances.bind(store);
    let release = () => {};
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    store.putInstances = async (...args: Parameters<typeof putInstances>) => {
      if (++calls === 1) await slow;
      return putInstances(...args);
    };
    const request = { workflowId: 'twice', plannedTime: PLANNED, type: 'PERIODIC' as const };
    const first = createPeriodicRun(deps, request);
    await expect.poll(() => calls).toBe(1);
    // The second finds the run made, writes the instances and dispatches a, which runs.
    await createPeriodicRun(deps, request);
    const a = instanceId(periodicRunId('twice', PLANNED), 'a');
    queues.take((m) => m.kind === 'dispatch');
    expect(await dispatchInstance(deps, a)).toBe('STARTED');
    expect((await store.getInstance(a))?.status).toBe('SUCCESS');
    // Then the first's writes land.
    release();
    await first;
    expect(await store.getInstance(a)).toMatchObject({
      status: 'SUCCESS',
      attempts: [{ status: 'SUCCESS' }],
    });
  });
});
