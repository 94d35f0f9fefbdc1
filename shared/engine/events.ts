// Receiving external events and releasing the instances that wait for them (WAITING_EVENT).

import { ConflictError } from '../errors.ts';
import type { EventInstance } from '../model/event-instance.ts';
import { CYCLE_TYPES, type CycleType } from '../model/workflow.ts';
import type { EngineDeps } from './deps.ts';
import { decide } from './resolve.ts';

export type ReceivedEvent = {
  id: string;
  source: string;
  detailType: string;
  time: string;
  detail: Record<string, unknown>;
};

/**
 * Records the event as PENDING (answers false when this event id was recorded before) and
 * releases the instances waiting for it.
 */
export async function receiveEvent(deps: EngineDeps, event: ReceivedEvent): Promise<boolean> {
  // Data times compare as normalised ISO strings, as instances store them. A data time that
  // is not one rejects the event: it is kept (REJECTED, with the reason) and matches nothing.
  const given = event.detail.dataTime;
  const parsed = new Date(typeof given === 'string' ? given : event.time);
  const malformed = given !== undefined && (typeof given !== 'string' || Number.isNaN(parsed.getTime()));
  const dataTime = malformed ? event.time : parsed.toISOString();
  const instance: EventInstance = {
    id: event.id,
    name: event.detailType,
    source: event.source,
    dataTime,
    triggerTime: event.time,
    receivedAt: deps.clock.now().toISOString(),
    status: malformed ? 'REJECTED' : 'PENDING',
    detail: event.detail,
    // The cycle the event is for (seed 001), when its sender names a known one.
    ...(CYCLE_TYPES.includes(event.detail.cycleType as CycleType)
      ? { cycleType: event.detail.cycleType as CycleType }
      : {}),
    ...(malformed ? { reason: `detail.dataTime ${JSON.stringify(given)} is not an ISO 8601 date-time` } : {}),
  };
  const fresh = await deps.store.putEventInstance(instance);
  if (malformed) return fresh;
  // Also on a redelivery: a crash may have come between recording and releasing.
  const at = () => deps.clock.now().toISOString();
  const waiters = await deps.store.listEventWaiters(instance.name, instance.dataTime);
  if (waiters.length === 0) return fresh; // kept PENDING: consumed when its instance appears
  await deps.store.setEventStatus(instance.id, ['PENDING'], 'CONSUMING', at());
  const released: string[] = [];
  let expired = 0;
  for (const waiterId of waiters) {
    const outcome = await releaseWaitingEvent(deps, waiterId);
    if (outcome === 'RELEASED') released.push(waiterId);
    if (outcome === 'TIMED_OUT') expired++;
  }
  if (released.length > 0) {
    await deps.store.setEventStatus(instance.id, ['PENDING', 'CONSUMING'], 'CONSUMED', at(), released);
  } else if (expired > 0) {
    // Every instance that waited for it gave up before it came: it arrived too late.
    await deps.store.setEventStatus(instance.id, ['PENDING', 'CONSUMING'], 'EXPIRED', at());
  } else {
    await deps.store.setEventStatus(instance.id, ['CONSUMING'], 'PENDING', at());
  }
  return fresh;
}

/** WAITING_EVENT → WAITING_UPSTREAM, then the usual decision (run at once if nothing else is awaited). */
export async function releaseWaitingEvent(
  deps: EngineDeps,
  instanceId: string,
): Promise<'RELEASED' | 'TIMED_OUT' | 'NOT_WAITING'> {
  const instance = await deps.store.getInstance(instanceId);
  if (instance?.error?.code === 'EVENT_TIMEOUT') return 'TIMED_OUT';
  if (instance?.status !== 'WAITING_EVENT') return 'NOT_WAITING';
  try {
    const moved = await deps.store.transitionInstance(
      instance,
      'WAITING_UPSTREAM',
      deps.clock.now().toISOString(),
      {
        dueAt: undefined,
      },
    );
    await decide(deps, moved);
    return 'RELEASED';
  } catch (error) {
    if (error instanceof ConflictError) return 'NOT_WAITING';
    throw error;
  }
}
