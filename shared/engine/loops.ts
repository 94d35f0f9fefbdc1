// `foreach` tasks. An attempt renders its list of items, writes one iteration instance per
// item (each with its own index, item, status, attempts, outputs and logs) and starts its
// loop: a Map state that runs at most `maxConcurrency` iterations at once. Each Map slot
// starts its iteration (runIteration) and waits, with a task token, until the iteration's
// final result is reported (reportIterationToLoop, from resolution), so retries follow the
// body's retry policy and the bound holds across them. The Map state's end finishes the
// for-each attempt (finishLoop) with the iterations' outputs in order.
//
// Items never travel through Step Functions: the Map state iterates over indexes and each
// iteration reads its item from its own instance, so a list is limited by MAX_FOREACH_ITEMS
// (the Map input stays under 64 KB), not by the 256 KB state payload.
import { ConflictError, NotFoundError } from '../errors.ts';
import { iterationId } from '../model/ids.ts';
import { currentAttempt, FINISHED_STATUSES, type Instance, type IterationRef } from '../model/instance.ts';
import { type ForeachConfig, foreachConfigSchema, MAX_FOREACH_ITEMS } from '../model/workflow.ts';
import { renderTemplates, type TemplateContext, TemplateError } from '../params/template.ts';
import type { AttemptResult } from '../ports/executor.ts';
import type { IterationReport } from '../ports/loop-runner.ts';
import { mapWithConcurrency } from '../util/concurrency.ts';
import { dispatchLoadedInstance, finishAttempt } from './attempts.ts';
import type { EngineDeps } from './deps.ts';
import { ActionNotAllowedError, terminateInstance } from './operations.ts';

/** The largest item one iteration takes (it is stored on the iteration's instance). */
export const MAX_ITEM_BYTES = 64 * 1024;
/** The most the collected outputs of a loop may weigh on the for-each instance; beyond, page the iterations. */
export const MAX_COLLECTED_OUTPUT_BYTES = 256 * 1024;
const PAGE = 500;
const WRITE_CONCURRENCY = 16;

/**
 * Starts the loop of a RUNNING for-each instance's current attempt. Idempotent: iterations
 * are created unless they exist and the loop's execution is named after (instance, attempt),
 * so a redelivered dispatch drives a start that a crash cut short.
 */
export async function startLoop(
  deps: EngineDeps,
  instance: Instance,
  context: Omit<TemplateContext, 'item'>,
): Promise<void> {
  const attempt = currentAttempt(instance);
  const started = await deps.store.getLoop(instance.id, attempt);
  if (started) {
    // Started before (a redelivered dispatch): start the same loop again, idempotently,
    // without rendering the items again (an upstream may have changed since).
    await deps.loopRunner.startLoop({ instanceId: instance.id, attempt, ...started });
    return;
  }
  const parsed = foreachConfigSchema.safeParse(instance.task.config);
  if (!parsed.success) {
    await finishAttempt(
      deps,
      instance,
      notRetried('INVALID_TASK_CONFIG', 'a foreach needs `items` and `body`'),
    );
    return;
  }
  const config = parsed.data;
  const items = itemsOf(config, context);
  if ('error' in items) {
    await finishAttempt(deps, instance, notRetried(items.error.code, items.error.message));
    return;
  }
  if (items.list.length === 0) {
    await finishAttempt(deps, instance, {
      status: 'SUCCESS',
      outputs: { count: 0, failed: 0, outputs: [] },
      metrics: { iterations: 0 },
    });
    return;
  }
  const now = deps.clock.now().toISOString();
  const iterations = items.list.map((item, index) =>
    iterationOf(instance, config, { attempt, index, item, now }),
  );
  await deps.store.putInstances(iterations);
  const loop = await deps.store.putLoop(instance.id, attempt, {
    count: iterations.length,
    maxConcurrency: config.maxConcurrency,
  });
  await deps.loopRunner.startLoop({ instanceId: instance.id, attempt, ...loop });
}

type Items = { list: unknown[] } | { error: { code: string; message: string } };

function itemsOf(config: ForeachConfig, context: Omit<TemplateContext, 'item'>): Items {
  let value: unknown;
  try {
    value = renderTemplates(config.items, context);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return {
      error: { code: 'TEMPLATE_ERROR', message: `the items could not be resolved: ${error.message}` },
    };
  }
  // A template inside a longer string renders to text: a JSON array in it is still a list.
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      // Not JSON: reported below as not a list.
    }
  }
  if (!Array.isArray(value)) {
    const got = value === null ? 'null' : typeof value;
    return { error: { code: 'ITEMS_NOT_A_LIST', message: `the items are a ${got}, not a list` } };
  }
  if (value.length > MAX_FOREACH_ITEMS) {
    return {
      error: {
        code: 'TOO_MANY_ITEMS',
        message: `${value.length} items; a foreach iterates over at most ${MAX_FOREACH_ITEMS} (split the list, or run a subworkflow per chunk)`,
      },
    };
  }
  const large = value.findIndex((item) => Buffer.byteLength(JSON.stringify(item) ?? 'null') > MAX_ITEM_BYTES);
  if (large >= 0) {
    return {
      error: {
        code: 'ITEM_TOO_LARGE',
        message: `item ${large} is larger than ${MAX_ITEM_BYTES / 1024} KB; pass a reference (a key, a URL) instead`,
      },
    };
  }
  return { list: value };
}

function iterationOf(
  foreach: Instance,
  config: ForeachConfig,
  at: { attempt: number; index: number; item: unknown; now: string },
): Instance {
  const iteration: IterationRef = {
    foreachInstanceId: foreach.id,
    attempt: at.attempt,
    index: at.index,
    item: at.item ?? null,
    toleratedFailures: config.toleratedFailures,
  };
  return {
    id: iterationId(foreach.id, at.attempt, at.index),
    runId: foreach.runId,
    workflowId: foreach.workflowId,
    workflowVersion: foreach.workflowVersion,
    taskId: foreach.taskId,
    taskName: `${foreach.taskName} [${at.index}]`,
    taskType: config.body.type,
    dataTime: foreach.dataTime,
    type: foreach.type,
    status: 'WAITING_UPSTREAM',
    owner: foreach.owner,
    folder: foreach.folder,
    resourceGroup: foreach.resourceGroup,
    cycleType: foreach.cycleType,
    plannedTime: foreach.plannedTime,
    retries: 0,
    accumulatedRuns: 0,
    transitions: [{ status: 'WAITING_UPSTREAM', at: at.now }],
    upstream: [],
    downstream: [],
    externalUpstream: [],
    waitingUpstreams: 0,
    blockingUpstreams: 0,
    unmetUpstreams: 0,
    upstreamOutcomes: {},
    task: {
      ...foreach.task,
      type: config.body.type,
      config: config.body.config,
      retry: config.body.retry ?? foreach.task.retry,
      timeoutSeconds: config.body.timeoutSeconds ?? foreach.task.timeoutSeconds,
      event: undefined,
      selfDependent: false,
      dependsOn: [],
    },
    timezone: foreach.timezone,
    parameters: foreach.parameters,
    attempts: [],
    iteration,
    revision: 0,
  };
}

export type IterationStart = { instanceId: string; attempt: number; index: number; taskToken: string };

/**
 * A Map slot starts its iteration: records the slot's task token on it and runs its first
 * attempt. Step Functions may call again for the same slot (its own retry after a lost
 * response, with a new token): the token is replaced, nothing runs twice, and an iteration
 * that has finished already is reported again.
 */
export async function runIteration(
  deps: EngineDeps,
  start: IterationStart,
): Promise<'STARTED' | 'REPORTED' | 'WAITING'> {
  const id = iterationId(start.instanceId, start.attempt, start.index);
  const iteration = await deps.store.getInstance(id);
  if (!iteration?.iteration) throw new NotFoundError('iteration', id);
  if (iteration.status === 'WAITING_UPSTREAM' && !iteration.loopTaskToken) {
    // The usual way: the token rides on the move to RUNNING (or WAITING_EXECUTION).
    const outcome = await dispatchLoadedInstance(deps, iteration, { loopTaskToken: start.taskToken });
    if (outcome === 'STARTED' || outcome === 'QUEUED') return 'STARTED';
  }
  // Any other way (a slot started again, a move that lost a race): the token on its own,
  // without a revision, so that an attempt under way finishes undisturbed and reports to it.
  await deps.store.setLoopTaskToken(id, start.taskToken);
  const current = await deps.store.getInstance(id);
  if (!current) throw new NotFoundError('iteration', id);
  if (FINISHED_STATUSES.has(current.status)) {
    await reportIterationToLoop(deps, current);
    return 'REPORTED';
  }
  if (current.status === 'WAITING_UPSTREAM') {
    const outcome = await dispatchLoadedInstance(deps, current);
    // Neither started nor queued: let Step Functions call again.
    if (outcome === 'IGNORED') throw new ConflictError(`iteration '${id}' could not start; try again`);
    return 'STARTED';
  }
  return 'WAITING';
}

/**
 * Reports a finished iteration to its Map slot. A failure the loop tolerates (fewer than
 * `toleratedFailures + 1` distinct failed iterations) frees the slot like a success; one
 * more fails the Map state, which stops the loop.
 */
export async function reportIterationToLoop(deps: EngineDeps, iteration: Instance): Promise<void> {
  const ref = iteration.iteration;
  const token = iteration.loopTaskToken;
  if (!ref || !token) return;
  let report: IterationReport = { status: 'DONE' };
  if (iteration.status === 'FAILED' || iteration.status === 'TERMINATED') {
    const failed = await deps.store.countIterationFailure(ref.foreachInstanceId, ref.attempt, ref.index);
    if (failed > ref.toleratedFailures) {
      const error = iteration.error ?? {
        code: iteration.status,
        message: `iteration ${ref.index} ended ${iteration.status}`,
      };
      report = {
        status: 'FAILED',
        error: {
          code: 'ITERATION_FAILED',
          message: `iteration ${ref.index} ended ${iteration.status} (${error.code}: ${error.message})`,
        },
      };
    }
  }
  await deps.loopRunner.reportIteration(token, report);
}

export type LoopEnd = { instanceId: string; attempt: number; failure?: { error: string; cause: string } };

/**
 * The Map state ended: the for-each attempt succeeds with its iterations' outputs in order
 * (null for a tolerated failure), or fails with the iteration that failed it, terminating
 * the iterations still under way.
 */
export async function finishLoop(deps: EngineDeps, end: LoopEnd): Promise<'FINISHED' | 'IGNORED'> {
  const instance = await deps.store.getInstance(end.instanceId);
  if (instance?.status !== 'RUNNING' || currentAttempt(instance) !== end.attempt) return 'IGNORED';
  const iterations = await allIterations(deps, instance.id, end.attempt);
  const failed = iterations.filter((i) => i.status !== 'SUCCESS' && FINISHED_STATUSES.has(i.status));
  if (!end.failure) {
    await finishAttempt(deps, instance, {
      status: 'SUCCESS',
      outputs: collectedOutputs(iterations, failed.length),
      metrics: { iterations: iterations.length, failedIterations: failed.length },
    });
    return 'FINISHED';
  }
  await terminateIterations(deps, iterations, 'the loop failed');
  await finishAttempt(
    deps,
    instance,
    notRetried('ITERATION_FAILED', loopFailureMessage(end.failure, iterations)),
  );
  return 'FINISHED';
}

/** Stops a for-each attempt from outside (its timeout passed): the loop, then its iterations. */
export async function stopLoop(
  deps: EngineDeps,
  instance: Instance,
  error: { code: string; message: string },
) {
  const attempt = currentAttempt(instance);
  await deps.loopRunner.stopLoop({ instanceId: instance.id, attempt });
  await terminateIterations(deps, await allIterations(deps, instance.id, attempt), error.message);
  await finishAttempt(deps, instance, notRetried(error.code, error.message));
}

/**
 * Why the loop failed, from its iterations (a distributed Map reports only that too many
 * failed): the first that failed, and how many did; else what Step Functions said.
 */
function loopFailureMessage(failure: NonNullable<LoopEnd['failure']>, iterations: Instance[]): string {
  const failed = iterations.filter((i) => i.status === 'FAILED' || i.status === 'TERMINATED');
  const first = failed.find((i) => i.error?.code !== 'LOOP_STOPPED') ?? failed[0];
  const count = `${failed.length} of ${iterations.length} iterations failed`;
  if (first?.iteration) {
    const error = first.error ? ` (${first.error.code}: ${first.error.message})` : '';
    return `iteration ${first.iteration.index} ended ${first.status}${error}; ${count}`;
  }
  return `${failure.cause || failure.error}; ${count}`;
}

function collectedOutputs(iterations: Instance[], failed: number): Record<string, unknown> {
  const outputs = iterations.map((i) => (i.status === 'SUCCESS' ? (i.outputs ?? {}) : null));
  const base = { count: iterations.length, failed };
  if (Buffer.byteLength(JSON.stringify(outputs)) > MAX_COLLECTED_OUTPUT_BYTES) {
    // Too large to keep on one instance: the iterations keep them (GET .../iterations).
    return { ...base, outputsTruncated: true };
  }
  return { ...base, outputs };
}

/** Every iteration of one attempt, in index order. */
export async function allIterations(
  deps: EngineDeps,
  foreachId: string,
  attempt: number,
): Promise<Instance[]> {
  const all: Instance[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listIterations(foreachId, attempt, PAGE, cursor);
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return all;
}

/** Ends the iterations still under way (and what they started): their Map slots are gone. */
async function terminateIterations(deps: EngineDeps, iterations: Instance[], reason: string) {
  const open = iterations.filter((i) => !FINISHED_STATUSES.has(i.status));
  await mapWithConcurrency(open, WRITE_CONCURRENCY, async (iteration) => {
    try {
      await terminateInstance(deps, iteration.id, { code: 'LOOP_STOPPED', message: reason });
    } catch (error) {
      // It finished meanwhile: nothing to stop.
      if (!(error instanceof ActionNotAllowedError)) throw error;
    }
  });
}

const notRetried = (code: string, message: string): AttemptResult => ({
  status: 'FAILED',
  error: { code, message },
  metrics: {},
  retryable: false,
});
