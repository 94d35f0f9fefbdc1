// What the engine needs from the outside world, as ports; each entry point passes the
// subset it uses.
import type { Clock } from '../ports/clock.ts';
import type { ExecutorRegistry } from '../ports/executor.ts';
import type { CompletionMessage, DispatchMessage, WorkQueue } from '../ports/queue.ts';
import type { RetryRunner } from '../ports/retry-runner.ts';
import type { Store } from '../ports/store.ts';
import type { WorkflowScheduler } from '../ports/workflow-scheduler.ts';

export type EngineDeps = {
  store: Store;
  clock: Clock;
  dispatchQueue: WorkQueue<DispatchMessage>;
  completionQueue: WorkQueue<CompletionMessage>;
  executors: ExecutorRegistry;
  retryRunner: RetryRunner;
  scheduler: WorkflowScheduler;
};
