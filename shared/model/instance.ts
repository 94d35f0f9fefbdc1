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

/**
 * Which status may follow which (PRODUCT.md §3; WAITING_UPSTREAM after a finished status is
 * a rerun). The store refuses every other move before writing.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<InstanceStatus, readonly InstanceStatus[]>> = {
  WAITING_EVENT: ['WAITING_UPSTREAM', 'SKIPPED', 'TERMINATED', 'SUCCESS'],
  WAITING_UPSTREAM: ['WAITING_EXECUTION', 'RUNNING', 'SKIPPED', 'TERMINATED', 'SUCCESS'],
  WAITING_EXECUTION: ['RUNNING', 'WAITING_UPSTREAM', 'WAITING_EVENT', 'TERMINATED', 'SUCCESS'],
  RUNNING: ['SUCCESS', 'FAILED', 'RETRYING', 'TERMINATING', 'TERMINATED'],
  RETRYING: ['RUNNING', 'FAILED', 'TERMINATED', 'WAITING_UPSTREAM', 'WAITING_EVENT'],
  TERMINATING: ['TERMINATED'],
  // A rerun waits again: for its upstreams, or (not ignoring its event) for a new event.
  SUCCESS: ['WAITING_UPSTREAM', 'WAITING_EVENT'],
  FAILED: ['WAITING_UPSTREAM', 'WAITING_EVENT', 'SUCCESS'],
  TERMINATED: ['WAITING_UPSTREAM', 'WAITING_EVENT', 'SUCCESS'],
  // A rerun of its upstream with its downstream puts a skipped instance back to waiting.
  SKIPPED: ['WAITING_UPSTREAM', 'WAITING_EVENT'],
};

/**
 * The number of the instance's latest attempt. Attempts are numbered across reruns (a
 * rerun's first attempt follows the last one before it), so logs, callback tokens, child
 * runs and retry executions of different reruns never share a number.
 */
export function currentAttempt(instance: Pick<Instance, 'accumulatedRuns'>): number {
  return instance.accumulatedRuns;
}

export function canTransition(from: InstanceStatus, to: InstanceStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

export type Transition = { status: InstanceStatus; at: string };
export type EdgeRef = { taskId: string; condition: EdgeCondition; branch?: string };

/**
 * A dependency outside the run: the same task's previous cycle (self-dependency) or a task
 * of another workflow at the same or an offset data time. Met when that instance succeeds.
 */
export type ExternalUpstream = { instanceId: string; kind: 'SELF' | 'WORKFLOW'; condition: 'SUCCESS' };

/** What an upstream reported to its downstream: how it finished, or that it is blocked. */
export type UpstreamOutcome = InstanceStatus | 'BLOCKED';

/**
 * An upstream's report as its downstream keeps it: the outcome, and the upstream's revision
 * when it reported (a rerun's later report replaces an earlier one, never the reverse).
 * REMOVED: an operator removed the dependency; no report counts any more.
 */
export type UpstreamReport = { outcome: UpstreamOutcome | 'REMOVED'; revision: number };

export type AttemptTrigger = 'DISPATCH' | 'RETRY' | 'RECONCILER';

export type AttemptRecord = {
  number: number;
  trigger: AttemptTrigger;
  startTime: string;
  endTime?: string;
  status: 'RUNNING' | 'SUCCESS' | 'FAILED' | 'TERMINATED';
  error?: { code: string; message: string };
  /** Streams the executor wrote, stored as log chunks (see the store's putAttemptLogs). */
  logStreams?: { stream: 'stdout' | 'stderr'; lines: number; chunks: number }[];
};

/** What makes an instance one iteration of a for-each instance's attempt. */
export type IterationRef = {
  foreachInstanceId: string;
  attempt: number;
  index: number;
  item: unknown;
  /** The loop's tolerance: how many iterations may finally fail before the loop does. */
  toleratedFailures: number;
};

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
  externalUpstream: ExternalUpstream[];
  /**
   * Dependency counters, kept by one conditional update per upstream report, so that
   * releasing an instance costs work proportional to its edges: upstreams not yet
   * reported; reported upstreams that block it (a SUCCESS edge whose upstream failed or was
   * terminated, or any upstream that is itself blocked); reported edges whose condition is
   * unmet (it will be skipped). `upstreamOutcomes` (by upstream instance id) makes each
   * report count once.
   */
  waitingUpstreams: number;
  blockingUpstreams: number;
  unmetUpstreams: number;
  upstreamOutcomes: Record<string, UpstreamReport>;
  /** Set once its upstreams are all reported and one blocks it: it waits for an operator. */
  blocked?: boolean;
  task: TaskDefinition;
  /** The workflow's time zone, for templates (`${yyyyMMdd}` formats the data time in it). */
  timezone: string;
  parameters: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  attempts: AttemptRecord[];
  /** Instances of other runs wait for this one (the next cycle, another workflow): resolution looks them up. */
  hasExternalDependents?: boolean;
  /** Whether it holds a slot of its (limited) resource group, given back when it finishes. */
  holdsSlot?: boolean;
  /**
   * Set while an instance an operator moved (rerun, marked successful) keeps its run open:
   * until its resolution has reported it downstream, what it will release counts.
   */
  holdsRunOpen?: boolean;
  /** Set on the iterations of a for-each; they belong to it, not to the run's counters. */
  iteration?: IterationRef;
  /** An iteration's Step Functions task token: reporting its final status frees its Map slot. */
  loopTaskToken?: string;
  /** Hash of the current callback token (`callback` tasks). */
  callbackTokenHash?: string;
  /**
   * When the reconciler should look at this instance if nothing else has moved it: a
   * RUNNING attempt past its timeout, a retry that never started, a ready instance whose
   * dispatch was lost. Absent while nothing can be late.
   */
  dueAt?: string;
  /** Optimistic-concurrency counter: every write names the revision it read. */
  revision: number;
};
