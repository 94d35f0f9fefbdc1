// The table's change stream → Rondo's status-change events and the alerts they raise
// (shared/engine/status-events.ts). A failure reports the first record not done, so Lambda
// retries from there (ReportBatchItemFailures): the state changes themselves were written
// long before, and nothing here can undo or delay them.
import middy from '@middy/core';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createAlertDeps, createEngineDeps } from '#functions/commons/engine.ts';
import { logger, observed } from '#functions/commons/observability.ts';
import { type StreamRecord, statusChangeOf } from '#shared/aws/dynamodb/stream.ts';
import { handleStatusChanges } from '#shared/engine/status-events.ts';
import type { StatusChange } from '#shared/model/status-change.ts';
import { streamEventSchema } from './schema.ts';

const config = loadEngineConfig(process.env);
const deps = createEngineDeps(config);
const alertDeps = createAlertDeps(config, deps);

export const handler = middy(async (event: unknown) => {
  const { Records } = streamEventSchema.parse(event);
  const changes: { sequence: string; change: StatusChange }[] = [];
  for (const record of Records) {
    const change = statusChangeOf(record as StreamRecord);
    if (change) changes.push({ sequence: record.dynamodb.SequenceNumber, change });
  }
  const retryFrom = await handleStatusChanges(
    { bus: deps.bus, level: config.statusEvents, alerts: alertDeps },
    changes.map((c) => c.change),
    (what, error, index) =>
      logger.error(`status ${what} failed`, { error, sequence: changes[index]?.sequence }),
  );
  const sequence = retryFrom === undefined ? undefined : changes[retryFrom]?.sequence;
  return { batchItemFailures: sequence ? [{ itemIdentifier: sequence }] : [] };
}).use(observed());
