// An SQS event source mapping: long-polls a queue, calls the consumer function with a real
// SQS event (batch size, message attributes, receive counts), deletes what succeeded, and
// leaves failed records (ReportBatchItemFailures) to reappear after the visibility timeout;
// the queue's redrive policy moves them to its DLQ after maxReceiveCount deliveries.
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LOCAL_REGION } from './constants.ts';
import type { LocalLambdaService } from './lambda-service.ts';

export type EventSourceMappingOptions = {
  client: SQSClient;
  lambda: LocalLambdaService;
  functionName: string;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  /** Pollers working side by side (the mapping's maximum concurrency). */
  concurrency: number;
  /** Long-poll wait; shorter makes shutdown faster. */
  waitTimeSeconds?: number;
  /** Fault injection: hand every batch to the function twice at once (SQS may deliver twice). */
  duplicateDelivery?: boolean;
  onError?: (error: unknown) => void;
};

export class EventSourceMapping {
  readonly #options: EventSourceMappingOptions;
  /** Messages handed to the function a second time by `duplicateDelivery`. */
  duplicated = 0;
  readonly #abort = new AbortController();
  #pollers: Promise<void>[] = [];

  constructor(options: EventSourceMappingOptions) {
    this.#options = options;
  }

  start(): void {
    this.#pollers = Array.from({ length: this.#options.concurrency }, () => this.#poll());
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#pollers);
  }

  async #poll(): Promise<void> {
    const { client, queueUrl, batchSize } = this.#options;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: this.#options.waitTimeSeconds ?? 20,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: signal },
        );
        if (out.Messages?.length) await this.#deliver(out.Messages);
      } catch (error) {
        if (signal.aborted) return;
        this.#options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async #deliver(messages: Message[]): Promise<void> {
    const { lambda, functionName, client, queueUrl } = this.#options;
    let failedIds: Set<string>;
    try {
      const event = this.#event(messages);
      const copies = this.#options.duplicateDelivery ? 2 : 1;
      this.duplicated += messages.length * (copies - 1);
      const responses = (await Promise.all(
        Array.from({ length: copies }, () => lambda.invoke(functionName, event)),
      )) as (SQSBatchResponse | null)[];
      failedIds = new Set(responses.flatMap((r) => r?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // The whole batch failed: every message comes back after its visibility timeout.
      this.#options.onError?.(error);
      return;
    }
    const done = messages.filter((m) => m.MessageId && !failedIds.has(m.MessageId));
    if (done.length === 0) return;
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }

  #event(messages: Message[]): SQSEvent {
    return {
      Records: messages.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: m.Attributes?.SenderId ?? 'local',
          ApproximateFirstReceiveTimestamp:
            m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        },
        messageAttributes: Object.fromEntries(
          Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
            k,
            {
              dataType: v.DataType ?? 'String',
              stringValue: v.StringValue,
              stringListValues: [],
              binaryListValues: [],
            },
          ]),
        ),
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: this.#options.queueArn,
        awsRegion: LOCAL_REGION,
      })),
    };
  }
}
