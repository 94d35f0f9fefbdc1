import type { Run } from '../../model/run.ts';
import type { Key } from './table.ts';

export const runKey = (runId: string): Key => ({ pk: `RUN#${runId}`, sk: '#RUN' });

export function runToItem(run: Run): Record<string, unknown> {
  return { ...runKey(run.id), kind: 'run', ...run };
}

export function runFromItem(item: Record<string, unknown>): Run {
  const { pk: _pk, sk: _sk, kind: _kind, ...run } = item;
  return run as Run;
}
