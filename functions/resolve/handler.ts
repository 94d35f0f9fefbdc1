// Completion queue → release (or skip) the finished instance's downstream, close the run.

import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { sqsBatchHandler } from '#functions/commons/sqs-batch.ts';
import { resolveFinishedInstance } from '#shared/engine/resolve.ts';
import { completionMessageSchema } from './schema.ts';

const deps = createEngineDeps(loadEngineConfig(process.env));

export const handler = sqsBatchHandler(
  completionMessageSchema,
  ({ instanceId }) => resolveFinishedInstance(deps, instanceId),
  { instanceOf: (message) => message.instanceId },
);
