// A closed child run reports to its parent's attempt; every resolution that finds the child
// closed reports again (a stop right after the close must not lose the report), so two
// reports may race: the one that finds the attempt already finished is done, not an error.
import { describe, expect, it } from 'vitest';
import { dispatchInstance } from '#shared/engine/attempts.ts';
import { createPeriodicRun } from '#shared/engine/runs.ts';
import { finishParentOfChild } from '#shared/engine/subworkflows.ts';
import { noopExecutor } from '#shared/executors/noop.ts';
import { childRunId, instanceId, periodicRunId } from '#shared/model/ids.ts';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';
import { memoryEngineDeps } from '../../support/memory-engine.ts';
import { createMemoryQueues } from '../../support/memory-queues.ts';
import { createMemoryStore } from '../../support/memory-store.ts';

const PLANNED = '2026-03-01T02:00:00.000Z';

describe("a child run's report to its parent", () => {
  it('finishes the attempt once when two reports of the closed child race', async () => {
    const clock = { now: () => new Date('2026-03-01T03:00:00.000Z') };
    const store = createMemoryStore({});
    const queues = createMemoryQueues();
    const deps = memoryEngineDeps({ store, queues, clock, executors: { noop: noopExecutor } });
    const at = clock.now().toISOString();
    await store.putWorkflowVersion(
      parseWorkflowDefinition({
        id: 'child',
        name: 'Child',
        tasks: [{ id: 'step', type: 'noop' }],
        edges: [],
      }),
      { owner: 't', at, expectedVersion: 0 },
    );
    await store.putWorkflowVersion(
      parseWorkflowDefinition({
        id: 'parent',
        name: 'Parent',
        tasks: [{ id: 'sub', type: 'subworkflow', config: { workflow: 'child' }, retry: { maxRetries: 1 } }],
        edges: [],
      }),
      { owner: 't', at, expectedVersion: 0 },
    );
    await createPeriodicRun(deps, { workflowId: 'parent', plannedTime: PLANNED, type: 'PERIODIC' });
    const sub = instanceId(periodicRunId('parent', PLANNED), 'sub');
    expect(await dispatchInstance(deps, sub)).toBe('STARTED');
    const child = await store.getRun(childRunId('child', sub, 1));
    if (!child) throw new Error('no child run');
    // The child ended FAILED (its close is not what this test is about).
    const closed = { ...child, status: 'FAILED' as const, unfinished: 0, failed: 1 };
    await Promise.all([finishParentOfChild(deps, closed), finishParentOfChild(deps, closed)]);
    const parent = await store.getInstance(sub);
    expect(parent?.status).toBe('RETRYING');
    expect(parent?.attempts.map((a) => `${a.number}:${a.status}:${a.error?.code}`)).toEqual([
      '1:FAILED:SUBWORKFLOW_FAILED',
    ]);
  });
});
