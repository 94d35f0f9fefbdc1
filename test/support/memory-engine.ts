// The engine's dependencies on the in-memory store and queues, for tests of DAGs without
// for-each tasks: a loop started here is a bug, and schedules and events go nowhere.
import type { EngineDeps } from '#shared/engine/deps.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { Executor } from '#shared/ports/executor.ts';
import type { MemoryQueues } from './memory-queues.ts';
import type { MemoryStore } from './memory-store.ts';

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
