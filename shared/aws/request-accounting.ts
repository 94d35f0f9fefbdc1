// Counts AWS SDK requests per service and operation, for tests and `npm run bench`.
// A client plugin: `client.middlewareStack.use(requestAccounting())`.
import type { MetadataBearer, Pluggable } from '@smithy/types';

export type RequestCounts = Record<string, number>;

/** Called after each request completes; fault-injection tests throw from it to crash a caller. */
export type AfterRequest = (service: string, operation: string) => void;

export class RequestCounter {
  #counts = new Map<string, number>();
  afterRequest: AfterRequest | undefined;

  /** Key: `<Service>.<Operation>`, e.g. `DynamoDB.PutItem`. */
  add(service: string, operation: string): void {
    const key = `${service}.${operation}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  snapshot(): RequestCounts {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.#counts.clear();
  }
}

/** The process-wide counter every instrumented client reports to. */
export const requestCounter = new RequestCounter();

export function requestAccounting<I extends object, O extends MetadataBearer>(
  counter: RequestCounter = requestCounter,
): Pluggable<I, O> {
  return {
    applyToStack(stack) {
      stack.add(
        (next, context) => async (args) => {
          const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
          const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
          counter.add(service, operation);
          const output = await next(args);
          counter.afterRequest?.(service, operation);
          return output;
        },
        { step: 'initialize', name: 'rondoRequestAccounting' },
      );
    },
  };
}
