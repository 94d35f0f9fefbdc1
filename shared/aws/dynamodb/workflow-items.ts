// Workflow items: one immutable item per version and a HEAD item naming the latest.
import type { StoredWorkflow } from '../../ports/store.ts';
import type { Key } from './table.ts';

export const workflowHeadKey = (id: string): Key => ({ pk: `WF#${id}`, sk: 'HEAD' });
export const workflowVersionKey = (id: string, version: number): Key => ({
  pk: `WF#${id}`,
  sk: `V#${String(version).padStart(10, '0')}`,
});

export function workflowFromItem(item: Record<string, unknown>): StoredWorkflow {
  const { definition, version, owner, createdAt, updatedAt } = item as StoredWorkflow;
  return { definition, version, owner, createdAt, updatedAt };
}
