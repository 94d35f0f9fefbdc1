// The table's change stream → Rondo's status-change events on its bus (one PutEvents per ten
// changes), then the alerts those changes raise. A failure reports the first record not
// done, so Lambda retries from there (ReportBatchItemFailures): the state changes themselves
// were written long before, and nothing here can undo or delay them.
import middy from '@middy/core';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createAlertDeps, createEngineDeps } from '#functions/commons/engine.ts';
import { logger, observed } from '#functions/commons/observability.ts';
import { type StreamRecord, statusChangeOf } from '#shared/aws/dynamodb/stream.ts';
import { alertOnStatusChange } from '#shared/engine/alerts.ts';
import { publishStatusEvents } from '#shared/engine/status-events.ts';
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
  const first = changes[0];
  if (!first) return { batchItemFailures: [] };
  let published = true;
  try {
    await publishStatusEvents(
      deps,
      changes.map((c) => c.change),
    );
  } catch (error) {
    // Alerts do not wait for the bus: they are raised below all the same (once each).
    logger.error('status events not published', { error, changes: changes.length });
    published = false;
  }
  for (const { sequence, change } of changes) {
    try {
      await alertOnStatusChange(alertDeps, change);
    } catch (error) {
      // From this change on, again (its events too: consumers deduplicate on changeId).
      logger.error('alerts not evaluated', { error, sequence });
      return { batchItemFailures: [{ itemIdentifier: published ? sequence : first.sequence }] };
    }
  }
  return { batchItemFailures: published ? [] : [{ itemIdentifier: first.sequence }] };
}).use(observed());
