// A backfill (supplementary runs, PRODUCT.md §6): a data-time range of a workflow's cycle
// run in order with bounded parallelism, optionally for a task subset and parameter sets.

export type BackfillStatus = 'RUNNING' | 'PAUSED' | 'CANCELLED' | 'SUCCESS' | 'FAILED';

/** One planned run: a data time and, for a batch backfill, the index of its parameter set. */
/** One run of the plan; `counted` once its run's close is in the progress (once, whatever reruns close it again). */
export type BackfillSlot = { dataTime: string; parameterSet: number; counted?: true };

export type Backfill = {
  id: string;
  workflowId: string;
  status: BackfillStatus;
  from: string;
  to: string;
  order: 'ASC' | 'DESC';
  parallelism: number;
  tasks?: string[];
  includeDownstream: boolean;
  parameters?: Record<string, unknown>;
  parameterSets?: Record<string, unknown>[];
  /** Every run it will make, in the order it makes them. */
  slots: BackfillSlot[];
  /** The next slot to start. */
  next: number;
  progress: { total: number; done: number; failed: number; running: number };
  createdAt: string;
  createdBy: string;
};

/** The most runs one backfill may plan: ten years of daily runs, or a week of minutes. */
export const MAX_BACKFILL_RUNS = 10_000;
