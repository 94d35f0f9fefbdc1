// A backfill (supplementary runs, PRODUCT.md §6): a data-time range of a workflow's cycle
// run in order with bounded parallelism, optionally for a task subset and parameter sets.

export type BackfillStatus = 'RUNNING' | 'PAUSED' | 'CANCELLED' | 'SUCCESS' | 'FAILED';

/** One planned run: a data time and, for a batch backfill, the index of its parameter set. */
export type BackfillSlot = { dataTime: string; parameterSet: number };

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
  /**
   * The slots whose run's close is in `progress`: a run is counted once, whatever reruns close
   * it again. Runs made before runs kept their slot were counted without a mark.
   */
  countedSlots?: number[];
  createdAt: string;
  createdBy: string;
};

/**
 * The most runs one backfill may plan: ten years of daily runs (3,653), or three days of
 * minutes (4,320). The plan is one DynamoDB item (at most 400 KB): 5,000 slots, every one
 * counted, come to about 270 KB, which leaves room for parameters.
 */
export const MAX_BACKFILL_RUNS = 5_000;
