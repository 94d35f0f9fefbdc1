// Local API Gateway HTTP API: each request becomes a payload-2.0 event with an IAM-shaped
// identity in the authorizer context, handed to the same API handler as in AWS. The
// identity is the development identity, or the user named by `X-Rondo-User` (local only:
// API Gateway in AWS takes identity from IAM or JWT and the handler never reads the header).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LOCAL_ACCOUNT } from './constants.ts';
import { close, listen, readBody } from './http-server.ts';
import type { LocalLambdaService } from './lambda-service.ts';

export const LOCAL_USER_HEADER = 'x-rondo-user';

export type ApiGatewayOptions = {
  lambda: LocalLambdaService;
  functionName: string;
  developmentIdentity: string;
  /** Requests outside the API (e.g. the console's static files) go here when given. */
  fallback?: (req: IncomingMessage, res: ServerResponse) => boolean;
};

const TEXT_TYPES = /^(application\/(json|xml|x-www-form-urlencoded|yaml)|text\/)/;

export function toHttpApiEvent(
  req: { method: string; url: string; headers: IncomingMessage['headers']; remoteAddress?: string },
  body: Buffer,
  user: string,
): APIGatewayProxyEventV2 {
  const url = new URL(req.url, 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const isText = body.length === 0 || TEXT_TYPES.test(headers['content-type'] ?? 'application/json');
  const now = new Date();
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: headers.cookie ? headers.cookie.split(';').map((c) => c.trim()) : undefined,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: {
        iam: {
          accessKey: 'LOCAL',
          accountId: LOCAL_ACCOUNT,
          callerId: user,
          principalOrgId: null,
          userArn: `arn:aws:iam::${LOCAL_ACCOUNT}:user/${user}`,
          userId: user,
          cognitoIdentity: null,
        },
      },
    },
    body: body.length ? (isText ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !isText,
  };
  return event as unknown as APIGatewayProxyEventV2;
}

export class LocalApiGateway {
  readonly #options: ApiGatewayOptions;
  #server: Server | undefined;

  constructor(options: ApiGatewayOptions) {
    this.#options = options;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const started = await listen((req, res) => this.#serve(req, res), port, host);
    this.#server = started.server;
    return started.port;
  }

  close(): Promise<void> {
    return close(this.#server);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only this machine's names: a page served elsewhere cannot reach the API through DNS rebinding.
    if (!isLoopbackHost(req.headers.host)) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            code: 'FORBIDDEN_HOST',
            message: 'The embedded runtime answers loopback hosts only',
            details: [],
          },
        }),
      );
      return;
    }
    if (this.#options.fallback?.(req, res)) return;
    const body = await readBody(req);
    const userHeader = req.headers[LOCAL_USER_HEADER];
    const user = (typeof userHeader === 'string' && userHeader.trim()) || this.#options.developmentIdentity;
    const event = toHttpApiEvent(
      {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
      },
      body,
      user,
    );
    try {
      const result = await this.#options.lambda.invoke(this.#options.functionName, event);
      writeResult(res, result);
    } catch (error) {
      // API Gateway answers 500 "Internal Server Error" when the integration fails.
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
      console.error('API handler failed:', error);
    }
  }
}

/** Payload 2.0 response rules: a structured result, or any other value as a 200 JSON body. */
function writeResult(res: ServerResponse, result: unknown): void {
  const structured =
    result !== null && typeof result === 'object' && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(structured.headers ?? {})) headers[k] = String(v);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  res.writeHead(structured.statusCode ?? 200, headers);
  const body = structured.body ?? '';
  res.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

/** `127.0.0.1`, `localhost` or `[::1]`, with any port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}
