import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WorkQueue } from '../ports/queue.ts';

const SQS_BATCH_LIMIT = 10;
const SEND_ATTEMPTS = 3;

/** A WorkQueue on SQS: JSON bodies, sent ten to a request, failed entries sent again. */
export function createSqsQueue<M>(options: { client: SQSClient; queueUrl: string }): WorkQueue<M> {
  const { client, queueUrl } = options;
  return {
    async send(messages) {
      for (let i = 0; i < messages.length; i += SQS_BATCH_LIMIT) {
        let entries = messages
          .slice(i, i + SQS_BATCH_LIMIT)
          .map((message, j) => ({ Id: String(j), MessageBody: JSON.stringify(message) }));
        for (let attempt = 1; entries.length > 0; attempt++) {
          const out = await client.send(
            new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
          );
          const failed = new Set((out.Failed ?? []).map((f) => f.Id));
          entries = entries.filter((e) => failed.has(e.Id));
          if (entries.length > 0 && attempt >= SEND_ATTEMPTS) {
            throw new Error(
              `SQS refused ${entries.length} message(s) to ${queueUrl}: ${out.Failed?.[0]?.Message}`,
            );
          }
        }
      }
    },
  };
}
