// Scheduled every minute: heal instances past their due time (bounded work per sweep).
import middy from '@middy/core';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { logger, observed } from '#functions/commons/observability.ts';
import { reconcile } from '#shared/engine/reconcile.ts';

/** Instances examined per due-index shard per sweep (8 shards). */
const PER_SHARD = 100;

const deps = createEngineDeps(loadEngineConfig(process.env));

export const handler = middy(async () => {
  const report = await reconcile(deps, { perShard: PER_SHARD });
  if (report.examined > 0) logger.info('reconciled', report);
  return report;
}).use(observed());
