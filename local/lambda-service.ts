// Local Lambda: named functions backed by handler modules, invoked in-process with a
// Lambda-shaped context. Serves the Invoke API for SDK callers (the `lambda` executor).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { RestResponse, RestRoute } from './aws-endpoint.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './constants.ts';

export type LambdaHandler = (event: unknown, context: Context) => unknown;

type LocalFunction = { name: string; handler: LambdaHandler; timeoutSeconds: number };

/** What a failed invocation returns, as Lambda shapes it (`errorType`, `errorMessage`). */
export class LambdaInvocationError extends Error {
  readonly errorType: string;

  constructor(errorType: string, message: string) {
    super(message);
    this.name = errorType;
    this.errorType = errorType;
  }
}

export const functionArn = (name: string) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;

/** `name`, `name:alias`, a partial or full ARN → the function name. */
export function functionNameOf(nameOrArn: string): string {
  const parts = nameOrArn.split(':');
  if (parts[0] === 'arn') return parts[6] ?? '';
  if (parts.length >= 3) return parts[2] ?? '';
  return parts[0] ?? '';
}

const ASYNC_RETRIES = 2;

/** The function an invocation runs in, for fault injection scoped to one function. */
export const currentFunction = new AsyncLocalStorage<string>();

export type InvocationRecord = { name: string; event: unknown };

export class LocalLambdaService {
  #functions = new Map<string, LocalFunction>();
  /** Every invocation's function and event, when recording is on (tests count executor calls). */
  readonly invocations: InvocationRecord[] = [];
  recordInvocations = false;
  #inFlight = new Set<Promise<unknown>>();
  onError: (name: string, error: unknown) => void = () => {};

  register(name: string, handler: LambdaHandler, timeoutSeconds = 900): void {
    this.#functions.set(name, { name, handler, timeoutSeconds });
  }

  has(nameOrArn: string): boolean {
    return this.#functions.has(functionNameOf(nameOrArn));
  }

  names(): string[] {
    return [...this.#functions.keys()];
  }

  /** Synchronous invocation (RequestResponse): resolves with the result or throws LambdaInvocationError. */
  async invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    const fn = this.#functions.get(functionNameOf(nameOrArn));
    if (!fn) throw new LambdaInvocationError('ResourceNotFoundException', `Function not found: ${nameOrArn}`);
    const started = Date.now();
    const context: Context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: functionArn(fn.name),
      memoryLimitInMB: '1024',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, fn.timeoutSeconds * 1000 - (Date.now() - started)),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
    try {
      // JSON round trips: the handler sees what Lambda would deliver, the caller what Lambda returns.
      const delivered: unknown = JSON.parse(JSON.stringify(event ?? null));
      if (this.recordInvocations) this.invocations.push({ name: fn.name, event: delivered });
      const result = await currentFunction.run(fn.name, () => fn.handler(delivered, context));
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      if (error instanceof LambdaInvocationError) throw error;
      const err = error instanceof Error ? error : new Error(String(error));
      throw new LambdaInvocationError(err.name || 'Error', err.message);
    }
  }

  /** Asynchronous invocation (Event): queued, retried twice on error like Lambda's async invoke. */
  invokeAsync(nameOrArn: string, event: unknown): void {
    // The Invoke call itself fails for an unknown function; only the run is asynchronous.
    if (!this.has(nameOrArn)) {
      throw new LambdaInvocationError('ResourceNotFoundException', `Function not found: ${nameOrArn}`);
    }
    const run = (async () => {
      for (let attempt = 0; attempt <= ASYNC_RETRIES; attempt++) {
        try {
          await this.invoke(nameOrArn, event);
          return;
        } catch (error) {
          if (attempt === ASYNC_RETRIES) this.onError(functionNameOf(nameOrArn), error);
        }
      }
    })();
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }

  /** The Invoke API: `POST /2015-03-31/functions/{name}/invocations`. */
  restRoutes(): RestRoute[] {
    return [
      {
        method: 'POST',
        pattern: /^\/2015-03-31\/functions\/([^/]+)\/invocations$/,
        handle: async (request, match): Promise<RestResponse> => {
          const name = decodeURIComponent(match[1] ?? '');
          if (!this.has(name)) {
            return {
              status: 404,
              headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
              body: JSON.stringify({ Type: 'User', Message: `Function not found: ${name}` }),
            };
          }
          let event: unknown;
          try {
            event = request.body.length ? JSON.parse(request.body.toString('utf8')) : {};
          } catch (error) {
            return {
              status: 400,
              headers: { 'x-amzn-errortype': 'InvalidRequestContentException' },
              body: JSON.stringify({
                Type: 'User',
                message: `Could not parse request body into json: ${(error as Error).message}`,
              }),
            };
          }
          const invocationType = request.headers['x-amz-invocation-type'];
          // DryRun validates the request and runs nothing.
          if (invocationType === 'DryRun') return { status: 204 };
          if (invocationType === 'Event') {
            this.invokeAsync(name, event);
            return { status: 202 };
          }
          try {
            const result = await this.invoke(name, event);
            return {
              status: 200,
              headers: { 'x-amz-executed-version': '$LATEST' },
              body: JSON.stringify(result),
            };
          } catch (error) {
            const fault = error as LambdaInvocationError;
            return {
              status: 200,
              headers: { 'x-amz-executed-version': '$LATEST', 'x-amz-function-error': 'Unhandled' },
              body: JSON.stringify({ errorType: fault.errorType, errorMessage: fault.message }),
            };
          }
        },
      },
    ];
  }

  /** Waits for asynchronous invocations under way (used on shutdown). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
