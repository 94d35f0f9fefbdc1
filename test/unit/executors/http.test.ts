import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostGuard } from '#shared/executors/host-guard.ts';
import { createHttpExecutor } from '#shared/executors/http.ts';
import type { AttemptResult } from '#shared/ports/executor.ts';
import { runningInstance } from '../../support/instances.ts';

const instance = () => runningInstance('inst-1', 'call', 'http');

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  switch (url.pathname) {
    case '/json':
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-trace': 'abc' });
      res.end(JSON.stringify({ ok: true, items: [1, 2] }));
      return;
    case '/text':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello, world');
      return;
    case '/fail':
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('database exploded at row 42');
      return;
    case '/not-found':
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"missing":true}');
      return;
    case '/echo':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, headers: req.headers, body: await readBody(req) }));
      return;
    case '/redirect':
      // Where to is the query's `to`: another path here, or an address outside.
      res.writeHead(Number(url.searchParams.get('status') ?? 302), {
        location: url.searchParams.get('to') ?? '/json',
      });
      res.end();
      return;
    case '/slow':
      // Answers long after any timeout a test sets; afterAll cuts the connection.
      setTimeout(() => res.end('late'), 20_000).unref();
      return;
    default:
      res.writeHead(418);
      res.end();
  }
}

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function run(
  config: Record<string, unknown>,
  options: { signal?: AbortSignal; maxBodyBytes?: number; allowedHosts?: string[] } = {},
): Promise<AttemptResult> {
  const executor = createHttpExecutor({
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.allowedHosts ? { hostGuard: createHostGuard(options.allowedHosts) } : {}),
  });
  return executor.execute({
    instance: instance(),
    attempt: 1,
    config,
    parameters: {},
    upstreamOutputs: {},
    signal: options.signal ?? new AbortController().signal,
  });
}

function failure(result: AttemptResult): { code: string; message: string } {
  if (result.status !== 'FAILED') throw new Error(`expected FAILED, got ${JSON.stringify(result)}`);
  return result.error;
}

describe('http executor', () => {
  it('returns status, headers and the parsed body of a JSON response', async () => {
    const result = await run({ url: `${base}/json` });
    expect(result).toMatchObject({
      status: 'SUCCESS',
      outputs: {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'x-trace': 'abc' },
        body: { ok: true, items: [1, 2] },
      },
    });
    expect(result.metrics.duration).toBeGreaterThanOrEqual(0);
    expect(result.logs?.stdout).toContain(`> GET ${base}/json`);
    expect(result.logs?.stdout).toContain('< 200 OK');
    expect(result.logs?.stdout).toContain('< x-trace: abc');
    expect(result.logs?.stdout).toContain('{"ok":true,"items":[1,2]}');
  });

  it('keeps a non-JSON body as text, truncated to maxBodyBytes', async () => {
    const full = await run({ url: `${base}/text` });
    expect(full).toMatchObject({ status: 'SUCCESS', outputs: { status: 200, body: 'hello, world' } });
    if (full.status === 'SUCCESS') expect(full.outputs).not.toHaveProperty('bodyTruncated');

    const cut = await run({ url: `${base}/text` }, { maxBodyBytes: 5 });
    expect(cut).toMatchObject({ status: 'SUCCESS', outputs: { body: 'hello', bodyTruncated: true } });
  });

  it('fails with HTTP_<status> and quotes the body on a non-2xx response', async () => {
    const result = await run({ url: `${base}/fail` });
    const error = failure(result);
    expect(error.code).toBe('HTTP_500');
    expect(error.message).toContain('database exploded at row 42');
    expect(result.logs?.stdout).toContain('< 500 Internal Server Error');
  });

  it('treats exactly the statuses of successStatus as success', async () => {
    const accepted = await run({ url: `${base}/not-found`, successStatus: [404] });
    expect(accepted).toMatchObject({ status: 'SUCCESS', outputs: { status: 404, body: { missing: true } } });

    // A 2xx outside the list fails once the list is given.
    expect(failure(await run({ url: `${base}/json`, successStatus: [201] })).code).toBe('HTTP_200');
  });

  it('sends the configured method, headers and a JSON-encoded body', async () => {
    const result = await run({
      method: 'POST',
      url: `${base}/echo`,
      headers: { 'X-Custom': 'yes' },
      body: { name: 'rondo', n: 3 },
    });
    expect(result).toMatchObject({
      status: 'SUCCESS',
      outputs: {
        body: {
          method: 'POST',
          headers: { 'x-custom': 'yes', 'content-type': 'application/json' },
          body: '{"name":"rondo","n":3}',
        },
      },
    });
  });

  it('sends a string body as is when a content-type header is given', async () => {
    const result = await run({
      method: 'PUT',
      url: `${base}/echo`,
      headers: { 'content-type': 'text/csv' },
      body: 'a,b\n1,2',
    });
    expect(result).toMatchObject({
      status: 'SUCCESS',
      outputs: { body: { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: 'a,b\n1,2' } },
    });
  });

  it('redacts secret request headers in the log but still sends them', async () => {
    const result = await run({
      url: `${base}/echo`,
      headers: { Authorization: 'Bearer s3cr3t', 'X-Api-Key': 'k3y', Accept: 'application/json' },
    });
    expect(result).toMatchObject({
      status: 'SUCCESS',
      outputs: { body: { headers: { authorization: 'Bearer s3cr3t', 'x-api-key': 'k3y' } } },
    });
    const log = result.logs?.stdout ?? '';
    expect(log).toContain('> authorization: [redacted]');
    expect(log).toContain('> x-api-key: [redacted]');
    expect(log).toContain('> accept: application/json');
    // The echoed body quotes the secret (the server's choice); only request lines are ours.
    expect(log.split('\n').filter((line) => line.startsWith('>') && line.includes('s3cr3t'))).toEqual([]);
  });

  it('times out after config.timeoutSeconds', async () => {
    const result = await run({ url: `${base}/slow`, timeoutSeconds: 0.2 });
    const error = failure(result);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('timeoutSeconds');
  });

  it('stops when the request signal aborts, before or during the exchange', async () => {
    expect(failure(await run({ url: `${base}/json` }, { signal: AbortSignal.abort() })).code).toBe('TIMEOUT');

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('instance terminated')), 100);
    const error = failure(await run({ url: `${base}/slow` }, { signal: controller.signal }));
    expect(error).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('instance terminated') });
  });

  it('reports a refused connection as HTTP_NETWORK_ERROR', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await run({ url: `http://127.0.0.1:${port}/` });
    const error = failure(result);
    expect(error.code).toBe('HTTP_NETWORK_ERROR');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('refuses an invalid config with INVALID_TASK_CONFIG naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'config.url'],
      [{ url: 'ftp://example.com/file' }, 'config.url'],
      [{ url: `${base}/json`, method: 'FETCH' }, 'config.method'],
      [{ url: `${base}/json`, headers: { 'x-n': 5 } }, 'config.headers.x-n'],
      [{ url: `${base}/json`, body: { a: 1 } }, 'config.body'],
      [{ url: `${base}/json`, successStatus: [] }, 'config.successStatus'],
      [{ url: `${base}/json`, timeoutSeconds: -1 }, 'config.timeoutSeconds'],
    ];
    for (const [config, path] of cases) {
      const error = failure(await run(config));
      expect(error.code, JSON.stringify(config)).toBe('INVALID_TASK_CONFIG');
      expect(error.message, JSON.stringify(config)).toContain(path);
    }
  });

  describe('with an allow-list', () => {
    it('calls an allowed host, and follows a redirect that stays allowed', async () => {
      expect(await run({ url: `${base}/json` }, { allowedHosts: ['127.0.0.1'] })).toMatchObject({
        status: 'SUCCESS',
        outputs: { body: { ok: true } },
      });
      const redirected = await run({ url: `${base}/redirect?to=/json` }, { allowedHosts: ['127.0.0.0/8'] });
      expect(redirected).toMatchObject({ status: 'SUCCESS', outputs: { body: { ok: true } } });
      expect(redirected.logs?.stdout).toContain('< location: /json');
    });

    it('refuses a host outside it before connecting, with HTTP_HOST_NOT_ALLOWED and no retry', async () => {
      const result = await run(
        { url: 'http://10.1.2.3:9/admin' },
        { allowedHosts: ['127.0.0.1', '*.example.com'] },
      );
      expect(failure(result)).toEqual({
        code: 'HTTP_HOST_NOT_ALLOWED',
        message: 'GET http://10.1.2.3:9/admin: address 10.1.2.3 is not in the allow-list',
      });
      expect(result).toMatchObject({ retryable: false });
    });

    it('keeps credentials to their origin on a redirect, as fetch does', async () => {
      const elsewhere = encodeURIComponent(`${base.replace('127.0.0.1', 'localhost')}/echo`);
      const result = await run(
        {
          url: `${base}/redirect?status=307&to=${elsewhere}`,
          headers: { authorization: 'Bearer t0ken', 'x-trace': 'kept' },
        },
        { allowedHosts: ['127.0.0.1', 'localhost'] },
      );
      if (result.status !== 'SUCCESS') throw new Error(JSON.stringify(result));
      const echoed = (result.outputs.body as { headers: Record<string, string> }).headers;
      expect(echoed.authorization).toBeUndefined();
      expect(echoed['x-trace']).toBe('kept');
    });

    it('refuses a redirect that leaves it, which fetch alone would have followed', async () => {
      const to = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
      const result = await run(
        { url: `${base}/redirect?status=307&to=${to}` },
        { allowedHosts: ['127.0.0.1'] },
      );
      expect(failure(result).code).toBe('HTTP_HOST_NOT_ALLOWED');
      expect(failure(result).message).toContain('169.254.169.254 is not in the allow-list');
    });
  });
});
