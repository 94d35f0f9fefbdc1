// Rondo's status-change events: one EventBridge event per status an instance or a run
// enters, on Rondo's bus, so that teams route them with ordinary rules (to a queue, a
// function, a chat). Built from the table's change stream, after the fact: publishing never
// delays or fails the state change it reports, and a publish that failed is made again from
// the stream record (at least once: consumers deduplicate on `detail.changeId`).
import { currentAttempt, FINISHED_STATUSES } from '../model/instance.ts';
import type { StatusChange, StatusEventLevel } from '../model/status-change.ts';
import type { BusEntry, EventBus } from '../ports/event-bus.ts';
import { type AlertDeps, alertOnStatusChange } from './alerts.ts';

/** The source of every status event (Rondo's bus rules ignore `rondo.` sources as external events). */
export const STATUS_EVENT_SOURCE = 'rondo.engine';
export const STATUS_DETAIL_TYPES = {
  instance: 'Instance Status Change',
  run: 'Run Status Change',
} as const;

/** Whether a change becomes an event at this level (the levels: shared/model/status-change.ts). */
export function publishes(level: StatusEventLevel, change: StatusChange): boolean {
  if (level === 'NONE') return false;
  if (level === 'ALL' || change.kind === 'run') return true;
  return FINISHED_STATUSES.has(change.instance.status);
}

export function statusEventOf(change: StatusChange): BusEntry {
  if (change.kind === 'run') {
    const { run } = change;
    return {
      source: STATUS_EVENT_SOURCE,
      detailType: STATUS_DETAIL_TYPES.run,
      detail: {
        changeId: change.changeId,
        runId: run.id,
        workflowId: run.workflowId,
        workflowVersion: run.workflowVersion,
        runType: run.type,
        dataTime: run.dataTime,
        plannedTime: run.plannedTime,
        oldStatus: change.previous ?? null,
        newStatus: run.status,
        time: change.at ?? (run.status === 'RUNNING' ? run.createdAt : (run.endTime ?? run.createdAt)),
        tasks: run.taskCount,
        failed: run.failed,
        terminated: run.terminated,
        blocked: run.blocked,
        ...(run.parent ? { parentRunId: run.parent.runId } : {}),
        ...(run.backfillId ? { backfillId: run.backfillId } : {}),
      },
    };
  }
  const { instance } = change;
  const attempt = currentAttempt(instance);
  return {
    source: STATUS_EVENT_SOURCE,
    detailType: STATUS_DETAIL_TYPES.instance,
    detail: {
      changeId: change.changeId,
      instanceId: instance.id,
      runId: instance.runId,
      workflowId: instance.workflowId,
      workflowVersion: instance.workflowVersion,
      taskId: instance.taskId,
      taskType: instance.taskType,
      runType: instance.type,
      dataTime: instance.dataTime,
      oldStatus: change.previous ?? null,
      newStatus: instance.status,
      time: instance.transitions.at(-1)?.at ?? change.at ?? null,
      attempt: attempt > 0 ? attempt : null,
      retries: instance.retries,
      // The error of the attempt that just ended; a later RUNNING still carries it, but it is over.
      errorCode: ERROR_STATUSES.has(instance.status) ? (instance.error?.code ?? null) : null,
      resourceGroup: instance.resourceGroup,
      ...(instance.iteration
        ? { foreachInstanceId: instance.iteration.foreachInstanceId, iteration: instance.iteration.index }
        : {}),
    },
  };
}

const ERROR_STATUSES = new Set(['FAILED', 'RETRYING', 'TERMINATED']);

export type StatusEventDeps = { bus: EventBus; level: StatusEventLevel };

/** Publishes the events of a batch of changes the level asks for, in as few requests as the bus takes. */
export async function publishStatusEvents(deps: StatusEventDeps, changes: StatusChange[]): Promise<number> {
  const published = changes.filter((change) => publishes(deps.level, change));
  if (published.length === 0) return 0;
  await deps.bus.putMany(published.map(statusEventOf));
  return published.length;
}

/**
 * One batch of the change stream: its events published (in as few requests as the bus
 * takes), then the alerts of each change raised, whether or not publishing worked. Answers
 * the index of the first change to deliver again (undefined: all done): the first of the
 * batch when publishing failed, else the first whose alerts failed. Consumers deduplicate
 * repeated events on `changeId`; alerts are raised once each anyway.
 */
export async function handleStatusChanges(
  deps: StatusEventDeps & { alerts: AlertDeps },
  changes: StatusChange[],
  onError: (what: 'publish' | 'alerts', error: unknown, index: number) => void,
): Promise<number | undefined> {
  if (changes.length === 0) return undefined;
  let published = true;
  try {
    await publishStatusEvents(deps, changes);
  } catch (error) {
    onError('publish', error, 0);
    published = false;
  }
  for (const [index, change] of changes.entries()) {
    try {
      await alertOnStatusChange(deps.alerts, change);
    } catch (error) {
      onError('alerts', error, index);
      return published ? index : 0;
    }
  }
  return published ? undefined : 0;
}
