// The SQS work queue: sends made close together share SendMessageBatch requests (SQS bills
// each), every caller waits for its own messages, and a failed request or a refused message
// fails only the callers it belongs to.
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createSqsQueue } from '#shared/aws/sqs-queue.ts';

type Entry = { Id: string; MessageBody: string };

/** SQS as the queue sees it: each SendMessageBatch recorded; `answer` decides what fails. */
function fakeSqs(
  answer: (
    entries: Entry[],
    request: number,
  ) => { Failed?: { Id: string; Message: string }[] } | Error = () => ({}),
) {
  const requests: string[][] = [];
  const client = {
    async send(command: SendMessageBatchCommand) {
      const entries = command.input.Entries as Entry[];
      requests.push(entries.map((e) => JSON.parse(e.MessageBody).instanceId));
      await new Promise((resolve) => setTimeout(resolve, 1));
      const out = answer(entries, requests.length);
      if (out instanceof Error) throw out;
      return out;
    },
  };
  return { client: client as unknown as SQSClient, requests };
}

const message = (n: number) => ({ instanceId: `i${n}` });

describe('SQS work queue', () => {
  it('sends the messages of callers a few milliseconds apart in one request', async () => {
    const sqs = fakeSqs();
    const queue = createSqsQueue({ client: sqs.client, queueUrl: 'q', lingerMs: 20 });
    await Promise.all([
      queue.send([message(1)]),
      new Promise((r) => setTimeout(r, 2)).then(() => queue.send([message(2), message(3)])),
      new Promise((r) => setTimeout(r, 4)).then(() => queue.send([message(4)])),
    ]);
    expect(sqs.requests).toEqual([['i1', 'i2', 'i3', 'i4']]);
  });

  it('sends ten to a request, at once when ten are waiting', async () => {
    const sqs = fakeSqs();
    const queue = createSqsQueue({ client: sqs.client, queueUrl: 'q', lingerMs: 60_000 });
    await queue.send(Array.from({ length: 23 }, (_x, i) => message(i)));
    expect(sqs.requests.map((r) => r.length)).toEqual([10, 10, 3]);
  });

  it('sends the entries SQS failed again, and fails after three tries', async () => {
    const retried = fakeSqs((entries, request) =>
      request === 1 ? { Failed: [{ Id: entries[1]?.Id ?? '', Message: 'throttled' }] } : {},
    );
    await createSqsQueue({ client: retried.client, queueUrl: 'q', lingerMs: 0 }).send([
      message(1),
      message(2),
    ]);
    expect(retried.requests).toEqual([['i1', 'i2'], ['i2']]);
    const refused = fakeSqs((entries) => ({
      Failed: entries.map((e) => ({ Id: e.Id, Message: 'KMS denied' })),
    }));
    await expect(
      createSqsQueue({ client: refused.client, queueUrl: 'q', lingerMs: 0 }).send([message(1)]),
    ).rejects.toThrow('SQS refused a message to q: KMS denied');
    expect(refused.requests).toHaveLength(3);
  });

  it('fails the callers whose messages a failed request carried, and only them', async () => {
    const sqs = fakeSqs((_entries, request) => (request === 1 ? new Error('SQS unavailable') : {}));
    const queue = createSqsQueue({ client: sqs.client, queueUrl: 'q', lingerMs: 5 });
    const first = queue.send([message(1)]);
    const second = queue.send([message(2)]);
    await expect(first).rejects.toThrow('SQS unavailable');
    await expect(second).rejects.toThrow('SQS unavailable');
    await queue.send([message(3)]);
    expect(sqs.requests).toEqual([['i1', 'i2'], ['i3']]);
  });

  it('fails only the caller whose message SQS kept refusing, not the others it shared requests with', async () => {
    const sqs = fakeSqs((entries) => ({
      Failed: entries
        .filter((e) => JSON.parse(e.MessageBody).instanceId === 'i2')
        .map((e) => ({ Id: e.Id, Message: 'KMS denied' })),
    }));
    const queue = createSqsQueue({ client: sqs.client, queueUrl: 'q', lingerMs: 5 });
    const first = queue.send([message(1)]);
    const second = queue.send([message(2), message(3)]);
    await expect(second).rejects.toThrow('SQS refused a message to q: KMS denied');
    await expect(first).resolves.toBeUndefined();
    expect(sqs.requests).toEqual([['i1', 'i2', 'i3'], ['i2'], ['i2']]);
  });
});
