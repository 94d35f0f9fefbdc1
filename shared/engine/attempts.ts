// Starting and finishing attempts. The first attempt runs straight from dispatch (no Step
// Functions transition when it succeeds); a failed attempt with retries left hands the
// instance to the retry runner, which calls runRetryAttempt after the backoff wait.
// The conditional move to RUNNING is the fence: of two deliveries, one starts the attempt.
import { ConflictError, ResourceGroupFullError } from '../errors.ts';
import { instanceId as idOf } from '../model/ids.ts';
import {
  type AttemptRecord,
  type AttemptTrigger,
  currentAttempt,
  FINISHED_STATUSES,
  type Instance,
} from '../model/instance.ts';
import { protectSecretReferences, redactSecrets, revealSecrets } from '../params/secrets.ts';
import { renderTemplates, type TemplateContext, TemplateError } from '../params/template.ts';
import type { AttemptResult } from '../ports/executor.ts';
import type { InstancePatch } from '../ports/store.ts';
import { issueCallbackToken } from './callbacks.ts';
import type { EngineDeps } from './deps.ts';
import { startLoop } from './loops.ts';
import { resourceGroupLimit } from './resource-groups.ts';
import { startChildRun } from './subworkflows.ts';
import { dueAfter } from './timing.ts';

type AttemptDeps = EngineDeps;

export type DispatchOutcome = 'STARTED' | 'QUEUED' | 'IGNORED';

const READY_STATUSES = new Set(['WAITING_UPSTREAM', 'WAITING_EXECUTION']);

/** The longest backoff between two attempts, however the interval and rate multiply (Airflow's max_retry_delay). */
export const MAX_RETRY_WAIT_SECONDS = 86_400;

/** Handles one dispatch message: starts the instance's first attempt if it is ready. */
export async function dispatchInstance(deps: AttemptDeps, instanceId: string): Promise<DispatchOutcome> {
  const instance = await deps.store.getInstance(instanceId);
  if (!instance) return 'IGNORED';
  return dispatchLoadedInstance(deps, instance);
}

/**
 * dispatchInstance for an instance already read; `extra` is written with whichever move it
 * makes (an iteration's task token rides on its move to RUNNING, no write of its own).
 */
export async function dispatchLoadedInstance(
  deps: AttemptDeps,
  instance: Instance,
  extra: InstancePatch = {},
): Promise<DispatchOutcome> {
  const instanceId = instance.id;
  if (instance.status === 'RUNNING' && instance.taskType === 'foreach') {
    // A redelivery after a crash between RUNNING and the loop's start: start it (idempotent).
    await runAttempt(deps, instance);
    return 'IGNORED';
  }
  if (FINISHED_STATUSES.has(instance.status)) {
    // A redelivery after a crash between finishing and reporting: report again (idempotent).
    await deps.completionQueue.send([{ instanceId }]);
    return 'IGNORED';
  }
  const ready =
    READY_STATUSES.has(instance.status) &&
    !instance.blocked &&
    instance.waitingUpstreams === 0 &&
    instance.blockingUpstreams === 0 &&
    instance.unmetUpstreams === 0;
  if (!ready) return 'IGNORED';
  // A for-each or a subworkflow only waits for work that runs elsewhere (its iterations, its
  // child run, which take their own slots): holding a slot meanwhile could deadlock the group.
  const limit = WAITS_FOR_CHILDREN.has(instance.taskType)
    ? undefined
    : await resourceGroupLimit(deps, instance.resourceGroup);
  try {
    const running = await startAttempt(deps, instance, 'DISPATCH', 0, limit !== undefined, extra);
    if (!running) return 'IGNORED';
    await runAttempt(deps, running);
    return 'STARTED';
  } catch (error) {
    if (!(error instanceof ResourceGroupFullError)) throw error;
    if (instance.status === 'WAITING_EXECUTION') return 'QUEUED';
    const now = deps.clock.now();
    try {
      await deps.store.transitionInstance(
        instance,
        'WAITING_EXECUTION',
        now.toISOString(),
        { ...extra, dueAt: dueAfter(now, 0, deps.settings) },
        { waitingForSlotSince: now.toISOString() },
      );
    } catch (conflict) {
      if (!(conflict instanceof ConflictError)) throw conflict;
      return 'IGNORED';
    }
    return 'QUEUED';
  }
}

/** Called by the retry runner after the backoff wait; a duplicate call is a no-op. */
export async function runRetryAttempt(
  deps: AttemptDeps,
  instanceId: string,
  attempt: number,
): Promise<DispatchOutcome> {
  const instance = await deps.store.getInstance(instanceId);
  if (instance && FINISHED_STATUSES.has(instance.status)) {
    await deps.completionQueue.send([{ instanceId }]);
    return 'IGNORED';
  }
  // While RETRYING, the current attempt is the one that failed; only the one after it may start.
  if (instance?.status !== 'RETRYING' || currentAttempt(instance) + 1 !== attempt) return 'IGNORED';
  const running = await startAttempt(deps, instance, 'RETRY', attempt - 1, false);
  if (!running) return 'IGNORED';
  await runAttempt(deps, running);
  return 'STARTED';
}

async function startAttempt(
  deps: AttemptDeps,
  instance: Instance,
  trigger: AttemptTrigger,
  retries: number,
  takeSlot: boolean,
  extra: InstancePatch = {},
): Promise<Instance | undefined> {
  const now = deps.clock.now();
  const record: AttemptRecord = {
    number: currentAttempt(instance) + 1,
    trigger,
    startTime: now.toISOString(),
    status: 'RUNNING',
  };
  try {
    return await deps.store.transitionInstance(
      instance,
      'RUNNING',
      now.toISOString(),
      {
        ...extra,
        startTime: now.toISOString(),
        retries,
        accumulatedRuns: instance.accumulatedRuns + 1,
        attempts: [...instance.attempts, record],
        dueAt: dueAfter(now, attemptSeconds(instance, deps.settings), deps.settings),
        ...(takeSlot ? { holdsSlot: true } : {}),
      },
      takeSlot ? { slot: { group: instance.resourceGroup, change: 'acquire' } } : {},
    );
  } catch (error) {
    if (error instanceof ConflictError) return undefined;
    throw error;
  }
}

/** Runs the executor of a RUNNING instance and finishes the attempt (callbacks finish later). */
async function runAttempt(deps: AttemptDeps, instance: Instance): Promise<void> {
  const attempt = currentAttempt(instance);
  // A callback task's token exists before its config is rendered: the config may name it.
  const callback = instance.taskType === 'callback' ? issueCallbackToken(instance.id, attempt) : undefined;
  const upstreamOutputs = await outputsOfUpstream(deps, instance);
  if (instance.taskType === 'foreach') {
    // Only the items are rendered now; the body is rendered per iteration, with its item.
    await startLoop(deps, instance, templateContext(instance, upstreamOutputs, {}));
    return;
  }
  let config: Record<string, unknown>;
  // The task's own secret references, kept out of reach of what templates insert.
  const secretRefs = protectSecretReferences(instance.task.config);
  try {
    config = renderConfig(
      { ...instance, task: { ...instance.task, config: secretRefs.value } },
      upstreamOutputs,
      callback ? { callbackToken: callback.token } : {},
    );
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    const detail = error.details.map((d) => `${d.path || '(config)'}: ${d.message}`).join('; ');
    await finishAttempt(deps, instance, {
      status: 'FAILED',
      error: { code: 'TEMPLATE_ERROR', message: `the task's templates could not be resolved: ${detail}` },
      metrics: {},
      retryable: false,
    });
    return;
  }
  if (callback || instance.taskType === 'subworkflow') {
    // No executor runs here: references stay as written (a notification, a child's parameters).
    const names = [...new Set(secretRefs.references.values())];
    const asWritten = revealSecrets(
      config,
      secretRefs.references,
      Object.fromEntries(names.map((name) => [name, `{{secret:${name}}}`])),
    );
    if (callback) await handOutCallback(deps, instance, asWritten, callback);
    else await startChildRun(deps, instance, asWritten);
    return;
  }
  const secrets = await resolveSecrets(deps, config, secretRefs.references);
  if ('failure' in secrets) {
    await finishAttempt(deps, instance, {
      status: 'FAILED',
      error: secrets.failure,
      metrics: {},
      retryable: secrets.retryable,
    });
    return;
  }
  const result = await execute(deps, instance, attempt, secrets.config, upstreamOutputs);
  // Nothing the executor returns is stored with a secret's value in it.
  await finishAttempt(deps, instance, redactSecrets(result, secrets.values));
}

/**
 * The config with the task's own secret references resolved, and the values (to mask); or
 * why not: a secret that does not exist (no retry helps), or a store that failed (retried).
 */
async function resolveSecrets(
  deps: AttemptDeps,
  config: Record<string, unknown>,
  references: Map<string, string>,
): Promise<
  | { config: Record<string, unknown>; values: string[] }
  | { failure: { code: string; message: string }; retryable: boolean }
> {
  const names = [...new Set(references.values())];
  if (names.length === 0) return { config, values: [] };
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    let value: string | undefined;
    try {
      value = await deps.secrets?.get(name);
    } catch (error) {
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return {
        failure: { code: 'SECRET_UNAVAILABLE', message: `secret '${name}' could not be read: ${why}` },
        retryable: true,
      };
    }
    if (value === undefined) missing.push(name);
    else found[name] = value;
  }
  if (missing.length > 0) {
    return {
      failure: {
        code: 'SECRET_NOT_FOUND',
        message: `the task's config names secret(s) that do not exist: ${missing.join(', ')}`,
      },
      retryable: false,
    };
  }
  return { config: revealSecrets(config, references, found), values: Object.values(found) };
}

/**
 * The outputs of the upstream tasks the config's templates name, and of every upstream of a
 * `lambda` or `condition` task. One batch read, only when something needs it.
 */
async function outputsOfUpstream(
  deps: AttemptDeps,
  instance: Instance,
): Promise<Record<string, Record<string, unknown>>> {
  const text = JSON.stringify(instance.task.config);
  const named = new Set([...text.matchAll(/\$\{outputs\.([A-Za-z0-9_-]+)\./g)].map((m) => m[1] ?? ''));
  // Lambda functions receive all upstream outputs; condition expressions may read any of them.
  if (instance.taskType === 'lambda' || instance.taskType === 'condition') {
    for (const up of instance.upstream) named.add(up.taskId);
  }
  if (named.size === 0) return {};
  const upstream = await deps.store.getInstances([...named].map((taskId) => idOf(instance.runId, taskId)));
  return Object.fromEntries(upstream.map((u) => [u.taskId, u.outputs ?? {}]));
}

/** Resolves the task's templates with the data time, parameters and upstream outputs. */
function renderConfig(
  instance: Instance,
  outputs: Record<string, Record<string, unknown>>,
  extraParameters: Record<string, unknown>,
): Record<string, unknown> {
  return renderTemplates(instance.task.config, templateContext(instance, outputs, extraParameters));
}

function templateContext(
  instance: Instance,
  outputs: Record<string, Record<string, unknown>>,
  extraParameters: Record<string, unknown>,
): TemplateContext {
  return {
    dataTime: new Date(instance.dataTime),
    timezone: instance.timezone,
    parameters: { ...instance.parameters, ...extraParameters },
    outputs,
    ...(instance.iteration
      ? { item: { value: instance.iteration.item, index: instance.iteration.index } }
      : {}),
  };
}

/**
 * Stores the token's hash and a heartbeat deadline, then (optionally) notifies the external
 * system with an HTTP request built from `config.notify`. The attempt stays RUNNING until
 * the system reports back (POST /v1/callbacks/{token}) or the deadline passes.
 */
async function handOutCallback(
  deps: AttemptDeps,
  instance: Instance,
  config: Record<string, unknown>,
  callback: { token: string; hash: string },
) {
  const heartbeatSeconds = Number(config.heartbeatSeconds ?? instance.task.timeoutSeconds);
  const now = deps.clock.now();
  const withToken = await deps.store.patchInstance(instance, {
    callbackTokenHash: callback.hash,
    dueAt: dueAfter(now, Math.min(heartbeatSeconds, instance.task.timeoutSeconds), { graceSeconds: 0 }),
  });
  const notify = deps.executors.http;
  if (!config.notify || !notify) return;
  const result = await notify.execute({
    instance: withToken,
    attempt: currentAttempt(withToken),
    config: config.notify as Record<string, unknown>,
    parameters: instance.parameters,
    upstreamOutputs: {},
    signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
  });
  if (result.status === 'FAILED') await finishAttempt(deps, withToken, result);
}

const NOTIFY_TIMEOUT_MS = 30_000;

/**
 * Records an attempt's result: SUCCESS, a retry (RETRYING, then the retry runner), or
 * FAILED. Finishing gives back a resource-group slot and wakes the longest waiting.
 */
export async function finishAttempt(
  deps: AttemptDeps,
  instance: Instance,
  result: AttemptResult,
): Promise<void> {
  const now = deps.clock.now();
  const attempt = currentAttempt(instance);
  const logStreams = await storeLogs(deps, instance, attempt, result);
  const attempts = instance.attempts.map((a) =>
    a.number === attempt && a.status === 'RUNNING'
      ? {
          ...a,
          endTime: now.toISOString(),
          status: result.status,
          ...(result.status === 'FAILED' ? { error: result.error } : {}),
          ...(logStreams.length ? { logStreams } : {}),
        }
      : a,
  );
  const timing: InstancePatch = {
    endTime: now.toISOString(),
    durationMs: now.getTime() - new Date(instance.startTime ?? now).getTime(),
    attempts,
    callbackTokenHash: undefined,
  };
  const { retry } = instance.task;
  if (result.status === 'FAILED' && result.retryable !== false && instance.retries < retry.maxRetries) {
    const waitSeconds = Math.min(
      MAX_RETRY_WAIT_SECONDS,
      Math.round(retry.intervalSeconds * retry.backoffRate ** instance.retries),
    );
    try {
      await deps.store.transitionInstance(instance, 'RETRYING', now.toISOString(), {
        ...timing,
        error: result.error,
        dueAt: dueAfter(now, waitSeconds, deps.settings),
      });
    } catch (error) {
      if (await stoppedMeanwhile(deps, instance, error)) return;
      throw error;
    }
    await deps.retryRunner.startRetry({ instanceId: instance.id, attempt: attempt + 1, waitSeconds });
    return;
  }
  const release = instance.holdsSlot
    ? { slot: { group: instance.resourceGroup, change: 'release' as const } }
    : {};
  const patch: InstancePatch = {
    ...timing,
    ...(keepsDueTime(deps, instance, now) ? {} : { dueAt: dueAfter(now, 0, deps.settings) }),
    ...(instance.holdsSlot ? { holdsSlot: undefined } : {}),
    ...(result.status === 'SUCCESS'
      ? { outputs: result.outputs, error: undefined }
      : { error: result.error }),
  };
  try {
    await deps.store.transitionInstance(instance, result.status, now.toISOString(), patch, release);
  } catch (error) {
    if (await stoppedMeanwhile(deps, instance, error)) return;
    throw error;
  }
  await deps.completionQueue.send([{ instanceId: instance.id }]);
  if (instance.holdsSlot) {
    const next = await deps.store.listWaitingForSlot(instance.resourceGroup, 1);
    await deps.dispatchQueue.send(next.map((id) => ({ instanceId: id })));
  }
}

/**
 * A finished instance stays due until its resolution reports it: if the completion message is
 * lost (the handler stopped between the finish and the send, or the message failed for good),
 * the reconciler sends it again at that due time. An attempt that ran inside a function keeps
 * the due time it started with, at most the function's limit (870 s) and the grace away:
 * keeping it spares the due index a delete and a put inside the finishing transaction (4 of
 * its write units), and a lost completion is resolved that much later (a redelivered dispatch
 * message would also send it, after the queue's visibility timeout). An attempt that waited
 * outside (a callback, a child run, a loop) has no message to come back: its finish moves the
 * due time to the grace.
 */
function keepsDueTime(deps: AttemptDeps, instance: Instance, now: Date): boolean {
  const inlineLimit = deps.settings.maxInlineAttemptSeconds;
  if (!instance.dueAt || inlineLimit === undefined || WAITS_OUTSIDE.has(instance.taskType)) return false;
  return (
    instance.dueAt >= dueAfter(now, 0, deps.settings) &&
    instance.dueAt <= dueAfter(now, inlineLimit, deps.settings)
  );
}

/**
 * Whether an attempt's result arrived after an operator ended the instance while it ran
 * (terminated it, marked it successful, its loop stopped): the result is dropped, the
 * operator's decision stands.
 */
async function stoppedMeanwhile(deps: AttemptDeps, instance: Instance, error: unknown): Promise<boolean> {
  if (!(error instanceof ConflictError)) return false;
  const current = await deps.store.getInstance(instance.id);
  return current !== undefined && (FINISHED_STATUSES.has(current.status) || current.status === 'TERMINATING');
}

async function storeLogs(deps: AttemptDeps, instance: Instance, attempt: number, result: AttemptResult) {
  const streams: NonNullable<AttemptRecord['logStreams']> = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const text = result.logs?.[stream];
    if (!text) continue;
    const stored = await deps.store.putAttemptLogs(instance, attempt, stream, text);
    streams.push({ stream, ...stored });
  }
  return streams;
}

async function execute(
  deps: AttemptDeps,
  instance: Instance,
  attempt: number,
  config: Record<string, unknown>,
  upstreamOutputs: Record<string, Record<string, unknown>>,
): Promise<AttemptResult> {
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
  const timeoutMs = inlineTimeoutSeconds(instance, deps.settings) * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AttemptResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('attempt timed out'));
      resolve({
        status: 'FAILED',
        error: {
          code: 'TIMEOUT',
          message:
            timeoutMs < instance.task.timeoutSeconds * 1000
              ? `attempt ${attempt} exceeded ${timeoutMs / 1000}s, the longest an attempt can run inline here (the task allows ${instance.task.timeoutSeconds}s: use a callback task for longer work)`
              : `attempt ${attempt} exceeded ${instance.task.timeoutSeconds}s`,
        },
        metrics: { duration: timeoutMs },
      });
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      executor.execute({
        instance,
        attempt,
        config,
        parameters: instance.parameters,
        upstreamOutputs,
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

/** How long an inline attempt may run: the task's timeout, within the function's own limit. */
function inlineTimeoutSeconds(instance: Instance, settings: EngineDeps['settings']): number {
  return Math.min(instance.task.timeoutSeconds, settings.maxInlineAttemptSeconds ?? Number.POSITIVE_INFINITY);
}

const WAITS_OUTSIDE = new Set<Instance['taskType']>(['callback', 'subworkflow', 'foreach']);
const WAITS_FOR_CHILDREN = new Set<Instance['taskType']>(['subworkflow', 'foreach']);

/** How long an attempt may take before it is late: callbacks, child runs and loops wait outside any function. */
function attemptSeconds(instance: Instance, settings: EngineDeps['settings']): number {
  const waitsOutside = WAITS_OUTSIDE.has(instance.taskType);
  return waitsOutside ? instance.task.timeoutSeconds : inlineTimeoutSeconds(instance, settings);
}
