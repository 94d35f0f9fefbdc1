// The console speaks only the public API (/v1), as any client would.
// The API's types come from the model (type-only imports: nothing of it is bundled).
import type { AttemptRecord, Instance as StoredInstance, Transition } from '../../shared/model/instance.ts';
import { apiBase, authHeaders, signInAgain } from './auth.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${apiBase()}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...authHeaders() },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 401) await signInAgain();
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : null;
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? response.statusText);
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
};

export type Page<T> = { items: T[]; cursor?: string };

export type { Transition };
export type Attempt = AttemptRecord;

/** An instance as the API answers it: the stored fields the console shows, and its diagnosis. */
export type Instance = Pick<
  StoredInstance,
  | 'id'
  | 'runId'
  | 'workflowId'
  | 'taskId'
  | 'taskName'
  | 'taskType'
  | 'dataTime'
  | 'type'
  | 'status'
  | 'owner'
  | 'folder'
  | 'resourceGroup'
  | 'cycleType'
  | 'plannedTime'
  | 'startTime'
  | 'endTime'
  | 'durationMs'
  | 'retries'
  | 'accumulatedRuns'
  | 'transitions'
  | 'error'
> & { attempts?: Attempt[]; diagnostics?: { summary: string } };

export type LogPage = {
  page: number;
  pages: number;
  lines: string[];
  search?: { q: string; total: number; matches: { page: number; line: number }[] };
};

// The API's own list of statuses (a type-only import behind it: nothing else is bundled).
export { FINISHED_STATUSES, INSTANCE_STATUSES, type InstanceStatus } from '../../shared/model/instance.ts';

export const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');
