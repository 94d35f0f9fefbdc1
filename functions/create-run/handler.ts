// EventBridge Scheduler target → create the periodic run for the scheduled time.
// Scheduler delivers at least once; the run id is derived from (workflow, data time).
import middy from '@middy/core';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { logger, observed } from '#functions/commons/observability.ts';
import { createPeriodicRun } from '#shared/engine/runs.ts';
import { scheduleFireSchema } from './schema.ts';

const deps = createEngineDeps(loadEngineConfig(process.env));

export const handler = middy(async (event: unknown) => {
  const fire = scheduleFireSchema.parse(event);
  const { run, created } = await createPeriodicRun(deps, {
    workflowId: fire.workflowId,
    plannedTime: new Date(fire.scheduledTime).toISOString(),
    type: 'PERIODIC',
  });
  logger.info(created ? 'run created' : 'run already existed', { runId: run.id, dataTime: run.dataTime });
  return { runId: run.id, created };
}).use(observed());
