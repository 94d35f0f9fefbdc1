// The storage port: what the engine needs to keep, in the engine's own terms. The AWS
// adapter (shared/aws/dynamodb-store.ts) implements it on one DynamoDB table; every state
// change is a conditional write and every list is a key or index query.
import type { EventInstance } from '../model/event-instance.ts';
import type { Instance, InstanceStatus } from '../model/instance.ts';
import type { Run } from '../model/run.ts';
import type { WorkflowDefinition } from '../model/workflow.ts';

export type StoredWorkflow = {
  definition: WorkflowDefinition;
  version: number;
  owner: string;
  createdAt: string;
  updatedAt: string;
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
  >
>;

export type Store = {
  /** Stores `definition` as the next version; refuses (ConflictError) if `expectedVersion` is stale. */
  putWorkflowVersion(
    definition: WorkflowDefinition,
    meta: { owner: string; at: string; expectedVersion: number },
  ): Promise<StoredWorkflow>;
  getWorkflow(id: string): Promise<StoredWorkflow | undefined>;
  getWorkflowVersion(id: string, version: number): Promise<StoredWorkflow | undefined>;

  /** Creates the run unless it exists; answers whether this call created it. */
  createRun(run: Run): Promise<boolean>;
  getRun(id: string): Promise<Run | undefined>;
  /** Creates each instance unless it exists already (a redelivered creation leaves them be). */
  putInstances(instances: Instance[]): Promise<void>;
  getInstance(id: string): Promise<Instance | undefined>;
  getInstances(ids: string[]): Promise<Instance[]>;
  /**
   * Moves `instance` (as read, at its revision) to `to`, recording the transition at `at`.
   * A finishing move also updates the run's counters in the same atomic write.
   * Throws ConflictError when the stored revision is no longer the one read.
   */
  transitionInstance(
    instance: Instance,
    to: InstanceStatus,
    at: string,
    patch?: InstancePatch,
  ): Promise<Instance>;
  /** Sets the run's derived status when all its instances are finished. */
  closeRun(runId: string, status: Run['status'], at: string): Promise<void>;
  listInstances(query: InstanceQuery): Promise<Page<Instance>>;

  /** Records a received event unless its id was recorded before; answers whether it was new. */
  putEventInstance(event: EventInstance): Promise<boolean>;
};
