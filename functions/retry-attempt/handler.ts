// The retry state machine's task: run the instance's next attempt after the backoff wait.
import middy from '@middy/core';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { annotateTrace, loggerFor, observed } from '#functions/commons/observability.ts';
import { runRetryAttempt } from '#shared/engine/attempts.ts';
import { retryAttemptSchema } from './schema.ts';

const deps = createEngineDeps(loadEngineConfig(process.env));

export const handler = middy(async (event: unknown) => {
  const { instanceId, attempt } = retryAttemptSchema.parse(event);
  const log = loggerFor(instanceId, attempt);
  annotateTrace(instanceId);
  const outcome = await runRetryAttempt(deps, instanceId, attempt);
  log.info('retry attempt', { outcome });
  return { instanceId, attempt, outcome };
}).use(observed());
