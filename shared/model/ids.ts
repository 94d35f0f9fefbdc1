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
