// Read paths of the operations API.
import { NotFoundError, ValidationError } from '../errors.ts';
import type { EventInstance, EventInstanceStatus } from '../model/event-instance.ts';
import { childRunId } from '../model/ids.ts';
import { currentAttempt, type Instance, type InstanceStatus, type RunType } from '../model/instance.ts';
import type { Run } from '../model/run.ts';
import type { CycleType } from '../model/workflow.ts';
import type { Page, StoredWorkflow } from '../ports/store.ts';
import type { EngineDeps } from './deps.ts';

/**
 * Without a data-time range, a workflow's instances are listed over all time, and all
 * instances over the last DEFAULT_LIST_DAYS days of data times (and tomorrow's).
 */
export const DEFAULT_LIST_DAYS = 30;
export const MAX_PAGE_SIZE = 500;
const ALL_TIME = { from: '0000-01-01T00:00:00.000Z', to: '9999-12-31T23:59:59.999Z' };

export type InstanceFilters = {
  workflowId?: string;
  dataTimeFrom?: string;
  dataTimeTo?: string;
  /** Task name or id, or instance id: a case-insensitive part of any. */
  q?: string;
  startFrom?: string;
  startTo?: string;
  owner?: string;
  /** A folder and everything below it. */
  folder?: string;
  status?: InstanceStatus[];
  type?: RunType;
  taskType?: Instance['taskType'];
  resourceGroup?: string;
  cycleType?: CycleType;
  limit?: number;
  cursor?: string;
  /** A check of its own (what the caller may see), after the filters. */
  accept?: (instance: Instance) => Promise<boolean>;
};

/**
 * The most index entries one list request reads to fill a page of filtered instances; past
 * it, the page comes back short with a cursor to go on from (so a rare filter never makes a
 * request run long).
 */
export const MAX_SCANNED_PER_PAGE = 2_000;

/**
 * Instances newest data time first, from the by-workflow index (with `workflowId`) or the
 * by-day index (otherwise, over a data-time range), with the filters of seed 000 applied to
 * what the index query reads. `scanned` says how many were read for this page.
 */
export async function listInstances(
  deps: Pick<EngineDeps, 'store' | 'clock'>,
  filters: InstanceFilters,
): Promise<Page<Instance> & { scanned: number }> {
  const now = deps.clock.now().getTime();
  const limit = Math.min(filters.limit ?? 50, MAX_PAGE_SIZE);
  const matches = instanceMatcher(filters);
  const items: Instance[] = [];
  let cursor = filters.cursor;
  let scanned = 0;
  do {
    // Never more than the page still needs: the store's cursor then resumes right after the last one kept.
    const page = await deps.store.listInstances({
      workflowId: filters.workflowId,
      dataTimeFrom:
        filters.dataTimeFrom ??
        (filters.workflowId ? ALL_TIME.from : new Date(now - DEFAULT_LIST_DAYS * 86_400_000).toISOString()),
      dataTimeTo:
        filters.dataTimeTo ?? (filters.workflowId ? ALL_TIME.to : new Date(now + 86_400_000).toISOString()),
      limit: limit - items.length,
      cursor,
    });
    scanned += page.items.length;
    for (const instance of page.items.filter(matches)) {
      if (!filters.accept || (await filters.accept(instance))) items.push(instance);
    }
    cursor = page.cursor;
  } while (cursor && items.length < limit && scanned < MAX_SCANNED_PER_PAGE);
  return { items, scanned, ...(cursor ? { cursor } : {}) };
}

function instanceMatcher(filters: InstanceFilters): (instance: Instance) => boolean {
  const q = filters.q?.toLowerCase();
  const statuses = filters.status?.length ? new Set(filters.status) : undefined;
  const folder = filters.folder?.replace(/\/+$/, '');
  return (i) =>
    (!q || [i.taskName, i.taskId, i.id].some((text) => text.toLowerCase().includes(q))) &&
    (!statuses || statuses.has(i.status)) &&
    (!filters.owner || i.owner === filters.owner) &&
    (!folder || i.folder === folder || i.folder.startsWith(`${folder}/`) || folder === '') &&
    (!filters.type || i.type === filters.type) &&
    (!filters.taskType || i.taskType === filters.taskType) &&
    (!filters.resourceGroup || i.resourceGroup === filters.resourceGroup) &&
    (!filters.cycleType || i.cycleType === filters.cycleType) &&
    (!filters.startFrom || (i.startTime !== undefined && i.startTime >= filters.startFrom)) &&
    (!filters.startTo || (i.startTime !== undefined && i.startTime <= filters.startTo));
}

/** The columns of seed 000's instance list, in its order, for the CSV download. */
export const INSTANCE_CSV_COLUMNS = [
  'taskName',
  'id',
  'dataTime',
  'status',
  'type',
  'owner',
  'workflowId',
  'taskType',
  'plannedTime',
  'startTime',
  'endTime',
  'durationMs',
  'resourceGroup',
  'retries',
  'accumulatedRuns',
  'folder',
  'cycleType',
] as const;

/** The most rows one CSV download carries (narrow the filters for more). */
export const MAX_CSV_ROWS = 10_000;

/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Every instance the filters select (up to MAX_CSV_ROWS), as CSV with a header line. */
export async function instancesCsv(
  deps: Pick<EngineDeps, 'store' | 'clock'>,
  filters: Omit<InstanceFilters, 'limit' | 'cursor'>,
): Promise<{ csv: string; rows: number; truncated: boolean }> {
  const lines = [INSTANCE_CSV_COLUMNS.join(',')];
  let cursor: string | undefined;
  let rows = 0;
  do {
    const page = await listInstances(deps, {
      ...filters,
      limit: MAX_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    for (const instance of page.items) {
      if (rows >= MAX_CSV_ROWS) break;
      lines.push(INSTANCE_CSV_COLUMNS.map((column) => csvField(instance[column])).join(','));
      rows++;
    }
    cursor = page.cursor;
  } while (cursor && rows < MAX_CSV_ROWS);
  return { csv: `${lines.join('\r\n')}\r\n`, rows, truncated: cursor !== undefined };
}

export async function getInstance(deps: Pick<EngineDeps, 'store'>, id: string): Promise<Instance> {
  const instance = await deps.store.getInstance(id);
  if (!instance) throw new NotFoundError('instance', id);
  return instance;
}

export type IterationView = {
  id: string;
  index: number;
  item: unknown;
  status: Instance['status'];
  retries: number;
  accumulatedRuns: number;
  attempts: Instance['attempts'];
  startTime?: string;
  endTime?: string;
  durationMs?: number;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  /** A subworkflow body's child run (of the iteration's latest attempt): the DAG the iteration opens. */
  childRunId?: string;
};

/**
 * A for-each instance's traversal list: its iterations of one attempt (the latest by
 * default), in index order, a page at a time.
 */
export async function listIterations(
  deps: Pick<EngineDeps, 'store'>,
  foreachInstanceId: string,
  filters: { attempt?: number; limit?: number; cursor?: string },
): Promise<Page<IterationView> & { attempt: number }> {
  const foreach = await getInstance(deps, foreachInstanceId);
  if (foreach.taskType !== 'foreach') {
    throw new ValidationError(
      `instance '${foreachInstanceId}' is a ${foreach.taskType} task, not a foreach`,
      [{ path: 'id', code: 'NOT_A_FOREACH', message: 'only foreach instances have iterations' }],
    );
  }
  const attempt = filters.attempt ?? currentAttempt(foreach);
  const page = await deps.store.listIterations(
    foreach.id,
    attempt,
    Math.min(filters.limit ?? 100, MAX_PAGE_SIZE),
    filters.cursor,
  );
  return {
    attempt,
    items: page.items.map(iterationView),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

function iterationView(iteration: Instance): IterationView {
  const workflow = iteration.taskType === 'subworkflow' ? iteration.task.config.workflow : undefined;
  const attempt = currentAttempt(iteration);
  return {
    id: iteration.id,
    index: iteration.iteration?.index ?? 0,
    item: iteration.iteration?.item ?? null,
    status: iteration.status,
    retries: iteration.retries,
    accumulatedRuns: iteration.accumulatedRuns,
    attempts: iteration.attempts,
    ...(iteration.startTime ? { startTime: iteration.startTime } : {}),
    ...(iteration.endTime ? { endTime: iteration.endTime } : {}),
    ...(iteration.durationMs !== undefined ? { durationMs: iteration.durationMs } : {}),
    ...(iteration.outputs ? { outputs: iteration.outputs } : {}),
    ...(iteration.error ? { error: iteration.error } : {}),
    ...(typeof workflow === 'string' && attempt > 0
      ? { childRunId: childRunId(workflow, iteration.id, attempt) }
      : {}),
  };
}

/** Instances included in a run read; a larger run pages on with `instancesCursor`. */
export const RUN_INSTANCES_PAGE = 500;

export async function getRun(
  deps: Pick<EngineDeps, 'store'>,
  id: string,
  instancesCursor?: string,
): Promise<Run & { instances: Instance[]; instancesCursor?: string }> {
  const run = await deps.store.getRun(id);
  if (!run) throw new NotFoundError('run', id);
  const page = await deps.store.listRunInstances(id, RUN_INSTANCES_PAGE, instancesCursor);
  return { ...run, instances: page.items, ...(page.cursor ? { instancesCursor: page.cursor } : {}) };
}

export async function getWorkflow(deps: Pick<EngineDeps, 'store'>, id: string): Promise<StoredWorkflow> {
  const workflow = await deps.store.getWorkflow(id);
  if (!workflow) throw new NotFoundError('workflow', id);
  return workflow;
}

export const LOG_STREAMS = ['stdout', 'stderr', 'engine'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

export type LogMatch = {
  /** 1-based page and line within the page (500 lines a page). */
  page: number;
  line: number;
  /** Where the search text occurs in the line: [start, end) character offsets. */
  positions: [number, number][];
};

export type LogPage = {
  instanceId: string;
  attempt: number;
  stream: LogStream;
  page: number;
  pages: number;
  lines: string[];
  /** With `q`: every match in the whole stream (at most MAX_LOG_MATCHES), and their count. */
  search?: { q: string; total: number; matches: LogMatch[]; truncated: boolean };
};

const ENDED: Partial<Record<string, string>> = {
  SUCCESS: 'succeeded',
  FAILED: 'failed',
  TERMINATED: 'was terminated',
};

/** The most matches a search returns (the count goes on). */
export const MAX_LOG_MATCHES = 1_000;

/**
 * One page (500 lines) of an attempt's log. `stdout`/`stderr` are what the executor wrote;
 * `engine` is Rondo's own lifecycle of the attempt, derived from its records (no storage).
 */
export async function readAttemptLog(
  deps: Pick<EngineDeps, 'store'>,
  instanceId: string,
  attemptNumber: number,
  stream: LogStream,
  page: number,
  q?: string,
): Promise<LogPage> {
  const instance = await getInstance(deps, instanceId);
  const attempt = instance.attempts.find((a) => a.number === attemptNumber);
  if (!attempt) throw new NotFoundError('attempt', `${instanceId}#${attemptNumber}`);
  if (stream === 'engine') {
    const lines = [
      `${attempt.startTime} attempt ${attempt.number} started (${attempt.trigger.toLowerCase()})`,
      ...(attempt.endTime
        ? [
            `${attempt.endTime} attempt ${attempt.number} ${ENDED[attempt.status] ?? 'ended'}` +
              (attempt.error ? `: ${attempt.error.code}: ${attempt.error.message}` : ''),
          ]
        : []),
    ];
    const result: LogPage = { instanceId, attempt: attemptNumber, stream, page: 1, pages: 1, lines };
    return q ? { ...result, search: searchLines([lines], q) } : result;
  }
  const stored = attempt.logStreams?.find((s) => s.stream === stream);
  const pages = stored?.chunks ?? 0;
  const lines =
    stored && page >= 1 && page <= pages
      ? await deps.store.getAttemptLogChunk(instanceId, attemptNumber, stream, page - 1)
      : [];
  const result: LogPage = { instanceId, attempt: attemptNumber, stream, page, pages, lines };
  if (!q) return result;
  const chunks: string[][] = [];
  for (let chunk = 0; chunk < pages; chunk++) {
    chunks.push(
      chunk === page - 1
        ? lines
        : await deps.store.getAttemptLogChunk(instanceId, attemptNumber, stream, chunk),
    );
  }
  return { ...result, search: searchLines(chunks, q) };
}

/** Every line of the pages that contains `q` (any case), with where. */
function searchLines(pages: string[][], q: string): NonNullable<LogPage['search']> {
  const needle = q.toLowerCase();
  const matches: LogMatch[] = [];
  let total = 0;
  pages.forEach((lines, chunk) => {
    lines.forEach((text, i) => {
      const positions = occurrences(text.toLowerCase(), needle);
      if (positions.length === 0) return;
      total++;
      if (matches.length < MAX_LOG_MATCHES) matches.push({ page: chunk + 1, line: i + 1, positions });
    });
  });
  return { q, total, matches, truncated: total > matches.length };
}

/** Where `needle` occurs in `text` (case already folded), without overlaps. */
function occurrences(text: string, needle: string): [number, number][] {
  const found: [number, number][] = [];
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
    found.push([at, at + needle.length]);
  }
  return found;
}

/** The largest log download (a Lambda response is at most 6 MB); a longer log is cut with a note. */
export const MAX_LOG_DOWNLOAD_BYTES = 5 * 1024 * 1024;

/** One stream of an attempt's log as text, every page. */
export async function downloadAttemptLog(
  deps: Pick<EngineDeps, 'store'>,
  instanceId: string,
  attemptNumber: number,
  stream: LogStream,
): Promise<{ text: string; truncated: boolean }> {
  const first = await readAttemptLog(deps, instanceId, attemptNumber, stream, 1);
  const parts: string[] = [...first.lines];
  if (stream === 'engine') return { text: parts.length ? `${parts.join('\n')}\n` : '', truncated: false };
  let bytes = Buffer.byteLength(parts.join('\n'));
  for (let page = 2; page <= first.pages; page++) {
    const lines = await deps.store.getAttemptLogChunk(instanceId, attemptNumber, stream, page - 1);
    const size = Buffer.byteLength(lines.join('\n')) + 1;
    if (bytes + size > MAX_LOG_DOWNLOAD_BYTES) {
      parts.push(
        `[rondo] log cut at ${MAX_LOG_DOWNLOAD_BYTES} bytes: read the rest page by page (from page ${page} of ${first.pages})`,
      );
      return { text: `${parts.join('\n')}\n`, truncated: true };
    }
    parts.push(...lines);
    bytes += size;
  }
  return { text: parts.length ? `${parts.join('\n')}\n` : '', truncated: false };
}

export type RunFilters = {
  workflowId?: string;
  backfillId?: string;
  type?: Run['type'];
  status?: Run['status'];
  limit?: number;
  cursor?: string;
};

/** Runs of a workflow (or of a backfill), newest first: an index query, never a scan. */
export async function listRuns(deps: Pick<EngineDeps, 'store'>, filters: RunFilters): Promise<Page<Run>> {
  const workflowId =
    filters.workflowId ??
    (filters.backfillId ? (await deps.store.getBackfill(filters.backfillId))?.workflowId : undefined);
  if (!workflowId) {
    if (filters.backfillId) throw new NotFoundError('backfill', filters.backfillId);
    throw new ValidationError('Name the workflow (or the backfill) whose runs to list', [
      { path: 'workflowId', code: 'REQUIRED', message: 'workflowId or backfillId is required' },
    ]);
  }
  return deps.store.listRuns({
    workflowId,
    limit: Math.min(filters.limit ?? 50, MAX_PAGE_SIZE),
    ...(filters.type ? { type: filters.type } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.backfillId ? { backfillId: filters.backfillId } : {}),
    ...(filters.cursor ? { cursor: filters.cursor } : {}),
  });
}

export type EventInstanceFilters = {
  name?: string;
  dataTimeFrom?: string;
  dataTimeTo?: string;
  receivedFrom?: string;
  receivedTo?: string;
  status?: EventInstanceStatus[];
  cycleType?: CycleType;
  /** The event's own time (EventBridge `time`), inclusive. */
  triggerTimeFrom?: string;
  triggerTimeTo?: string;
  limit?: number;
  cursor?: string;
};

/** Without a name or a received range, events received over the last DEFAULT_EVENT_DAYS days. */
export const DEFAULT_EVENT_DAYS = 7;

/**
 * Event instances, newest first: of one name by data time (the by-name index), or of every
 * name by received time (the by-day index); the other filters apply to what they read.
 */
export async function listEventInstances(
  deps: Pick<EngineDeps, 'store' | 'clock'>,
  filters: EventInstanceFilters,
): Promise<Page<EventInstance>> {
  const now = deps.clock.now().getTime();
  const limit = Math.min(filters.limit ?? 50, MAX_PAGE_SIZE);
  const receivedFrom = filters.receivedFrom ?? new Date(now - DEFAULT_EVENT_DAYS * 86_400_000).toISOString();
  const receivedTo = filters.receivedTo ?? new Date(now + 60_000).toISOString();
  const statuses = filters.status?.length ? new Set(filters.status) : undefined;
  const matches = (e: EventInstance) =>
    (!statuses || statuses.has(e.status)) &&
    (!filters.cycleType || e.cycleType === filters.cycleType) &&
    (!filters.triggerTimeFrom || e.triggerTime >= filters.triggerTimeFrom) &&
    (!filters.triggerTimeTo || e.triggerTime <= filters.triggerTimeTo) &&
    (!filters.dataTimeFrom || e.dataTime >= filters.dataTimeFrom) &&
    (!filters.dataTimeTo || e.dataTime <= filters.dataTimeTo) &&
    (!filters.receivedFrom || e.receivedAt >= filters.receivedFrom) &&
    (!filters.receivedTo || e.receivedAt <= filters.receivedTo);
  const items: EventInstance[] = [];
  let cursor = filters.cursor;
  let scanned = 0;
  do {
    const page = await deps.store.listEventInstances(
      filters.name
        ? {
            name: filters.name,
            dataTimeFrom: filters.dataTimeFrom ?? ALL_TIME.from,
            dataTimeTo: filters.dataTimeTo ?? ALL_TIME.to,
            limit: limit - items.length,
            cursor,
          }
        : { receivedFrom, receivedTo, limit: limit - items.length, cursor },
    );
    scanned += page.items.length;
    items.push(...page.items.filter(matches));
    cursor = page.cursor;
  } while (cursor && items.length < limit && scanned < MAX_SCANNED_PER_PAGE);
  return { items, ...(cursor ? { cursor } : {}) };
}

/** The instances an event released. */
export async function eventConsumers(deps: Pick<EngineDeps, 'store'>, eventId: string) {
  const event = await deps.store.getEventInstance(eventId);
  if (!event) throw new NotFoundError('event instance', eventId);
  const consumers = await deps.store.getInstances(event.consumedBy ?? []);
  return {
    eventId,
    status: event.status,
    items: consumers.map((i) => ({
      id: i.id,
      workflowId: i.workflowId,
      taskId: i.taskId,
      dataTime: i.dataTime,
      status: i.status,
    })),
  };
}

/** Workflows in a folder and below (all with `/`), a page at a time. */
export function listWorkflows(
  deps: Pick<EngineDeps, 'store'>,
  filters: { folder?: string; limit?: number; cursor?: string },
): Promise<Page<StoredWorkflow>> {
  return deps.store.listWorkflows(
    filters.folder ?? '/',
    Math.min(filters.limit ?? 50, MAX_PAGE_SIZE),
    filters.cursor,
  );
}

/** A workflow's versions, newest first. */
export async function listWorkflowVersions(
  deps: Pick<EngineDeps, 'store'>,
  id: string,
  page: { limit?: number; cursor?: string },
): Promise<Page<StoredWorkflow>> {
  const versions = await deps.store.listWorkflowVersions(
    id,
    Math.min(page.limit ?? 50, MAX_PAGE_SIZE),
    page.cursor,
  );
  if (versions.items.length === 0 && !page.cursor) throw new NotFoundError('workflow', id);
  return versions;
}
