// The shape every SQS-driven function shares: parse each record's body with a schema,
// handle it, report failed records as batch item failures so only they are redelivered.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { logger } from './logger.ts';

export function sqsBatchHandler<S extends z.ZodType>(
  schema: S,
  handle: (message: z.output<S>, record: SQSRecord) => Promise<unknown>,
) {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord) => {
    const message = schema.parse(JSON.parse(record.body));
    await handle(message, record);
  };
  return middy(
    async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      processPartialResponse(event, recordHandler, processor, { context }),
  ).use(injectLambdaContext(logger));
}
