// The shape every SQS-driven function shares: parse each record's body with a schema,
// handle it, report failed records as batch item failures so only they are redelivered.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import type { MetricName } from '#shared/ports/metrics.ts';
import { engineMetrics, logger, loggerFor, observed } from './observability.ts';

export type SqsBatchOptions<M> = {
  /** The instance a message is about: its id and run go on every line of the logger `handle` gets. */
  instanceOf?: (message: M) => string | undefined;
  /** Records, per message, the time from its sending to its handling. */
  latencyMetric?: MetricName;
};

export function sqsBatchHandler<S extends z.ZodType>(
  schema: S,
  handle: (message: z.output<S>, record: SQSRecord, log: Logger) => Promise<unknown>,
  options: SqsBatchOptions<z.output<S>> = {},
) {
  const recordHandler = async (record: SQSRecord) => {
    if (options.latencyMetric) {
      const sent = Number(record.attributes.SentTimestamp);
      if (Number.isFinite(sent)) {
        engineMetrics.add(options.latencyMetric, 'Milliseconds', Math.max(0, Date.now() - sent));
      }
    }
    const message = schema.parse(JSON.parse(record.body));
    const instanceId = options.instanceOf?.(message);
    await handle(message, record, instanceId ? loggerFor(instanceId) : logger);
  };
  return middy(
    async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      // A processor per invocation: it holds the batch's records and failures, and invocations
      // of one function may run side by side in one process (the embedded runtime does), where
      // a shared one would report one batch's failures for another and drop its own.
      processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), { context }),
  ).use(observed());
}
