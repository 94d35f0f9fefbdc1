// Starting and finishing attempts. The first attempt runs straight from dispatch (no Step
// Functions transition when it succeeds); a failed attempt with retries left hands the
// instance to the retry runner, which calls runRetryAttempt after the backoff wait.
import { ConflictError } from '../errors.ts';
import type { Instance } from '../model/instance.ts';
import type { AttemptResult } from '../ports/executor.ts';
import type { EngineDeps } from './deps.ts';

type AttemptDeps = Pick<EngineDeps, 'store' | 'clock' | 'executors' | 'completionQueue' | 'retryRunner'>;

export type DispatchOutcome = 'STARTED' | 'IGNORED';

/** Handles one dispatch message: starts the instance's first attempt if it is still waiting. */
export async function dispatchInstance(deps: AttemptDeps, instanceId: string): Promise<DispatchOutcome> {
  const instance = await deps.store.getInstance(instanceId);
  if (!instance || (instance.status !== 'WAITING_UPSTREAM' && instance.status !== 'WAITING_EXECUTION')) {
    return 'IGNORED';
  }
  const running = await startAttempt(deps, instance, { retries: 0 });
  if (!running) return 'IGNORED';
  await runAttempt(deps, running);
  return 'STARTED';
}

/** Called by the retry runner after the backoff wait; a duplicate call is a no-op. */
export async function runRetryAttempt(
  deps: AttemptDeps,
  instanceId: string,
  attempt: number,
): Promise<DispatchOutcome> {
  const instance = await deps.store.getInstance(instanceId);
  // While RETRYING, `retries + 1` is the attempt that failed; only the one after it may start.
  if (instance?.status !== 'RETRYING' || instance.retries + 2 !== attempt) return 'IGNORED';
  const running = await startAttempt(deps, instance, { retries: attempt - 1 });
  if (!running) return 'IGNORED';
  await runAttempt(deps, running);
  return 'STARTED';
}

/** The conditional move to RUNNING is the fence: of two deliveries, only one starts the attempt. */
async function startAttempt(deps: AttemptDeps, instance: Instance, patch: { retries: number }) {
  try {
    return await deps.store.transitionInstance(instance, 'RUNNING', deps.clock.now().toISOString(), {
      startTime: deps.clock.now().toISOString(),
      retries: patch.retries,
      accumulatedRuns: instance.accumulatedRuns + 1,
    });
  } catch (error) {
    if (error instanceof ConflictError) return undefined;
    throw error;
  }
}

async function runAttempt(deps: AttemptDeps, instance: Instance): Promise<void> {
  const attempt = instance.retries + 1;
  const result = await execute(deps, instance, attempt);
  const now = deps.clock.now();
  const timing = {
    endTime: now.toISOString(),
    durationMs: now.getTime() - new Date(instance.startTime ?? now).getTime(),
  };
  if (result.status === 'SUCCESS') {
    await deps.store.transitionInstance(instance, 'SUCCESS', now.toISOString(), {
      ...timing,
      outputs: result.outputs,
      error: undefined,
    });
    await deps.completionQueue.send([{ instanceId: instance.id }]);
    return;
  }
  const { retry } = instance.task;
  if (instance.retries < retry.maxRetries) {
    await deps.store.transitionInstance(instance, 'RETRYING', now.toISOString(), {
      ...timing,
      error: result.error,
    });
    const waitSeconds = Math.round(retry.intervalSeconds * retry.backoffRate ** instance.retries);
    await deps.retryRunner.startRetry({ instanceId: instance.id, attempt: attempt + 1, waitSeconds });
    return;
  }
  await deps.store.transitionInstance(instance, 'FAILED', now.toISOString(), {
    ...timing,
    error: result.error,
  });
  await deps.completionQueue.send([{ instanceId: instance.id }]);
}

async function execute(deps: AttemptDeps, instance: Instance, attempt: number): Promise<AttemptResult> {
  const executor = deps.executors[instance.taskType];
  if (!executor) {
    return {
      status: 'FAILED',
      error: {
        code: 'UNSUPPORTED_TASK_TYPE',
        message: `no executor for task type '${instance.taskType}' here`,
      },
      metrics: {},
    };
  }
  const controller = new AbortController();
  const timeoutMs = instance.task.timeoutSeconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AttemptResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('attempt timed out'));
      resolve({
        status: 'FAILED',
        error: { code: 'TIMEOUT', message: `attempt ${attempt} exceeded ${instance.task.timeoutSeconds}s` },
        metrics: { duration: timeoutMs },
      });
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      executor.execute({
        instance,
        attempt,
        config: instance.task.config,
        parameters: instance.parameters,
        upstreamOutputs: {},
        signal: controller.signal,
      }),
      timeout,
    ]);
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return {
      status: 'FAILED',
      error: { code: err.name || 'EXECUTOR_ERROR', message: err.message },
      metrics: {},
    };
  } finally {
    clearTimeout(timer);
  }
}
