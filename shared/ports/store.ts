// The storage port: what the engine needs to keep, in the engine's own terms. The AWS
// adapter (shared/aws/dynamodb/store.ts) implements it on one DynamoDB table; every state
// change is a conditional write and every list is a key or index query.
import type { Backfill, BackfillStatus } from '../model/backfill.ts';
import type { EventInstance, EventInstanceStatus } from '../model/event-instance.ts';
import type { Instance, InstanceStatus, UpstreamReport } from '../model/instance.ts';
import type { OperationRecord } from '../model/operation.ts';
import type { Run, RunCounter } from '../model/run.ts';
import type { WorkflowDefinition } from '../model/workflow.ts';

export type StoredWorkflow = {
  definition: WorkflowDefinition;
  version: number;
  owner: string;
  createdAt: string;
  updatedAt: string;
  /** Set on the latest version's record of a deleted workflow. */
  deletedAt?: string;
  /** Who besides the owner may edit, run and operate it; who may view and run it. */
  collaborators?: string[];
  users?: string[];
};

/** A folder with permissions (PRODUCT.md §4); folders without any need no record. */
export type Folder = {
  path: string;
  owners: string[];
  users: string[];
  createdAt: string;
  createdBy: string;
};

export type Page<T> = { items: T[]; cursor?: string };

export type InstanceQuery = {
  workflowId?: string;
  /** Inclusive data-time range, ISO 8601. */
  dataTimeFrom: string;
  dataTimeTo: string;
  limit: number;
  cursor?: string;
};

export type EventInstanceQuery =
  | { name: string; dataTimeFrom: string; dataTimeTo: string; limit: number; cursor?: string }
  | { name?: undefined; receivedFrom: string; receivedTo: string; limit: number; cursor?: string };

export type RunQuery = {
  workflowId: string;
  type?: Run['type'];
  status?: Run['status'];
  backfillId?: string;
  limit: number;
  cursor?: string;
};

export type InstancePatch = Partial<
  Pick<
    Instance,
    | 'startTime'
    | 'endTime'
    | 'durationMs'
    | 'retries'
    | 'accumulatedRuns'
    | 'outputs'
    | 'error'
    | 'parameters'
    | 'attempts'
    | 'callbackTokenHash'
    | 'loopTaskToken'
    | 'holdsSlot'
    | 'holdsRunOpen'
    | 'blocked'
    | 'upstreamOutcomes'
    | 'waitingUpstreams'
    | 'blockingUpstreams'
    | 'unmetUpstreams'
    | 'dueAt'
  >
>;

/** A resource group's concurrency slot, taken or given back in the same write as a transition. */
export type SlotChange = { group: string; change: 'acquire' | 'release'; limit?: number };

/** How a for-each attempt's loop was started: a redelivered start repeats it, without rendering again. */
export type LoopRecord = { count: number; maxConcurrency: number };

/** A change of a run's counters, reopening it (RUNNING) when its status must be derived anew. */
export type RunChange = { counters: Partial<Record<RunCounter, number>>; reopen: boolean };

/** What one upstream report does to a downstream's dependency counters. */
export type UpstreamEffect = { blocking: 0 | 1; unmet: 0 | 1 };

export type ResourceGroup = { name: string; limit: number; running: number };

export type TransitionOptions = {
  slot?: SlotChange;
  /** An operator's move: the run stays open until this instance's resolution (`held` + 1). */
  holdRun?: boolean;
  /** For WAITING_EXECUTION: the time it started waiting for a slot (oldest first). */
  waitingForSlotSince?: string;
};

export type Store = {
  /** Stores `definition` as the next version; refuses (ConflictError) if `expectedVersion` is stale. */
  putWorkflowVersion(
    definition: WorkflowDefinition,
    meta: { owner: string; at: string; expectedVersion: number },
  ): Promise<StoredWorkflow>;
  /** The latest version; a deleted workflow is absent unless `includeDeleted`. */
  getWorkflow(id: string, options?: { includeDeleted?: boolean }): Promise<StoredWorkflow | undefined>;
  /** Workflows in a folder and below it (all with `/`), in folder then id order. */
  listWorkflows(folder: string, limit: number, cursor?: string): Promise<Page<StoredWorkflow>>;
  /** A workflow's versions, newest first. */
  listWorkflowVersions(id: string, limit: number, cursor?: string): Promise<Page<StoredWorkflow>>;
  /** Marks the workflow deleted (its versions and runs stay); refuses a stale `expectedVersion`. */
  deleteWorkflow(id: string, expectedVersion: number, at: string): Promise<void>;
  /** Sets who else may work on the workflow (not versioned); refuses a stale `expectedVersion`. */
  setWorkflowPermissions(
    id: string,
    permissions: { collaborators: string[]; users: string[] },
    expectedVersion: number,
  ): Promise<StoredWorkflow>;
  getFolder(path: string): Promise<Folder | undefined>;
  /** Stores a folder; with `ifAbsent` only if it has no record yet (answers whether it wrote). */
  putFolder(folder: Folder, options?: { ifAbsent?: boolean }): Promise<boolean>;
  deleteFolder(path: string): Promise<void>;
  /** Folders below `parent` (every depth), in path order. */
  listFolders(parent: string, limit: number, cursor?: string): Promise<Page<Folder>>;
  /** Gives the workflow to another owner; refuses a stale `expectedVersion`. */
  setWorkflowOwner(id: string, owner: string, expectedVersion: number, at: string): Promise<StoredWorkflow>;
  getWorkflowVersion(id: string, version: number): Promise<StoredWorkflow | undefined>;

  /** Creates the run unless it exists; answers whether this call created it. */
  createRun(run: Run): Promise<boolean>;
  getRun(id: string): Promise<Run | undefined>;
  /** A workflow's runs, newest first, optionally only of a type, a status or a backfill. */
  listRuns(query: RunQuery): Promise<Page<Run>>;
  /** The instances of one run, in task-id order, a page at a time. */
  listRunInstances(runId: string, limit: number, cursor?: string): Promise<Page<Instance>>;
  /**
   * Creates each instance unless it exists already: a redelivered or concurrent creation of the
   * run leaves them be, even one whose instances another call has written and moved meanwhile.
   */
  putInstances(instances: Instance[]): Promise<void>;
  getInstance(id: string): Promise<Instance | undefined>;
  getInstances(ids: string[]): Promise<Instance[]>;
  /**
   * Moves `instance` (as read, at its revision) to `to`, recording the transition at `at`.
   * A finishing move also updates the run's counters, a reopening one (a rerun: finished to
   * waiting) counts it unfinished again and reopens its run, and a slot change updates its
   * resource group, all in the same atomic write. Throws ConflictError when the stored instance is no
   * longer the one read, ResourceGroupFullError when a slot cannot be taken.
   */
  transitionInstance(
    instance: Instance,
    to: InstanceStatus,
    at: string,
    patch?: InstancePatch,
    options?: TransitionOptions,
  ): Promise<Instance>;
  /**
   * Changes fields without a status change (heartbeat, callback token), guarded by revision;
   * `run` changes its run's counters in the same atomic write (an instance unblocked).
   */
  patchInstance(instance: Instance, patch: InstancePatch, run?: RunChange): Promise<Instance>;
  /**
   * Records that upstream `upstreamId` ended with `outcome`, once: answers the downstream
   * as updated, or undefined when this upstream had been recorded already.
   */
  recordUpstreamOutcome(
    downstreamId: string,
    upstreamId: string,
    report: UpstreamReport,
    effect: UpstreamEffect,
  ): Promise<Instance | undefined>;
  /**
   * Marks a waiting instance blocked and takes it out of its run's unfinished count, once;
   * `dueAt` stays until its resolution has reported it to its dependents.
   */
  markBlocked(instance: Instance, at: string, dueAt: string): Promise<boolean>;
  /**
   * Sets the run's derived status when all its instances are finished or blocked. Answers
   * whether this call closed it, and whether for the first time (a rerun reopens a run,
   * which then closes again): undefined when it did not.
   */
  closeRun(
    runId: string,
    status: Run['status'],
    at: string,
    /** The counters `status` was derived from: the close is refused if they moved since. */
    derivedFrom: Pick<Run, 'failed' | 'terminated' | 'blocked'>,
  ): Promise<'FIRST' | 'AGAIN' | undefined>;
  listInstances(query: InstanceQuery): Promise<Page<Instance>>;
  /** The iterations of one attempt of a for-each instance, in index order, a page at a time. */
  listIterations(
    foreachInstanceId: string,
    attempt: number,
    limit: number,
    cursor?: string,
  ): Promise<Page<Instance>>;
  /**
   * Counts iteration `index` of a for-each attempt as finally failed, once however often it
   * is reported; answers how many distinct iterations of that attempt have failed.
   */
  countIterationFailure(foreachInstanceId: string, attempt: number, index: number): Promise<number>;
  /** Remembers how a for-each attempt's loop was started (first call wins); answers what is kept. */
  putLoop(foreachInstanceId: string, attempt: number, loop: LoopRecord): Promise<LoopRecord>;
  getLoop(foreachInstanceId: string, attempt: number): Promise<LoopRecord | undefined>;
  /**
   * Records the Map slot's task token on an iteration without changing its revision, so an
   * attempt under way is not disturbed by a slot that Step Functions started again.
   */
  setLoopTaskToken(iterationId: string, token: string): Promise<void>;
  /** Instances whose `dueAt` has passed, oldest first, from one shard of the due index. */
  listDueInstances(now: string, shard: number, limit: number): Promise<Instance[]>;

  getResourceGroup(name: string): Promise<ResourceGroup | undefined>;
  putResourceGroup(name: string, limit: number): Promise<ResourceGroup>;
  /** Instance ids waiting for a slot of `group`, longest waiting first. */
  listWaitingForSlot(group: string, limit: number): Promise<string[]>;

  /**
   * Remembers that `dependentId` waits for `upstreamId`, an instance of another run, and
   * flags the upstream (if it exists) as having dependents, so its resolution looks for them.
   */
  putDependent(upstreamId: string, dependentId: string): Promise<void>;
  listDependents(upstreamId: string): Promise<string[]>;
  /** Remembers that tasks of `dependentWorkflow` depend on `task` of `workflowId`. */
  putWorkflowDependency(workflowId: string, task: string, dependentWorkflow: string): Promise<void>;
  /** The tasks of `workflowId` that tasks of other workflows depend on. */
  listDependedOnTasks(workflowId: string): Promise<Set<string>>;

  /** Stores one stream of an attempt's output as chunks of lines. */
  putAttemptLogs(
    instance: Instance,
    attempt: number,
    stream: 'stdout' | 'stderr',
    text: string,
  ): Promise<{ lines: number; chunks: number }>;
  /** One stored chunk of an attempt's stream (0-based), as lines. */
  getAttemptLogChunk(
    instanceId: string,
    attempt: number,
    stream: 'stdout' | 'stderr',
    chunk: number,
  ): Promise<string[]>;

  /** Keeps an operation record, readable by its target and by its workflow. */
  putOperation(record: OperationRecord): Promise<void>;
  /** Operation records of one instance (or other target), or of one workflow, newest first. */
  listOperations(
    of: { targetId: string } | { workflowId: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<OperationRecord>>;

  /** The hash of a workflow's URL-trigger token (one per workflow; rotating replaces it). */
  putTriggerTokenHash(workflowId: string, hash: string, at: string): Promise<void>;
  getTriggerTokenHash(workflowId: string): Promise<string | undefined>;

  putBackfill(backfill: Backfill): Promise<void>;
  getBackfill(id: string): Promise<Backfill | undefined>;
  /**
   * Takes the next slot of a RUNNING backfill if it still is `next` and fewer than
   * `parallelism` runs are active; answers the backfill as updated, or undefined.
   */
  claimBackfillSlot(id: string, next: number): Promise<Backfill | undefined>;
  /**
   * Counts one of its runs as closed (done, or failed too), once: a slot's run is counted only
   * if the slot is not in `countedSlots` yet, and added to it in the same write; with
   * `ifEveryCountMarked`, only if every count so far added its slot (`progress.done` is the
   * number of counted slots). Answers the backfill as updated, or undefined when it did not
   * count. A run without a slot (made before runs kept theirs) is counted as asked.
   */
  countBackfillRunClosed(
    id: string,
    run: { slot?: number; failed: boolean; ifEveryCountMarked?: boolean },
  ): Promise<Backfill | undefined>;
  /** Moves the backfill from one of `from` to `to`; answers whether it did. */
  setBackfillStatus(id: string, from: BackfillStatus[], to: BackfillStatus): Promise<boolean>;

  /** Records a received event unless its id was recorded before; answers whether it was new. */
  putEventInstance(event: EventInstance): Promise<boolean>;
  /**
   * Event instances, newest first: of one name by data time (inclusive range), or of every
   * name by the time they were received (inclusive range, a day key at a time).
   */
  listEventInstances(query: EventInstanceQuery): Promise<Page<EventInstance>>;
  getEventInstance(id: string): Promise<EventInstance | undefined>;
  /** Ids of the events received with this name and data time. */
  listEventIds(name: string, dataTime: string): Promise<string[]>;
  /** Moves an event from one of `from` to `to` (CONSUMING, CONSUMED with its consumers, EXPIRED). */
  setEventStatus(
    eventId: string,
    from: EventInstanceStatus[],
    to: EventInstanceStatus,
    at: string,
    consumedBy?: string[],
  ): Promise<void>;
  /** Remembers that an instance waits for the event `name` at `dataTime`. */
  putEventWaiter(name: string, dataTime: string, instanceId: string): Promise<void>;
  listEventWaiters(name: string, dataTime: string): Promise<string[]>;
};

/** Shards of the due index: the reconciler sweeps them one query each. */
export const DUE_SHARDS = 8;
