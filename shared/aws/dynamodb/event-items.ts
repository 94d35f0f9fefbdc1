// Event instances: keyed by event id (idempotent receipt), listed by name and data time.
import type { EventInstance } from '../../model/event-instance.ts';
import type { Key } from './table.ts';

export const eventInstanceKey = (id: string): Key => ({ pk: `EVT#${id}`, sk: '#EVENT' });

export function eventInstanceToItem(event: EventInstance): Record<string, unknown> {
  return {
    ...eventInstanceKey(event.id),
    kind: 'event',
    ...event,
    gsi2pk: `EVN#${event.name}`,
    gsi2sk: `${event.dataTime}#${event.id}`,
    // By the day it was received, for the list of every event (one key a day: events are few).
    gsi1pk: eventDayPartition(event.receivedAt.slice(0, 10)),
    gsi1sk: `${event.receivedAt}#${event.id}`,
  };
}

export const eventDayPartition = (day: string): string => `EDAY#${day}`;

/** Events by name and data time, in the table itself so that lookups are consistent. */
export const eventByTimeKey = (name: string, dataTime: string, eventId: string): Key => ({
  pk: `EVK#${name}#${dataTime}`,
  sk: eventId,
});

/** Instances waiting for an event of `name` at `dataTime`. */
export const eventWaiterKey = (name: string, dataTime: string, instanceId: string): Key => ({
  pk: `EVW#${name}#${dataTime}`,
  sk: instanceId,
});
