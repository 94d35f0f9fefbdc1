// Faults for the fault-injection suite (`npm run test:faults`), injected where AWS would
// inject them: in the AWS SDK clients the handlers use. While an engine function runs:
//   - a crash right after a write or a send has taken effect (the handler fails, the write
//     stays: SQS redelivers, Step Functions or the reconciler heal);
//   - DynamoDB throttling before a request is sent (inside the SDK's retry loop, which backs
//     off and retries it, as against a real table).
// Message duplication is the event-source mappings' own (`duplicateDelivery`).
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import type { MetadataBearer } from '@smithy/types';
import { dynamoDb, sfn, sqs } from '#functions/commons/clients.ts';
import { seededRandom } from '#shared/util/seeded-random.ts';
import { currentFunction } from './lambda-service.ts';

export type FaultPlan = {
  seed: number;
  /** Chance that a handler crashes right after one of its writes or sends succeeded. */
  crashAfterWrite: number;
  /** Chance that a DynamoDB request is throttled (the SDK retries it). */
  throttle: number;
  /** The functions (local names) faults are injected into. */
  functions: string[];
};

export type FaultCounts = { crashes: number; throttles: number; crashesBy: Record<string, number> };

/** What a crash looks like to the function's caller: an unhandled error of the handler. */
export class InjectedCrash extends Error {
  constructor(operation: string) {
    super(`injected crash after ${operation}`);
    this.name = 'InjectedCrash';
  }
}

/**
 * The operations after which a crash loses something in flight: state written, work sent.
 * Document-client commands run as the base client's (`PutItemCommand` for a `PutCommand`).
 */
const BOUNDARIES =
  /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems|SendMessage|SendMessageBatch|StartExecution|SendTaskSuccess|SendTaskFailure|StopExecution)Command$/;

type Stack = {
  middlewareStack: {
    add(middleware: unknown, options: Record<string, unknown>): void;
    remove(name: string): boolean;
  };
};

export function injectFaults(plan: FaultPlan): { counts: FaultCounts; remove(): void } {
  const random = seededRandom(plan.seed);
  const targets = new Set(plan.functions);
  const counts: FaultCounts = { crashes: 0, throttles: 0, crashesBy: {} };
  const active = () => targets.has(currentFunction.getStore() ?? '');

  const crashName = 'rondoFaultCrash';
  const throttleName = 'rondoFaultThrottle';
  const crash =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: unknown) => {
      const result = await next(args);
      const operation = context.commandName ?? '';
      if (active() && BOUNDARIES.test(operation) && random() < plan.crashAfterWrite) {
        counts.crashes++;
        counts.crashesBy[operation] = (counts.crashesBy[operation] ?? 0) + 1;
        throw new InjectedCrash(operation);
      }
      return result;
    };
  const throttle = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
    if (active() && random() < plan.throttle) {
      counts.throttles++;
      throw new ProvisionedThroughputExceededException({
        message: 'injected: the level of configured provisioned throughput for the table was exceeded',
        $metadata: { httpStatusCode: 400 } satisfies MetadataBearer['$metadata'],
      });
    }
    return next(args);
  };

  const clients: Stack[] = [dynamoDb, sqs, sfn] as unknown as Stack[];
  for (const client of clients) {
    // Outermost: the write has happened (retries included) when the crash comes.
    client.middlewareStack.add(crash, { step: 'initialize', priority: 'high', name: crashName });
  }
  // Innermost, below the retry middleware: a throttled request is retried with backoff.
  (dynamoDb as unknown as Stack).middlewareStack.add(throttle, {
    step: 'finalizeRequest',
    priority: 'low',
    name: throttleName,
  });
  return {
    counts,
    remove() {
      for (const client of clients) client.middlewareStack.remove(crashName);
      (dynamoDb as unknown as Stack).middlewareStack.remove(throttleName);
    },
  };
}
