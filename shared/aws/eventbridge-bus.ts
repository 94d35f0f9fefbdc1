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

    async putMany(entries) {
      let pending = entries.map((entry) => ({
        EventBusName: options.eventBusName,
        Source: entry.source,
        DetailType: entry.detailType,
        Detail: JSON.stringify(entry.detail),
      }));
      // Entries EventBridge could not take (throttled, an internal failure) are put again.
      for (let round = 0; round < PUT_ROUNDS && pending.length > 0; round++) {
        const failed: typeof pending = [];
        for (let i = 0; i < pending.length; i += MAX_ENTRIES_PER_REQUEST) {
          const chunk = pending.slice(i, i + MAX_ENTRIES_PER_REQUEST);
          const out = await options.client.send(new PutEventsCommand({ Entries: chunk }));
          out.Entries?.forEach((result, j) => {
            const entry = chunk[j];
            if (!result.EventId && entry) failed.push(entry);
          });
        }
        pending = failed;
      }
      if (pending.length > 0) {
        throw new Error(`EventBridge did not take ${pending.length} of ${entries.length} event(s)`);
      }
    },
  };
}

/** PutEvents takes at most 10 entries a request. */
const MAX_ENTRIES_PER_REQUEST = 10;
const PUT_ROUNDS = 3;
