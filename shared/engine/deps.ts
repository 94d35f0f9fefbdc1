// What the engine needs from the outside world, as ports; each entry point passes the
// subset it uses.
import type { Clock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { ExecutorRegistry } from '../ports/executor.ts';
import type { LoopRunner } from '../ports/loop-runner.ts';
import type { CompletionMessage, DispatchMessage, WorkQueue } from '../ports/queue.ts';
import type { RetryRunner } from '../ports/retry-runner.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { Store } from '../ports/store.ts';
import type { WorkflowScheduler } from '../ports/workflow-scheduler.ts';

export type EngineSettings = {
  /**
   * How long past its due time an instance may sit before the reconciler heals it (a lost
   * message, a crashed handler, an executor silent past its timeout).
   */
  graceSeconds: number;
  /** How long a resource group's limit is cached by a warm function. */
  resourceGroupCacheSeconds: number;
  /**
   * The longest an attempt can run inside the function that runs it (its own timeout less
   * a margin); undefined where nothing limits it.
   */
  maxInlineAttemptSeconds?: number;
};

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = { graceSeconds: 300, resourceGroupCacheSeconds: 30 };

export type EngineDeps = {
  settings: EngineSettings;
  store: Store;
  clock: Clock;
  dispatchQueue: WorkQueue<DispatchMessage>;
  completionQueue: WorkQueue<CompletionMessage>;
  executors: ExecutorRegistry;
  retryRunner: RetryRunner;
  loopRunner: LoopRunner;
  scheduler: WorkflowScheduler;
  bus: EventBus;
  /** Where `{{secret:NAME}}` references in task configs are read (absent: no secrets here). */
  secrets?: SecretStore;
};
