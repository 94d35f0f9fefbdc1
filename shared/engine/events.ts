// Receiving external events. (Releasing the instances that wait for them builds on this.)
import type { EventInstance } from '../model/event-instance.ts';
import type { EngineDeps } from './deps.ts';

export type ReceivedEvent = {
  id: string;
  source: string;
  detailType: string;
  time: string;
  detail: Record<string, unknown>;
};

/** Records the event as PENDING; answers false when this event id was recorded before. */
export async function receiveEvent(
  deps: Pick<EngineDeps, 'store' | 'clock'>,
  event: ReceivedEvent,
): Promise<boolean> {
  const dataTime =
    typeof event.detail.dataTime === 'string' ? new Date(event.detail.dataTime).toISOString() : event.time;
  const instance: EventInstance = {
    id: event.id,
    name: event.detailType,
    source: event.source,
    dataTime,
    triggerTime: event.time,
    receivedAt: deps.clock.now().toISOString(),
    status: 'PENDING',
    detail: event.detail,
  };
  return deps.store.putEventInstance(instance);
}
