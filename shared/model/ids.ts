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

/** Splits an instance id into its run id and task id (task ids contain no dot). */
export function parseInstanceId(id: string): { runId: string; taskId: string } | undefined {
  const dot = id.lastIndexOf('.');
  if (dot <= 0 || dot === id.length - 1) return undefined;
  const runId = id.slice(0, dot);
  const taskId = id.slice(dot + 1);
  return runId.includes('.') && TASK_ID_PATTERN.test(taskId) ? { runId, taskId } : undefined;
}

export function workflowIdOfRun(runId: string): string {
  return runId.slice(0, runId.indexOf('.'));
}
