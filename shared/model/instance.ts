// Instances (one task in one run) and their statuses, PRODUCT.md §3.
import type { CycleType, EdgeCondition, TaskDefinition } from './workflow.ts';

export const INSTANCE_STATUSES = [
  'WAITING_EVENT',
  'WAITING_UPSTREAM',
  'WAITING_EXECUTION',
  'RUNNING',
  'RETRYING',
  'TERMINATING',
  'SUCCESS',
  'FAILED',
  'TERMINATED',
  'SKIPPED',
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export const RUN_TYPES = ['PERIODIC', 'ONE_TIME', 'SUPPLEMENTARY'] as const;
export type RunType = (typeof RUN_TYPES)[number];

export const FINISHED_STATUSES: ReadonlySet<InstanceStatus> = new Set([
  'SUCCESS',
  'FAILED',
  'TERMINATED',
  'SKIPPED',
]);

/** Which status may follow which; every other move is refused by a conditional write. */
export const ALLOWED_TRANSITIONS: Readonly<Record<InstanceStatus, readonly InstanceStatus[]>> = {
  WAITING_EVENT: ['WAITING_UPSTREAM', 'SKIPPED', 'TERMINATED', 'SUCCESS'],
  WAITING_UPSTREAM: ['WAITING_EXECUTION', 'RUNNING', 'SKIPPED', 'TERMINATED', 'SUCCESS'],
  WAITING_EXECUTION: ['RUNNING', 'WAITING_UPSTREAM', 'TERMINATED', 'SUCCESS'],
  RUNNING: ['SUCCESS', 'FAILED', 'RETRYING', 'TERMINATING', 'TERMINATED'],
  RETRYING: ['RUNNING', 'FAILED', 'TERMINATED', 'WAITING_UPSTREAM'],
  TERMINATING: ['TERMINATED'],
  SUCCESS: ['WAITING_UPSTREAM'],
  FAILED: ['WAITING_UPSTREAM', 'SUCCESS'],
  TERMINATED: ['WAITING_UPSTREAM', 'SUCCESS'],
  SKIPPED: ['WAITING_UPSTREAM'],
};

export function canTransition(from: InstanceStatus, to: InstanceStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

export type Transition = { status: InstanceStatus; at: string };
export type EdgeRef = { taskId: string; condition: EdgeCondition };

export type Instance = {
  id: string;
  runId: string;
  workflowId: string;
  workflowVersion: number;
  taskId: string;
  taskName: string;
  taskType: TaskDefinition['type'];
  dataTime: string;
  type: RunType;
  status: InstanceStatus;
  owner: string;
  folder: string;
  resourceGroup: string;
  cycleType: CycleType | null;
  plannedTime: string;
  startTime?: string;
  endTime?: string;
  durationMs?: number;
  /** Retries of the current rerun (attempts beyond the first). */
  retries: number;
  /** Every attempt ever made, across reruns. */
  accumulatedRuns: number;
  transitions: Transition[];
  upstream: EdgeRef[];
  downstream: EdgeRef[];
  task: TaskDefinition;
  parameters: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  /** Optimistic-concurrency counter: every write names the revision it read. */
  revision: number;
};
