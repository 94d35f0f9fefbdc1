import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WorkQueue } from '../ports/queue.ts';

const SQS_BATCH_LIMIT = 10;
const SEND_ATTEMPTS = 3;

/**
 * How long a message waits for others before its request goes: the records of one batch are
 * handled side by side, and their sends, a few milliseconds apart, then share requests.
 */
export const DEFAULT_LINGER_MS = 5;

type Pending = { body: string; sent: () => void; failed: (error: unknown) => void };

/**
 * A WorkQueue on SQS: JSON bodies, ten to a request, failed entries sent again. Messages sent
 * within `lingerMs` of each other, by one caller or several, share SendMessageBatch requests
 * (SQS bills each request); every caller's promise settles when its own messages are sent, or
 * fails if a request that carried them failed, or SQS refused one of them three times.
 */
export function createSqsQueue<M>(options: {
  client: SQSClient;
  queueUrl: string;
  lingerMs?: number;
}): WorkQueue<M> {
  const { client, queueUrl } = options;
  const lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  let waiting: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batches: Pending[][] = [];
    for (let i = 0; i < waiting.length; i += SQS_BATCH_LIMIT)
      batches.push(waiting.slice(i, i + SQS_BATCH_LIMIT));
    waiting = [];
    for (const batch of batches) {
      sendBatch(batch.map((p) => p.body)).then(
        (refused) => {
          batch.forEach((p, j) => {
            const reason = refused.get(j);
            if (reason === undefined) p.sent();
            else p.failed(new Error(`SQS refused a message to ${queueUrl}: ${reason}`));
          });
        },
        (error: unknown) => {
          for (const p of batch) p.failed(error);
        },
      );
    }
  };

  /** Sends, and sends again what SQS refused; answers what it still refused, by position. */
  async function sendBatch(bodies: string[]): Promise<Map<number, string>> {
    let entries = bodies.map((body, j) => ({ Id: String(j), MessageBody: body }));
    const refused = new Map<number, string>();
    for (let attempt = 1; entries.length > 0 && attempt <= SEND_ATTEMPTS; attempt++) {
      const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      refused.clear();
      for (const f of out.Failed ?? []) refused.set(Number(f.Id), f.Message ?? f.Code ?? 'refused');
      entries = entries.filter((e) => refused.has(Number(e.Id)));
    }
    return refused;
  }

  return {
    async send(messages) {
      if (messages.length === 0) return;
      const sent = messages.map(
        (message) =>
          new Promise<void>((resolve, reject) => {
            waiting.push({ body: JSON.stringify(message), sent: resolve, failed: reject });
          }),
      );
      if (waiting.length >= SQS_BATCH_LIMIT || lingerMs <= 0) flush();
      else timer ??= setTimeout(flush, lingerMs);
      await Promise.all(sent);
    },
  };
}
