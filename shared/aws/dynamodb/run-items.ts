// Run items: one per run, listed newest first by workflow through the by-workflow index.
import type { Run } from '../../model/run.ts';
import { INDEXES, type Key } from './table.ts';

export const runKey = (runId: string): Key => ({ pk: `RUN#${runId}`, sk: '#RUN' });
export const workflowRunsPartition = (workflowId: string): string => `WFR#${workflowId}`;

export function runToItem(run: Run): Record<string, unknown> {
  return {
    ...runKey(run.id),
    kind: 'run',
    ...run,
    [INDEXES.instancesByWorkflow.pk]: workflowRunsPartition(run.workflowId),
    [INDEXES.instancesByWorkflow.sk]: `${run.createdAt}#${run.id}`,
  };
}

export function runFromItem(item: Record<string, unknown>): Run {
  // `closedBefore` is the store's own mark (closeRun answers FIRST or AGAIN from it).
  const { pk: _pk, sk: _sk, kind: _kind, gsi2pk: _gpk, gsi2sk: _gsk, closedBefore: _closed, ...run } = item;
  return run as Run;
}
