import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ValidationError } from '../errors.ts';
import type { EventBus } from '../ports/event-bus.ts';

/** The EventBus port on an EventBridge bus: one PutEvents entry per event. */
export function createEventBridgeBus(options: { client: EventBridgeClient; eventBusName: string }): EventBus {
  return {
    async put({ source, detailType, detail }) {
      const out = await options.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: options.eventBusName,
              Source: source,
              DetailType: detailType,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      const entry = out.Entries?.[0];
      if (!entry?.EventId) {
        throw new ValidationError('The event bus refused the event', [
          { path: '', code: entry?.ErrorCode ?? 'EVENT_REJECTED', message: entry?.ErrorMessage ?? 'refused' },
        ]);
      }
      return { eventId: entry.EventId };
    },
  };
}
