// Dispatch queue → start the instance's first attempt (once, however often delivered).

import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { sqsBatchHandler } from '#functions/commons/sqs-batch.ts';
import { dispatchInstance } from '#shared/engine/attempts.ts';
import { METRIC } from '#shared/ports/metrics.ts';
import { dispatchMessageSchema } from './schema.ts';

const deps = createEngineDeps(loadEngineConfig(process.env));

export const handler = sqsBatchHandler(
  dispatchMessageSchema,
  async ({ instanceId }, _record, log) => {
    const outcome = await dispatchInstance(deps, instanceId);
    log.info('dispatched', { outcome });
  },
  { instanceOf: (message) => message.instanceId, latencyMetric: METRIC.dispatchLatency },
);
