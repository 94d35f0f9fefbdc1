// The embedded runtime's static server for the console: files of the build, the app for any
// other path, nothing outside the folder (a sibling folder with a similar name included).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveConsole } from '#local/console.ts';

function get(serve: ReturnType<typeof serveConsole>, url: string, method = 'GET') {
  const sent: { status?: number; headers?: Record<string, string>; body?: string } = {};
  const res = {
    writeHead(status: number, headers: Record<string, string>) {
      sent.status = status;
      sent.headers = headers;
    },
    end(body?: Buffer | string) {
      sent.body = body === undefined ? undefined : String(body);
    },
  } as unknown as ServerResponse;
  const handled = serve({ url, method } as IncomingMessage, res);
  return { handled, ...sent };
}

describe('console static files', () => {
  const root = mkdtempSync(join(tmpdir(), 'rondo-console-'));
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html>app');
  writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
  mkdirSync(join(root, 'dist-secret'));
  writeFileSync(join(root, 'dist-secret', 'key.txt'), 'secret');
  const serve = serveConsole(dist);

  it('serves built files with their type, and the app for any other path', () => {
    expect(get(serve, '/assets/app.js')).toMatchObject({
      handled: true,
      status: 200,
      body: 'console.log(1)',
    });
    expect(get(serve, '/assets/app.js').headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect(get(serve, '/instances/anything')).toMatchObject({ status: 200, body: '<!doctype html>app' });
    expect(get(serve, '/%E0%A4%A')).toMatchObject({ status: 200, body: '<!doctype html>app' });
  });

  it('leaves the API and writes to the API handler', () => {
    expect(get(serve, '/v1/instances').handled).toBe(false);
    expect(get(serve, '/', 'POST').handled).toBe(false);
  });

  it('never serves a file outside the build, not even from a sibling folder named like it', () => {
    expect(get(serve, '/../dist-secret/key.txt').body).toBe('<!doctype html>app');
    expect(get(serve, '/..%2fdist-secret%2fkey.txt').body).toBe('<!doctype html>app');
  });
});
