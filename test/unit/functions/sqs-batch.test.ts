// The SQS batch handler every queue consumer shares: a failed record, and only it, is reported
// back for redelivery, even while other batches of the same function are handled in the same
// process (the embedded runtime runs invocations side by side).
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sqsBatchHandler } from '#functions/commons/sqs-batch.ts';

const context = {
  functionName: 'consumer',
  awsRequestId: 'request',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const message = z.object({ name: z.string(), fails: z.boolean(), waits: z.boolean() });
type Message = z.output<typeof message>;

function sqsEvent(messages: Message[]): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.name,
      receiptHandle: `receipt-${m.name}`,
      body: JSON.stringify(m),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work',
      awsRegion: 'us-east-1',
    })),
  };
}

/** A consumer whose messages fail or succeed as they say; those that wait, wait for `release`. */
function consumer() {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handled: string[] = [];
  const handler = sqsBatchHandler(message, async (m) => {
    if (m.waits) await gate;
    handled.push(m.name);
    if (m.fails) throw new Error(`${m.name} failed`);
  });
  const invoke = (messages: Message[]) =>
    handler(sqsEvent(messages), context) as unknown as Promise<SQSBatchResponse>;
  return { invoke, release, handled };
}

const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier);

describe('sqsBatchHandler', () => {
  it('reports the failed records of a batch, and only them', async () => {
    const { invoke } = consumer();
    const response = await invoke([
      { name: 'a', fails: false, waits: false },
      { name: 'b', fails: true, waits: false },
      { name: 'c', fails: false, waits: false },
    ]);
    expect(failedIds(response)).toEqual(['b']);
  });

  it('reports a record that failed while another batch of the same function was handled meanwhile', async () => {
    const { invoke, release, handled } = consumer();
    // The first batch: one record fails at once, the other waits.
    const first = invoke([
      { name: 'fails-early', fails: true, waits: false },
      { name: 'slow', fails: false, waits: true },
    ]);
    await expect.poll(() => handled).toContain('fails-early');
    // A second batch is handled from start to end while the first is still under way.
    const second = await invoke([{ name: 'other', fails: false, waits: false }]);
    release();
    expect(failedIds(await first)).toEqual(['fails-early']);
    expect(failedIds(second)).toEqual([]);
  });

  it('does not report, for one batch, a record of another that failed meanwhile', async () => {
    const { invoke, release, handled } = consumer();
    const first = invoke([
      { name: 'ok', fails: false, waits: false },
      { name: 'slow', fails: false, waits: true },
    ]);
    await expect.poll(() => handled).toContain('ok');
    const second = await invoke([
      { name: 'fails', fails: true, waits: false },
      { name: 'fine', fails: false, waits: false },
    ]);
    release();
    expect(failedIds(await first)).toEqual([]);
    expect(failedIds(second)).toEqual(['fails']);
  });
});
