// The retry state machine's task: run the instance's next attempt after the backoff wait.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { logger } from '#functions/commons/logger.ts';
import { runRetryAttempt } from '#shared/engine/attempts.ts';
import { retryAttemptSchema } from './schema.ts';

const deps = createEngineDeps(loadEngineConfig(process.env));

export const handler = middy(async (event: unknown) => {
  const { instanceId, attempt } = retryAttemptSchema.parse(event);
  const outcome = await runRetryAttempt(deps, instanceId, attempt);
  logger.info('retry attempt', { instanceId, attempt, outcome });
  return { instanceId, attempt, outcome };
}).use(injectLambdaContext(logger));
