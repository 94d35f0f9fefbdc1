import { createHash, randomBytes } from 'node:crypto';

// Deterministic identifiers. A periodic run id is derived from (workflow, data time), so a
// duplicated schedule fire names the same run; an instance id is its run id plus task id.

export const WORKFLOW_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** `2026-01-01T02:30:00.000Z` → `20260101T0230Z` (minute precision, the finest cycle). */
export function compactTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`
  );
}

export function periodicRunId(workflowId: string, dataTime: string): string {
  return `${workflowId}.${compactTime(dataTime)}`;
}

/** A one-time run: `<workflow>.M<time><random>` (M for manual), sortable by start. */
export function oneTimeRunId(workflowId: string, now: Date): string {
  return `${workflowId}.M${compactTime(now.toISOString()).replace('Z', '')}${now.getUTCSeconds().toString().padStart(2, '0')}${randomBytes(3).toString('hex')}`;
}

/** A child run of one attempt of a subworkflow instance: the same attempt always names the same run. */
export function childRunId(workflowId: string, parentInstanceId: string, attempt: number): string {
  const digest = createHash('sha256').update(`${parentInstanceId}#${attempt}`).digest('hex').slice(0, 16);
  return `${workflowId}.C${digest}`;
}

export function instanceId(runId: string, taskId: string): string {
  return `${runId}.${taskId}`;
}

/**
 * One iteration of a for-each instance's attempt: `<foreach instance id>~<attempt>~<index>`
 * (`~` appears in no task id, so the id still splits into run and task).
 */
export function iterationId(foreachInstanceId: string, attempt: number, index: number): string {
  return `${foreachInstanceId}~${attempt}~${index}`;
}

export type ParsedInstanceId = {
  runId: string;
  taskId: string;
  /** For an iteration: its for-each instance's attempt and its index. */
  iteration?: { attempt: number; index: number };
};

const ITERATION_SUFFIX = /^~([1-9][0-9]{0,5})~(0|[1-9][0-9]{0,5})$/;

/** Splits an instance id into its run id and task id (task ids contain no dot). */
export function parseInstanceId(id: string): ParsedInstanceId | undefined {
  const dot = id.lastIndexOf('.');
  if (dot <= 0 || dot === id.length - 1) return undefined;
  const runId = id.slice(0, dot);
  const tail = id.slice(dot + 1);
  const tilde = tail.indexOf('~');
  const taskId = tilde < 0 ? tail : tail.slice(0, tilde);
  if (!runId.includes('.') || !TASK_ID_PATTERN.test(taskId)) return undefined;
  if (tilde < 0) return { runId, taskId };
  const suffix = ITERATION_SUFFIX.exec(tail.slice(tilde));
  if (!suffix) return undefined;
  return { runId, taskId, iteration: { attempt: Number(suffix[1]), index: Number(suffix[2]) } };
}

/** The for-each instance an iteration belongs to. */
export function foreachInstanceIdOf(iterationInstanceId: string): string {
  return iterationInstanceId.slice(0, iterationInstanceId.indexOf('~'));
}

export function workflowIdOfRun(runId: string): string {
  return runId.slice(0, runId.indexOf('.'));
}
