import { FINISHED_STATUSES, type InstanceStatus, type RunType } from './instance.ts';

export type RunStatus = 'RUNNING' | 'SUCCESS' | 'FAILED' | 'TERMINATED';

/** The `subworkflow` instance (and its attempt) that started a child run and waits for it. */
export type RunParent = { runId: string; instanceId: string; attempt: number };

export type Run = {
  id: string;
  workflowId: string;
  workflowVersion: number;
  dataTime: string;
  plannedTime: string;
  type: RunType;
  status: RunStatus;
  createdAt: string;
  endTime?: string;
  parameters: Record<string, unknown>;
  taskCount: number;
  /** Instances neither finished nor blocked; the run's status is derived when it reaches zero. */
  unfinished: number;
  /** Instances blocked by a failed upstream (waiting for an operator). */
  blocked: number;
  /** Instances that ended FAILED or TERMINATED. */
  failed: number;
  terminated: number;
  /** Instances an operator moved whose downstream has not heard yet (see RunCounter). */
  held?: number;
  parent?: RunParent;
  /** The backfill that made this SUPPLEMENTARY run, and the slot of its plan it fills. */
  backfillId?: string;
  backfillSlot?: number;
  /** When only some tasks run (a backfill's task subset). */
  tasks?: string[];
};

/** A run's status, derived from its instances' counters (PRODUCT.md §3). */
export function deriveRunStatus(
  run: Pick<Run, 'unfinished' | 'failed' | 'terminated' | 'blocked'>,
): RunStatus {
  if (run.unfinished > 0) return 'RUNNING';
  if (run.terminated > 0) return 'TERMINATED';
  if (run.failed > 0 || run.blocked > 0) return 'FAILED';
  return 'SUCCESS';
}

export function finishedCounterOf(status: InstanceStatus): 'failed' | 'terminated' | undefined {
  if (status === 'FAILED') return 'failed';
  if (status === 'TERMINATED') return 'terminated';
  return undefined;
}

/**
 * `held`: instances an operator moved (rerun, marked successful) whose resolution has not
 * reported them yet: until it has (and so unblocked what it releases), the run cannot close.
 */
export type RunCounter = 'unfinished' | 'blocked' | 'failed' | 'terminated' | 'held';

/**
 * What an instance's move does to its run: finishing leaves `unfinished` (or `blocked`) and
 * counts a failure or termination; a rerun (finished → waiting) counts it unfinished again;
 * marking a finished instance successful moves it between the finished counters. Moves that
 * start from a finished status reopen the run (RUNNING), so that its status is derived anew
 * when its instances are all finished again. Undefined when the run is not concerned.
 */
export function runDeltaOf(
  from: InstanceStatus,
  to: InstanceStatus,
  blocked: boolean,
): { counters: Partial<Record<RunCounter, number>>; reopen: boolean } | undefined {
  const wasFinished = FINISHED_STATUSES.has(from);
  const isFinished = FINISHED_STATUSES.has(to);
  if (!wasFinished && !isFinished) return undefined;
  const counters: Partial<Record<RunCounter, number>> = {};
  const add = (counter: RunCounter | undefined, n: number) => {
    if (counter) counters[counter] = (counters[counter] ?? 0) + n;
  };
  add(wasFinished ? finishedCounterOf(from) : blocked ? 'blocked' : 'unfinished', -1);
  add(isFinished ? finishedCounterOf(to) : 'unfinished', 1);
  for (const [counter, n] of Object.entries(counters)) if (n === 0) delete counters[counter as RunCounter];
  return { counters, reopen: wasFinished };
}
