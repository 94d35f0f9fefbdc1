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
  };
}
