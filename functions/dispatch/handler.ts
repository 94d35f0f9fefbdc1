// Dispatch queue → start the instance's first attempt (once, however often delivered).

import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { logger } from '#functions/commons/observability.ts';
import { sqsBatchHandler } from '#functions/commons/sqs-batch.ts';
import { dispatchInstance } from '#shared/engine/attempts.ts';
import { METRIC } from '#shared/ports/metrics.ts';
import { dispatchMessageSchema } from './schema.ts';

const deps = createEngineDeps(loadEngineConfig(process.env));

export const handler = sqsBatchHandler(
  dispatchMessageSchema,
  async ({ instanceId }) => {
    const outcome = await dispatchInstance(deps, instanceId);
    logger.info('dispatched', { outcome });
  },
  { instanceOf: (message) => message.instanceId, latencyMetric: METRIC.dispatchLatency },
);
