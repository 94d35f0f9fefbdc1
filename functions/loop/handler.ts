// The for-each state machine's task: start one iteration in its Map slot, or finish the
// for-each attempt when the Map state ends.
import middy from '@middy/core';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { annotateTrace, loggerFor, observed } from '#functions/commons/observability.ts';
import { finishLoop, runIteration } from '#shared/engine/loops.ts';
import { loopEventSchema } from './schema.ts';

const deps = createEngineDeps(loadEngineConfig(process.env));

export const handler = middy(async (event: unknown) => {
  const request = loopEventSchema.parse(event);
  const { instanceId, attempt } = request;
  const log = loggerFor(instanceId, attempt);
  annotateTrace(instanceId);
  if (request.action === 'iteration') {
    const outcome = await runIteration(deps, request);
    log.info('iteration', { index: request.index, outcome });
    return { outcome };
  }
  const failure = request.failure && { error: request.failure.Error, cause: request.failure.Cause ?? '' };
  const outcome = await finishLoop(deps, { instanceId, attempt, ...(failure ? { failure } : {}) });
  log.info('loop finished', { failed: Boolean(failure), outcome });
  return { outcome };
}).use(observed());
