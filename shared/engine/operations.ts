// Operator actions on instances (PRODUCT.md §3–4): terminate and rerun. Both are
// conditional moves of the instance as read; a move that lost a race is retried on a fresh
// read, and repeating an action that has taken effect answers the same result.
import { ConflictError, NotFoundError, RondoError } from '../errors.ts';
import { childRunId, instanceId as idOf } from '../model/ids.ts';
import { currentAttempt, FINISHED_STATUSES, type Instance, type InstanceStatus } from '../model/instance.ts';
import { type EdgeCondition, subworkflowConfigSchema } from '../model/workflow.ts';
import type { InstancePatch } from '../ports/store.ts';
import { mapWithConcurrency } from '../util/concurrency.ts';
import type { EngineDeps } from './deps.ts';
import { releaseWaitingEvent } from './events.ts';
import { allIterations } from './loops.ts';
import { upstreamEffect } from './readiness.ts';
import { decide, unblocking } from './resolve.ts';
import { dueAfter } from './timing.ts';

export const TERMINABLE: ReadonlySet<InstanceStatus> = new Set([
  'WAITING_EVENT',
  'WAITING_UPSTREAM',
  'WAITING_EXECUTION',
  'RUNNING',
  'RETRYING',
]);
export const RERUNNABLE: ReadonlySet<InstanceStatus> = new Set([
  'SUCCESS',
  'FAILED',
  'TERMINATED',
  'WAITING_EXECUTION',
  'RETRYING',
]);

/** The action does not apply to the instance in its current status (HTTP 409). */
export class ActionNotAllowedError extends RondoError {
  constructor(message: string, detail: { path: string; message: string }) {
    super('ACTION_NOT_ALLOWED', message, false, { details: [{ ...detail, code: 'ACTION_NOT_ALLOWED' }] });
    this.name = 'ActionNotAllowedError';
  }

  static forStatus(action: string, instance: Instance, allowed: ReadonlySet<InstanceStatus>) {
    return new ActionNotAllowedError(
      `cannot ${action} instance '${instance.id}': it is ${instance.status}; ${action} applies to ${[...allowed].join(', ')}`,
      { path: 'status', message: `a ${instance.status} instance` },
    );
  }
}

const MOVE_TRIES = 5;
const STOP_CONCURRENCY = 8;

export type Reason = { code: string; message: string };

/**
 * Terminates an instance. A waiting one ends TERMINATED at once; a RUNNING one is
 * TERMINATING while what it started stops (a subworkflow's child run, a for-each's loop and
 * iterations), then TERMINATED. An attempt running inline in a function cannot be killed
 * from outside: its result, when it comes, is dropped. TERMINATED counts as a failure for
 * the instance's edges. Terminating a TERMINATED instance answers it unchanged.
 */
export async function terminateInstance(deps: EngineDeps, id: string, reason: Reason): Promise<Instance> {
  for (let tries = 0; ; tries++) {
    const instance = await deps.store.getInstance(id);
    if (!instance) throw new NotFoundError('instance', id);
    if (instance.status === 'TERMINATED') return instance;
    if (instance.status === 'TERMINATING') return completeTermination(deps, instance);
    if (!TERMINABLE.has(instance.status))
      throw ActionNotAllowedError.forStatus('terminate', instance, TERMINABLE);
    const now = deps.clock.now();
    try {
      if (instance.status === 'RUNNING') {
        // Due at once: if this handler stops half-way, the reconciler completes the termination.
        const stopping = await deps.store.transitionInstance(instance, 'TERMINATING', now.toISOString(), {
          error: reason,
          dueAt: dueAfter(now, 0, deps.settings),
        });
        return await completeTermination(deps, stopping);
      }
      // A RETRYING instance keeps its resource-group slot between attempts: give it back.
      const done = await deps.store.transitionInstance(
        instance,
        'TERMINATED',
        now.toISOString(),
        {
          endTime: now.toISOString(),
          error: reason,
          dueAt: dueAfter(now, 0, deps.settings),
          callbackTokenHash: undefined,
          ...(instance.holdsSlot ? { holdsSlot: undefined } : {}),
        },
        instance.holdsSlot ? { slot: { group: instance.resourceGroup, change: 'release' } } : {},
      );
      await deps.completionQueue.send([{ instanceId: done.id }]);
      if (instance.holdsSlot) await wakeNextWaiting(deps, instance.resourceGroup);
      return done;
    } catch (error) {
      if (!(error instanceof ConflictError) || tries >= MOVE_TRIES) throw error;
    }
  }
}

/** Stops what a TERMINATING instance started, then ends it TERMINATED (also the reconciler's way). */
export async function completeTermination(deps: EngineDeps, instance: Instance): Promise<Instance> {
  const reason = instance.error ?? { code: 'TERMINATED', message: 'terminated' };
  const attempt = currentAttempt(instance);
  await stopWhatItStarted(deps, instance, reason);
  const now = deps.clock.now();
  const patch: InstancePatch = {
    endTime: now.toISOString(),
    durationMs: now.getTime() - new Date(instance.startTime ?? now).getTime(),
    attempts: instance.attempts.map((a) =>
      a.number === attempt && a.status === 'RUNNING'
        ? { ...a, endTime: now.toISOString(), status: 'TERMINATED' as const, error: reason }
        : a,
    ),
    callbackTokenHash: undefined,
    dueAt: dueAfter(now, 0, deps.settings),
    ...(instance.holdsSlot ? { holdsSlot: undefined } : {}),
  };
  let done: Instance;
  try {
    done = await deps.store.transitionInstance(
      instance,
      'TERMINATED',
      now.toISOString(),
      patch,
      instance.holdsSlot ? { slot: { group: instance.resourceGroup, change: 'release' } } : {},
    );
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // Completed concurrently (a duplicate request, the reconciler): that one reports it.
    const current = await deps.store.getInstance(instance.id);
    if (current?.status === 'TERMINATED') return current;
    throw error;
  }
  await deps.completionQueue.send([{ instanceId: done.id }]);
  if (instance.holdsSlot) await wakeNextWaiting(deps, instance.resourceGroup);
  return done;
}

/** A slot was given back: dispatch the instance that has waited longest for one. */
async function wakeNextWaiting(deps: EngineDeps, group: string): Promise<void> {
  const next = await deps.store.listWaitingForSlot(group, 1);
  await deps.dispatchQueue.send(next.map((waiting) => ({ instanceId: waiting })));
}

/** Stops the child run of a subworkflow's current attempt, or a for-each's loop and iterations. */
async function stopWhatItStarted(deps: EngineDeps, instance: Instance, reason: Reason): Promise<void> {
  const attempt = currentAttempt(instance);
  if (instance.taskType === 'subworkflow') {
    const config = subworkflowConfigSchema.safeParse(instance.task.config);
    if (config.success) {
      await terminateRun(deps, childRunId(config.data.workflow, instance.id, attempt), {
        code: reason.code,
        message: `its parent ${instance.id} was stopped: ${reason.message}`,
      });
    }
  } else if (instance.taskType === 'foreach') {
    await deps.loopRunner.stopLoop({ instanceId: instance.id, attempt });
    const open = (await allIterations(deps, instance.id, attempt)).filter(
      (i) => !FINISHED_STATUSES.has(i.status),
    );
    await mapWithConcurrency(open, STOP_CONCURRENCY, (iteration) =>
      terminateQuietly(deps, iteration.id, {
        code: reason.code,
        message: `its loop ${instance.id} was stopped: ${reason.message}`,
      }),
    );
  }
}

export const MARKABLE: ReadonlySet<InstanceStatus> = new Set([
  'RUNNING',
  'FAILED',
  'TERMINATED',
  'WAITING_EVENT',
  'WAITING_UPSTREAM',
  'WAITING_EXECUTION',
]);

/**
 * Marks an instance successful: it ends SUCCESS (keeping any outputs it had) and releases
 * its downstream like a real success; a RUNNING one first stops what it started. Marking a
 * SUCCESS instance again answers it unchanged.
 */
export async function markSuccess(deps: EngineDeps, id: string, reason: Reason): Promise<Instance> {
  for (let tries = 0; ; tries++) {
    const instance = await deps.store.getInstance(id);
    if (!instance) throw new NotFoundError('instance', id);
    if (instance.status === 'SUCCESS') return instance;
    if (!MARKABLE.has(instance.status))
      throw ActionNotAllowedError.forStatus('mark success', instance, MARKABLE);
    if (instance.status === 'RUNNING') await stopWhatItStarted(deps, instance, reason);
    const now = deps.clock.now();
    const attempt = currentAttempt(instance);
    try {
      const done = await deps.store.transitionInstance(
        instance,
        'SUCCESS',
        now.toISOString(),
        {
          endTime: now.toISOString(),
          ...(instance.startTime
            ? { durationMs: now.getTime() - new Date(instance.startTime).getTime() }
            : {}),
          outputs: instance.outputs ?? {},
          error: undefined,
          blocked: undefined,
          callbackTokenHash: undefined,
          attempts: instance.attempts.map((a) =>
            a.number === attempt && a.status === 'RUNNING'
              ? { ...a, endTime: now.toISOString(), status: 'TERMINATED' as const, error: reason }
              : a,
          ),
          // Due until resolution has reported it to its dependents.
          dueAt: dueAfter(now, 0, deps.settings),
          ...(instance.holdsSlot ? { holdsSlot: undefined } : {}),
          ...holdingRun(instance).patch,
        },
        {
          ...(instance.holdsSlot
            ? { slot: { group: instance.resourceGroup, change: 'release' as const } }
            : {}),
          ...holdingRun(instance).options,
        },
      );
      await deps.completionQueue.send([{ instanceId: done.id }]);
      if (instance.holdsSlot) await wakeNextWaiting(deps, instance.resourceGroup);
      return done;
    } catch (error) {
      if (!(error instanceof ConflictError) || tries >= MOVE_TRIES) throw error;
    }
  }
}

/** Terminates every instance of a run that has not finished (a child run whose parent stopped). */
export async function terminateRun(deps: EngineDeps, runId: string, reason: Reason): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await deps.store.listRunInstances(runId, 100, cursor);
    const open = page.items.filter((i) => !FINISHED_STATUSES.has(i.status));
    await mapWithConcurrency(open, STOP_CONCURRENCY, (instance) =>
      terminateQuietly(deps, instance.id, reason),
    );
    cursor = page.cursor;
  } while (cursor);
}

/** Terminates unless it finished meanwhile (then there is nothing to stop). */
async function terminateQuietly(deps: EngineDeps, id: string, reason: Reason): Promise<void> {
  try {
    await terminateInstance(deps, id, reason);
  } catch (error) {
    if (!(error instanceof ActionNotAllowedError)) throw error;
  }
}

/**
 * Reruns one instance now, whatever its upstreams did: it waits again (WAITING_UPSTREAM, a
 * closed run reopens), its retries count from 0, its error and outputs are cleared, and its
 * next attempt (numbered after every earlier one) is dispatched. A subworkflow's next
 * attempt starts a new child run; a for-each's, new iterations.
 */
/** What a rerun clears, whatever its scope: the instance starts again as a first run does. */
export const FRESH_START: InstancePatch = {
  retries: 0,
  error: undefined,
  outputs: undefined,
  endTime: undefined,
  durationMs: undefined,
  callbackTokenHash: undefined,
  blocked: undefined,
};

export type RerunOptions = {
  /** Overrides of the run's parameters for this rerun (rerun > run > default), already checked. */
  parameters?: Record<string, unknown>;
  /**
   * An instance that listens for an event runs again without it (true, the default), or waits
   * for a new event for its data time (false): the one it consumed before does not count.
   */
  ignoreEvent?: boolean;
  /** Respect its upstreams (its direct parents and, if self-dependent, its previous cycle) as they stand, instead of running now. */
  checkParent?: boolean;
};

/** The readiness counters of an instance from the reports its upstreams made (removed ones aside). */
export function countersFromReports(instance: Instance) {
  const upstreams = [
    ...instance.upstream.map((edge) => [idOf(instance.runId, edge.taskId), edge.condition] as const),
    ...instance.externalUpstream.map((up) => [up.instanceId, up.condition] as const),
  ];
  let waitingUpstreams = 0;
  let blockingUpstreams = 0;
  let unmetUpstreams = 0;
  for (const [upstreamId, condition] of upstreams) {
    const report = instance.upstreamOutcomes[upstreamId];
    if (report?.outcome === 'REMOVED') continue;
    if (!report) {
      waitingUpstreams++;
      continue;
    }
    const effect = upstreamEffect(condition, report.outcome);
    blockingUpstreams += effect.blocking;
    unmetUpstreams += effect.unmet;
  }
  return { waitingUpstreams, blockingUpstreams, unmetUpstreams };
}

/** Whether a rerun of this instance waits for a new event (see RerunOptions.ignoreEvent). */
export const waitsForNewEvent = (instance: Instance, options: { ignoreEvent?: boolean }) =>
  options.ignoreEvent === false && instance.task.event !== undefined;

/**
 * Registers a rerun instance back in WAITING_EVENT as waiting for its event, and releases it
 * at once if a new (PENDING) event for its data time has come already.
 */
export async function awaitNewEvent(deps: EngineDeps, instance: Instance): Promise<void> {
  const event = instance.task.event;
  if (!event) return;
  await deps.store.putEventWaiter(event.name, instance.dataTime, instance.id);
  // Only an event received since the rerun put it back to waiting is a new one.
  const since = [...instance.transitions].reverse().find((t) => t.status === 'WAITING_EVENT')?.at ?? '';
  const ids = await deps.store.listEventIds(event.name, instance.dataTime);
  const events = await Promise.all(ids.map((eventId) => deps.store.getEventInstance(eventId)));
  const pending = events
    .filter((e) => e?.status === 'PENDING' && e.receivedAt >= since)
    .map((e) => e?.id ?? '');
  if (pending.length > 0 && (await releaseWaitingEvent(deps, instance.id)) === 'RELEASED') {
    const at = deps.clock.now().toISOString();
    for (const eventId of pending)
      await deps.store.setEventStatus(eventId, ['PENDING'], 'CONSUMED', at, [instance.id]);
  }
}

export async function rerunInstance(
  deps: EngineDeps,
  id: string,
  options: RerunOptions = {},
): Promise<Instance> {
  for (let tries = 0; ; tries++) {
    const instance = await deps.store.getInstance(id);
    if (!instance) throw new NotFoundError('instance', id);
    if (instance.iteration) {
      throw new ActionNotAllowedError(
        `rerun the foreach instance ${instance.iteration.foreachInstanceId}, not one of its iterations`,
        { path: 'id', message: 'iterations are rerun through their foreach instance' },
      );
    }
    if (!RERUNNABLE.has(instance.status))
      throw ActionNotAllowedError.forStatus('rerun', instance, RERUNNABLE);
    const now = deps.clock.now();
    const forEvent = waitsForNewEvent(instance, options);
    const validity = instance.task.event?.validitySeconds;
    // Registered before the move: a stop in between cannot leave it waiting unheard.
    if (forEvent && instance.task.event) {
      await deps.store.putEventWaiter(instance.task.event.name, instance.dataTime, instance.id);
    }
    try {
      const waiting = await deps.store.transitionInstance(
        instance,
        forEvent ? 'WAITING_EVENT' : 'WAITING_UPSTREAM',
        now.toISOString(),
        {
          ...FRESH_START,
          ...(options.checkParent
            ? countersFromReports(instance)
            : { waitingUpstreams: 0, blockingUpstreams: 0, unmetUpstreams: 0 }),
          ...(options.parameters ? { parameters: options.parameters } : {}),
          // Due at once (if the dispatch below is lost, the reconciler decides it again), or
          // waiting for an event, when its validity ends.
          dueAt: forEvent
            ? validity
              ? new Date(now.getTime() + validity * 1000).toISOString()
              : undefined
            : dueAfter(now, 0, deps.settings),
          ...(instance.holdsSlot ? { holdsSlot: undefined } : {}),
          ...holdingRun(instance).patch,
        },
        {
          ...(instance.holdsSlot
            ? { slot: { group: instance.resourceGroup, change: 'release' as const } }
            : {}),
          ...holdingRun(instance).options,
        },
      );
      if (forEvent) await awaitNewEvent(deps, waiting);
      // Its upstreams decide (it may wait, or be blocked), or it runs now.
      else if (options.checkParent) await decide(deps, waiting);
      else await deps.dispatchQueue.send([{ instanceId: waiting.id }]);
      return waiting;
    } catch (error) {
      if (!(error instanceof ConflictError) || tries >= MOVE_TRIES) throw error;
    }
  }
}

/**
 * Removes, urgently and for good, one dependency of a waiting instance (PRODUCT.md §4): the
 * upstream's report no longer counts, now or later (the dependency is recorded REMOVED, so
 * lineage shows it and reruns do not wait for it). An instance that waited only for it runs;
 * one it blocked is unblocked. Only this instance changes, never its workflow.
 */
export async function removeDependency(deps: EngineDeps, id: string, upstreamId: string): Promise<Instance> {
  for (let tries = 0; ; tries++) {
    const instance = await deps.store.getInstance(id);
    if (!instance) throw new NotFoundError('instance', id);
    const condition = conditionOfUpstream(instance, upstreamId);
    if (!condition) throw new NotFoundError(`dependency of instance '${id}' on`, upstreamId);
    const previous = instance.upstreamOutcomes[upstreamId];
    if (previous?.outcome === 'REMOVED') return instance;
    if (instance.status !== 'WAITING_UPSTREAM') {
      throw ActionNotAllowedError.forStatus(
        'remove a dependency of',
        instance,
        new Set(['WAITING_UPSTREAM']),
      );
    }
    const effect = previous ? upstreamEffect(condition, previous.outcome) : { blocking: 0, unmet: 0 };
    const blockingUpstreams = Math.max(0, instance.blockingUpstreams - effect.blocking);
    const unblock = instance.blocked === true && blockingUpstreams === 0;
    const now = deps.clock.now();
    try {
      const updated = await deps.store.patchInstance(
        instance,
        {
          upstreamOutcomes: {
            ...instance.upstreamOutcomes,
            [upstreamId]: { outcome: 'REMOVED', revision: Number.MAX_SAFE_INTEGER },
          },
          waitingUpstreams: previous ? instance.waitingUpstreams : Math.max(0, instance.waitingUpstreams - 1),
          blockingUpstreams,
          unmetUpstreams: Math.max(0, instance.unmetUpstreams - effect.unmet),
          // Due: if the decision below is lost, the reconciler makes it.
          dueAt: dueAfter(now, 0, deps.settings),
          ...(unblock ? unblocking(deps, instance).patch : {}),
        },
        unblock ? unblocking(deps, instance).run : undefined,
      );
      await decide(deps, updated);
      return (await deps.store.getInstance(id)) ?? updated;
    } catch (error) {
      if (!(error instanceof ConflictError) || tries >= MOVE_TRIES) throw error;
    }
  }
}

/** The condition of the edge from `upstreamId` (in the run, or in another run), if it is one. */
function conditionOfUpstream(instance: Instance, upstreamId: string): EdgeCondition | undefined {
  const inRun = instance.upstream.find((edge) => idOf(instance.runId, edge.taskId) === upstreamId);
  if (inRun) return inRun.condition;
  return instance.externalUpstream.find((up) => up.instanceId === upstreamId)?.condition;
}

/**
 * An operator's move keeps the run open until the instance's resolution has reported it
 * downstream (what it unblocks must count before the run may close); once per instance.
 */
export function holdingRun(instance: Instance): {
  patch: Pick<InstancePatch, 'holdsRunOpen'>;
  options: { holdRun?: boolean };
} {
  if (instance.iteration || instance.holdsRunOpen) return { patch: {}, options: {} };
  return { patch: { holdsRunOpen: true }, options: { holdRun: true } };
}
