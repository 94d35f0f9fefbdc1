// Events queue (EventBridge rule target) → record each external event.
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { logger } from '#functions/commons/observability.ts';
import { sqsBatchHandler } from '#functions/commons/sqs-batch.ts';
import { receiveEvent } from '#shared/engine/events.ts';
import { eventBridgeEventSchema } from './schema.ts';

const deps = createEngineDeps(loadEngineConfig(process.env));

export const handler = sqsBatchHandler(eventBridgeEventSchema, async (event) => {
  const fresh = await receiveEvent(deps, {
    id: event.id,
    source: event.source,
    detailType: event['detail-type'],
    time: event.time,
    detail: event.detail,
  });
  logger.info(fresh ? 'event received' : 'event already received', {
    eventId: event.id,
    name: event['detail-type'],
  });
});
