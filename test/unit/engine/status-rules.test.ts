// The status rules of PRODUCT.md §3 for operator actions, every status against every action:
// terminate, rerun and mark success each apply to their statuses and refuse the rest with
// ACTION_NOT_ALLOWED (409), leaving the instance as it was. The engine runs on the in-memory
// store and queues; the instance is a noop task in a run of its own.
import { describe, expect, it } from 'vitest';
import type { EngineDeps } from '#shared/engine/deps.ts';
import {
  ActionNotAllowedError,
  MARKABLE,
  markSuccess,
  RERUNNABLE,
  rerunInstance,
  TERMINABLE,
  terminateInstance,
} from '#shared/engine/operations.ts';
import { INSTANCE_STATUSES, type InstanceStatus } from '#shared/model/instance.ts';
import type { Run } from '#shared/model/run.ts';
import { runningInstance } from '../../support/instances.ts';
import { createMemoryQueues } from '../../support/memory-queues.ts';
import { createMemoryStore } from '../../support/memory-store.ts';

const RUN_ID = 'wf.20240501T0000Z';
/** The status of a one-task run whose task is finished in this status. */
const RUN_STATUS: Partial<Record<InstanceStatus, Run['status']>> = {
  SUCCESS: 'SUCCESS',
  SKIPPED: 'SUCCESS',
  FAILED: 'FAILED',
  TERMINATED: 'TERMINATED',
};
const ID = `${RUN_ID}.only`;

async function harness(status: InstanceStatus) {
  const store = createMemoryStore();
  const queues = createMemoryQueues();
  const deps: EngineDeps = {
    settings: { graceSeconds: 300, resourceGroupCacheSeconds: 30 },
    store,
    clock: { now: () => new Date('2024-05-01T01:00:00Z') },
    dispatchQueue: queues.dispatchQueue,
    completionQueue: queues.completionQueue,
    retryRunner: queues.retryRunner,
    loopRunner: { startLoop: async () => {}, reportIteration: async () => {}, stopLoop: async () => {} },
    executors: {},
    scheduler: { upsert: async () => {}, remove: async () => {} },
    bus: { put: async () => ({ eventId: 'x' }), putMany: async () => {} },
  };
  const finished = ['SUCCESS', 'FAILED', 'TERMINATED', 'SKIPPED'].includes(status);
  const run: Run = {
    id: RUN_ID,
    workflowId: 'wf',
    workflowVersion: 1,
    dataTime: '2024-05-01T00:00:00.000Z',
    plannedTime: '2024-05-01T00:00:00.000Z',
    type: 'ONE_TIME',
    status: RUN_STATUS[status] ?? 'RUNNING',
    createdAt: '2024-05-01T00:00:00.000Z',
    parameters: {},
    taskCount: 1,
    unfinished: finished ? 0 : 1,
    blocked: 0,
    failed: status === 'FAILED' ? 1 : 0,
    terminated: status === 'TERMINATED' ? 1 : 0,
  };
  await store.createRun(run);
  const base = runningInstance(ID, 'only', 'noop');
  await store.putInstances([
    {
      ...base,
      runId: RUN_ID,
      status,
      task: { ...base.task, ...(status === 'WAITING_EVENT' ? { event: { name: 'ready' } } : {}) },
    },
  ]);
  return { deps, store };
}

const ACTIONS = {
  terminate: {
    allowed: TERMINABLE,
    run: (deps: EngineDeps) => terminateInstance(deps, ID, { code: 'T', message: 'test' }),
    ends: ['TERMINATED'],
  },
  rerun: {
    allowed: RERUNNABLE,
    run: (deps: EngineDeps) => rerunInstance(deps, ID),
    ends: ['WAITING_UPSTREAM'],
  },
  'mark success': {
    allowed: MARKABLE,
    run: (deps: EngineDeps) => markSuccess(deps, ID, { code: 'M', message: 'test' }),
    ends: ['SUCCESS'],
  },
} as const;

describe.each(Object.entries(ACTIONS))('%s', (_name, action) => {
  it('applies to the statuses of PRODUCT.md §3', () => {
    const expected = {
      terminate: ['WAITING_EVENT', 'WAITING_UPSTREAM', 'WAITING_EXECUTION', 'RUNNING', 'RETRYING'],
      rerun: ['SUCCESS', 'FAILED', 'TERMINATED', 'WAITING_EXECUTION', 'RETRYING'],
      'mark success': [
        'RUNNING',
        'FAILED',
        'TERMINATED',
        'WAITING_EVENT',
        'WAITING_UPSTREAM',
        'WAITING_EXECUTION',
      ],
    }[_name as keyof typeof ACTIONS];
    expect([...action.allowed].sort()).toEqual([...expected].sort());
  });

  it.each(INSTANCE_STATUSES.map((s) => [s]))('from %s', async (status) => {
    const { deps, store } = await harness(status);
    const before = await store.getInstance(ID);
    if (action.allowed.has(status)) {
      await action.run(deps);
      expect(action.ends).toContain((await store.getInstance(ID))?.status);
      return;
    }
    // Terminating a TERMINATING instance completes its termination (as a repeated request would).
    if (_name === 'terminate' && status === 'TERMINATING') {
      await expect(action.run(deps)).resolves.toMatchObject({ status: 'TERMINATED' });
      return;
    }
    // Terminating a TERMINATED instance, or marking a SUCCESS one, answers it unchanged.
    if (
      (_name === 'terminate' && status === 'TERMINATED') ||
      (_name === 'mark success' && status === 'SUCCESS')
    ) {
      await expect(action.run(deps)).resolves.toMatchObject({ status });
    } else {
      await expect(action.run(deps)).rejects.toBeInstanceOf(ActionNotAllowedError);
    }
    expect(await store.getInstance(ID)).toEqual(before);
  });
});
