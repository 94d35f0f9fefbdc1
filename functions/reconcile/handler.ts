// Scheduled every minute: heal instances past their due time, and handle the alert timers
// that are due (bounded work per sweep).
import middy from '@middy/core';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createAlertDeps, createEngineDeps } from '#functions/commons/engine.ts';
import { logger, observed } from '#functions/commons/observability.ts';
import { sweepAlertTimers } from '#shared/engine/alerts.ts';
import { reconcile } from '#shared/engine/reconcile.ts';

/** Instances examined per due-index shard per sweep (8 shards). */
const PER_SHARD = 100;

/** Alert timers (deadlines, waiting limits, delivery retries) read a page, and pages a sweep. */
const ALERT_TIMERS = 100;
const ALERT_TIMER_PAGES = 20;

const config = loadEngineConfig(process.env);
const deps = createEngineDeps(config);
const alertDeps = createAlertDeps(config, deps);

export const handler = middy(async () => {
  const report = await reconcile(deps, { perShard: PER_SHARD });
  if (report.examined > 0) logger.info('reconciled', report);
  const alerts = await sweepAlertTimers(alertDeps, { limit: ALERT_TIMERS, pages: ALERT_TIMER_PAGES });
  if (alerts.examined > 0) logger.info('alert timers', alerts);
  return { ...report, alerts };
}).use(observed());
