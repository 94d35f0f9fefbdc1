// The engine's dependencies on the in-memory store and queues, for tests of DAGs without
// for-each tasks: a loop started here is a bug, and schedules and events go nowhere.
import type { EngineDeps } from '#shared/engine/deps.ts';
import { createPeriodicRun } from '#shared/engine/runs.ts';
import { noopExecutor } from '#shared/executors/noop.ts';
import { instanceId, periodicRunId } from '#shared/model/ids.ts';
import { parseWorkflowDefinition } from '#shared/model/workflow.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { Executor } from '#shared/ports/executor.ts';
import { createMemoryQueues, type MemoryQueues } from './memory-queues.ts';
import { createMemoryStore, type MemoryStore } from './memory-store.ts';

export function memoryEngineDeps(options: {
  store: MemoryStore;
  queues: MemoryQueues;
  clock: Clock;
  executors: Record<string, Executor>;
  settings?: Partial<EngineDeps['settings']>;
}): EngineDeps {
  const noLoops = () => Promise.reject(new Error('no for-each tasks here: a loop would be a bug'));
  return {
    settings: { graceSeconds: 300, resourceGroupCacheSeconds: 30, ...options.settings },
    store: options.store,
    clock: options.clock,
    dispatchQueue: options.queues.dispatchQueue,
    completionQueue: options.queues.completionQueue,
    retryRunner: options.queues.retryRunner,
    loopRunner: { startLoop: noLoops, reportIteration: noLoops, stopLoop: noLoops },
    executors: options.executors,
    scheduler: { async upsert() {}, async remove() {} },
    bus: { put: async () => ({ eventId: 'unused' }), putMany: async () => {} },
  };
}

const CHAIN_PLANNED = '2026-03-01T02:00:00.000Z';

/**
 * A periodic run of a two-task chain, a → b (a SUCCESS edge), on the in-memory store with a
 * clock that only moves when told. `first` is task a's definition (a noop by default); a
 * `lambda` task fails every attempt.
 */
export async function chainOfTwo(options: {
  workflowId: string;
  first?: Record<string, unknown>;
  settings?: Partial<EngineDeps['settings']>;
}) {
  let now = new Date('2026-03-01T03:00:00.000Z').getTime();
  const clock = { now: () => new Date(now), advance: (seconds: number) => (now += seconds * 1000) };
  const store = createMemoryStore({});
  const queues = createMemoryQueues();
  const failing: Executor = {
    execute: async () => ({ status: 'FAILED', error: { code: 'SCRIPTED', message: 'fails' }, metrics: {} }),
  };
  const deps = memoryEngineDeps({
    store,
    queues,
    clock,
    executors: { noop: noopExecutor, lambda: failing },
    settings: options.settings,
  });
  const definition = parseWorkflowDefinition({
    id: options.workflowId,
    name: options.workflowId,
    tasks: [
      { id: 'a', ...(options.first ?? { type: 'noop' }) },
      { id: 'b', type: 'noop' },
    ],
    edges: [{ from: 'a', to: 'b' }],
  });
  await store.putWorkflowVersion(definition, {
    owner: 't',
    at: clock.now().toISOString(),
    expectedVersion: 0,
  });
  await createPeriodicRun(deps, {
    workflowId: options.workflowId,
    plannedTime: CHAIN_PLANNED,
    type: 'PERIODIC',
  });
  const runId = periodicRunId(options.workflowId, CHAIN_PLANNED);
  return { deps, store, queues, clock, runId, a: instanceId(runId, 'a'), b: instanceId(runId, 'b') };
}
