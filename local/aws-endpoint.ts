// One HTTP endpoint for the AWS control-plane APIs the embedded runtime emulates in-process
// (Step Functions, EventBridge, EventBridge Scheduler, Lambda). Handlers reach it through
// the SDK's AWS_ENDPOINT_URL_<SERVICE> variables and speak the real wire protocols:
// awsJson (X-Amz-Target) and restJson (method + path).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { close, listen, readBody } from './http-server.ts';

/** A service error as AWS returns it: its type name and HTTP status. */
export class AwsServiceError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = status;
  }
}

export type JsonOperation = (input: Record<string, unknown>) => Promise<unknown> | unknown;

export type RestRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
};
export type RestResponse = { status: number; headers?: Record<string, string>; body?: string | Buffer };
export type RestRoute = {
  method: string;
  pattern: RegExp;
  handle: (request: RestRequest, match: RegExpMatchArray) => Promise<RestResponse> | RestResponse;
};

export class AwsEndpoint {
  #jsonOperations = new Map<string, JsonOperation>();
  #restRoutes: RestRoute[] = [];
  #server: Server | undefined;

  /** Registers awsJson operations under their target prefix (e.g. `AWSStepFunctions`). */
  addJsonService(targetPrefix: string, operations: Record<string, JsonOperation>): void {
    for (const [name, op] of Object.entries(operations))
      this.#jsonOperations.set(`${targetPrefix}.${name}`, op);
  }

  addRestRoutes(routes: RestRoute[]): void {
    this.#restRoutes.push(...routes);
  }

  async listen(port = 0): Promise<string> {
    const started = await listen((req, res) => this.#serve(req, res), port);
    this.#server = started.server;
    return `http://127.0.0.1:${started.port}`;
  }

  close(): Promise<void> {
    return close(this.#server);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    try {
      if (typeof target === 'string') {
        const op = this.#jsonOperations.get(target);
        if (!op) throw new AwsServiceError('UnknownOperationException', `${target} is not emulated here`);
        const input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
        const output = await op(input);
        const contentType = String(req.headers['content-type'] ?? 'application/x-amz-json-1.0');
        res.writeHead(200, { 'content-type': contentType });
        res.end(JSON.stringify(output ?? {}));
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      for (const route of this.#restRoutes) {
        const match = route.method === req.method ? url.pathname.match(route.pattern) : null;
        if (!match) continue;
        const out = await route.handle(
          {
            method: req.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            body,
          },
          match,
        );
        res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
        res.end(out.body ?? '');
        return;
      }
      throw new AwsServiceError(
        'UnknownOperationException',
        `${req.method} ${url.pathname} is not emulated here`,
        404,
      );
    } catch (error) {
      const fault =
        error instanceof AwsServiceError
          ? error
          : new AwsServiceError(
              'InternalFailure',
              error instanceof Error ? error.message : String(error),
              500,
            );
      res.writeHead(fault.status, { 'content-type': 'application/json', 'x-amzn-errortype': fault.type });
      res.end(JSON.stringify({ __type: fault.type, message: fault.message, Message: fault.message }));
    }
  }
}
