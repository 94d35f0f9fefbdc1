// The `http` executor: one HTTP request per attempt; the response status decides success, and
// the status, headers and body (parsed when JSON) become the attempt's outputs.
import { z } from 'zod';
import type { AttemptLogs, AttemptResult, Executor } from '../ports/executor.ts';
import type { HostGuard } from './host-guard.ts';
import { invalidConfig } from './invalid-config.ts';

/** A call the stack's allow-list refuses: another attempt would be refused the same way. */
class HostNotAllowedError extends Error {}

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

/** Outputs are stored with the instance and passed to templates, so a body is kept small. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
/** How much of a response body a failure message quotes. */
const ERROR_EXCERPT_CHARS = 500;
/** How much of a response body the exchange log shows. */
const LOG_EXCERPT_CHARS = 4096;
/** Header names whose values are secrets: never written to logs. */
const SECRET_HEADER = /authorization|cookie|api[-_]?key|token|secret|password|signature/i;

export const httpTaskConfigSchema = z
  .strictObject({
    method: z.enum(HTTP_METHODS).default('GET'),
    url: z
      // Not z.httpUrl(): it demands a dotted domain, and localhost or a bare service name is valid here.
      .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
      // fetch refuses such URLs; saying so here beats a confusing network error later.
      .refine((url) => !/^[a-z]+:\/\/[^/?#]*@/i.test(url), 'credentials in the URL are not supported'),
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~\w-]+$/, 'not a valid header name'),
        z.string().regex(/^[^\r\n\0]*$/, 'a header value cannot contain line breaks'),
      )
      .optional(),
    body: z.json().optional(),
    timeoutSeconds: z.number().positive().max(86_400).optional(),
    successStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  })
  .refine((config) => config.body === undefined || (config.method !== 'GET' && config.method !== 'HEAD'), {
    message: 'a GET or HEAD request cannot have a body',
    path: ['body'],
  });

export type HttpTaskConfig = z.output<typeof httpTaskConfigSchema>;

/** The most redirects followed, one by one, when an allow-list checks each hop. */
const MAX_REDIRECTS = 5;

export function createHttpExecutor(
  options: {
    fetch?: typeof fetch;
    maxBodyBytes?: number;
    /** The stack's allow-list (absent: any host). Every redirect is checked too. */
    hostGuard?: HostGuard;
  } = {},
): Executor {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const guard = options.hostGuard;
  /** fetch, with each hop of a redirect chain checked against the allow-list. */
  const guardedFetch = async (url: string, init: RequestInit, log: string[]): Promise<Response> => {
    if (!guard) return fetchImpl(url, init);
    let target = new URL(url);
    let request = init;
    for (let hop = 0; ; hop++) {
      const refused = await guard(target);
      if (refused) throw new HostNotAllowedError(`${request.method ?? 'GET'} ${target.href}: ${refused}`);
      const response = await fetchImpl(target.href, { ...request, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      if (hop === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
      log.push(`< ${response.status} ${response.statusText}`, `< location: ${location}`, '<');
      await response.body?.cancel().catch(() => undefined);
      const next = new URL(location, target);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new Error(`a redirect to ${next.protocol} is not followed`);
      }
      // As fetch does: credentials go to the origin they were meant for, never to another.
      if (next.origin !== target.origin) {
        const headers = new Headers(request.headers);
        for (const name of ['authorization', 'cookie', 'proxy-authorization']) headers.delete(name);
        request = { ...request, headers };
      }
      target = next;
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without a body.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && request.method === 'POST')
      ) {
        const { body: _body, ...rest } = request;
        request = { ...rest, method: 'GET' };
      }
      log.push(`> ${request.method ?? 'GET'} ${target.href}`, '>');
    }
  };
  return {
    async execute({ config: rawConfig, signal }) {
      const parsed = httpTaskConfigSchema.safeParse(rawConfig);
      if (!parsed.success) return invalidConfig(parsed.error);
      const config = parsed.data;
      const request = buildRequest(config);
      const log = [`> ${config.method} ${config.url}`, ...headerLines('>', request.headers), '>'];
      const started = Date.now();
      const result = (
        failure: { code: string; message: string } | null,
        outputs: Record<string, unknown> = {},
      ): AttemptResult => {
        const metrics = { duration: Date.now() - started };
        const logs: AttemptLogs = { stdout: `${log.join('\n')}\n` };
        return failure
          ? { status: 'FAILED', error: failure, metrics, logs }
          : { status: 'SUCCESS', outputs, metrics, logs };
      };

      const signals = [signal];
      if (config.timeoutSeconds !== undefined)
        signals.push(AbortSignal.timeout(config.timeoutSeconds * 1000));
      const combined = AbortSignal.any(signals);
      let response: Response;
      let body: { text: string; truncated: boolean };
      try {
        response = await guardedFetch(
          config.url,
          {
            method: config.method,
            headers: request.headers,
            ...(request.body === undefined ? {} : { body: request.body }),
            signal: combined,
          },
          log,
        );
        log.push(`< ${response.status} ${response.statusText}`, ...headerLines('<', response.headers), '<');
        // The body is read under the same signal: a server that stalls mid-body still times out.
        body = await readCapped(response, maxBodyBytes);
      } catch (error) {
        if (combined.aborted) {
          const why = signal.aborted
            ? `the attempt was aborted (${describe(signal.reason)})`
            : `no complete response within config.timeoutSeconds (${config.timeoutSeconds} s)`;
          log.push(`! ${why}`);
          return result({ code: 'TIMEOUT', message: `${config.method} ${config.url}: ${why}` });
        }
        if (error instanceof HostNotAllowedError) {
          log.push(`! ${error.message}`);
          return { ...result({ code: 'HTTP_HOST_NOT_ALLOWED', message: error.message }), retryable: false };
        }
        const message = describe(error);
        log.push(`! ${message}`);
        return result({ code: 'HTTP_NETWORK_ERROR', message: `${config.method} ${config.url}: ${message}` });
      }

      const excerpt = body.text.slice(0, LOG_EXCERPT_CHARS);
      if (excerpt) log.push(excerpt);
      if (body.truncated || body.text.length > LOG_EXCERPT_CHARS) log.push('[body truncated]');

      const succeeded = config.successStatus
        ? config.successStatus.includes(response.status)
        : response.status >= 200 && response.status < 300;
      if (!succeeded) {
        const quoted = body.text.slice(0, ERROR_EXCERPT_CHARS);
        return result({
          code: `HTTP_${response.status}`,
          message:
            `${config.method} ${config.url} returned ${response.status} ${response.statusText}` +
            (quoted ? `: ${quoted}${body.text.length > ERROR_EXCERPT_CHARS ? '…' : ''}` : ''),
        });
      }
      return result(null, {
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: decodeBody(response.headers.get('content-type'), body),
        ...(body.truncated ? { bodyTruncated: true } : {}),
      });
    },
  };
}

function buildRequest(config: HttpTaskConfig): { headers: Headers; body?: string } {
  const headers = new Headers(config.headers);
  if (config.body === undefined) return { headers };
  // A string with an explicit content type is a pre-encoded body (form data, XML, CSV...).
  if (typeof config.body === 'string' && headers.has('content-type')) return { headers, body: config.body };
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return { headers, body: JSON.stringify(config.body) };
}

function decodeBody(contentType: string | null, body: { text: string; truncated: boolean }): unknown {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  // A truncated document cannot parse; it is kept as text, flagged by `bodyTruncated`.
  if (body.truncated || !/^[\w.-]+\/([\w.-]+\+)?json$/.test(mime)) return body.text;
  try {
    return JSON.parse(body.text);
  } catch {
    return body.text;
  }
}

/** Reads at most `maxBytes` of the body, then cancels the stream instead of downloading the rest. */
async function readCapped(
  response: Response,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

function headerLines(prefix: string, headers: Headers): string[] {
  return [...headers].map(
    ([name, value]) => `${prefix} ${name}: ${SECRET_HEADER.test(name) ? '[redacted]' : value}`,
  );
}

/** fetch reports network faults as `TypeError: fetch failed` with the reason in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
