// Receiving external events and releasing the instances that wait for them (WAITING_EVENT).

import { ConflictError } from '../errors.ts';
import type { EventInstance } from '../model/event-instance.ts';
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
    ...(malformed ? { reason: `detail.dataTime ${JSON.stringify(given)} is not an ISO 8601 date-time` } : {}),
  };
  const fresh = await deps.store.putEventInstance(instance);
  if (malformed) return fresh;
  // Also on a redelivery: a crash may have come between recording and releasing.
  const released = await releaseWaiters(deps, instance.name, instance.dataTime);
  if (released.length > 0)
    await deps.store.markEventConsumed(instance.id, released, deps.clock.now().toISOString());
  return fresh;
}

/** Moves every instance waiting for event `name` at `dataTime` on to WAITING_UPSTREAM. */
export async function releaseWaiters(deps: EngineDeps, name: string, dataTime: string): Promise<string[]> {
  const released: string[] = [];
  for (const instanceId of await deps.store.listEventWaiters(name, dataTime)) {
    if (await releaseWaitingEvent(deps, instanceId)) released.push(instanceId);
  }
  return released;
}

/** WAITING_EVENT → WAITING_UPSTREAM, then the usual decision (run at once if nothing else is awaited). */
export async function releaseWaitingEvent(deps: EngineDeps, instanceId: string): Promise<boolean> {
  const instance = await deps.store.getInstance(instanceId);
  if (instance?.status !== 'WAITING_EVENT') return false;
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
    return true;
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}
