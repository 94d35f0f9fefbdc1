// What integration tests share: the runtime's addresses, an API client and a poller.
import { inject } from 'vitest';
import { main } from '#cli/rondo.ts';
import type { RuntimeInfo } from './global-setup.ts';

export const runtime = (): RuntimeInfo => inject('runtime');

/** AWS SDK client settings that reach the runtime's emulators. */
export function localAws(service: 'dynamodb' | 'sqs' | 'aws') {
  const info = runtime();
  const endpoint = { dynamodb: info.dynamoDbEndpoint, sqs: info.sqsEndpoint, aws: info.awsEndpoint }[service];
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'rondolocal', secretAccessKey: 'rondolocal' },
  };
}

export type ApiResponse<T> = { status: number; body: T };

export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: { body?: unknown; user?: string; rawBody?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.user) headers['x-rondo-user'] = options.user;
  const response = await fetch(`${runtime().apiUrl}${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A unique suffix so tests sharing one runtime never collide. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** The `rondo` CLI in process (its `main`), against the runtime: exit code and what it printed. */
export async function rondo(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const printed = { out: '', err: '' };
  const code = await main(argv, {
    out: { write: (text) => (printed.out += text) },
    err: { write: (text) => (printed.err += text) },
    env: { RONDO_API_URL: runtime().apiUrl },
  });
  return { code, ...printed };
}
