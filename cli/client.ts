// The CLI's API client: JSON over fetch; requests to an AWS endpoint are signed with SigV4
// (service execute-api) with the default credential chain, as API Gateway's IAM authorizer wants.
import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: { path: string; message: string }[];

  constructor(status: number, code: string, message: string, details: { path: string; message: string }[]) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** SHA-256 (and HMAC-SHA-256) in the shape the signer wants, on node:crypto. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

class Sha256 {
  #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData) {
    this.#hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.#hash.digest());
  }
  reset() {}
}

/** API Gateway's own host names: `<api>.execute-api.<region>.amazonaws.com`. */
const AWS_API_HOST = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/;

export type ApiClient = {
  baseUrl: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
};

export function createApiClient(baseUrl: string): ApiClient {
  const base = new URL(baseUrl);
  const region = AWS_API_HOST.exec(base.hostname)?.[1];
  const signer = region
    ? new SignatureV4({ service: 'execute-api', region, credentials: defaultProvider(), sha256: Sha256 })
    : undefined;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, base);
    const text = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = { 'content-type': 'application/json', host: url.host };
    if (signer) {
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        ...(text === undefined ? {} : { body: text }),
      });
      headers = signed.headers as Record<string, string>;
    }
    const { host: _host, ...sent } = headers;
    const response = await fetch(url, {
      method,
      headers: sent,
      ...(text === undefined ? {} : { body: text }),
    });
    const raw = await response.text();
    const parsed = raw ? (JSON.parse(raw) as unknown) : null;
    if (!response.ok) {
      const error = (
        parsed as {
          error?: { code?: string; message?: string; details?: { path: string; message: string }[] };
        }
      )?.error;
      throw new ApiError(
        response.status,
        error?.code ?? 'HTTP_ERROR',
        error?.message ?? response.statusText,
        error?.details ?? [],
      );
    }
    return parsed as T;
  }

  return {
    baseUrl: base.origin,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body ?? {}),
    put: (path, body) => call('PUT', path, body),
    delete: (path) => call('DELETE', path),
  };
}
