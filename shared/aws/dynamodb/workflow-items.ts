// Workflow items: one immutable item per version and a HEAD item naming the latest.
import type { StoredWorkflow } from '../../ports/store.ts';
import type { Key } from './table.ts';

export const workflowHeadKey = (id: string): Key => ({ pk: `WF#${id}`, sk: 'HEAD' });
export const workflowVersionKey = (id: string, version: number): Key => ({
  pk: `WF#${id}`,
  sk: `V#${String(version).padStart(10, '0')}`,
});

export function workflowFromItem(item: Record<string, unknown>): StoredWorkflow {
  const { definition, version, owner, createdAt, updatedAt, deletedAt, collaborators, users } =
    item as StoredWorkflow;
  return {
    definition,
    version,
    owner,
    createdAt,
    updatedAt,
    ...(deletedAt ? { deletedAt } : {}),
    ...(collaborators?.length ? { collaborators } : {}),
    ...(users?.length ? { users } : {}),
  };
}

/**
 * The list of workflows: one key (workflows change rarely), sorted by folder then id, so a
 * folder and everything below it is one `begins_with` query.
 */
export const WORKFLOW_LIST_PARTITION = 'WFL';
export const workflowListSortKey = (folder: string, id: string): string =>
  `${folder === '/' ? '' : folder}/#${id}`;
export const workflowListPrefix = (folder: string): string =>
  `${folder === '/' ? '' : folder.replace(/\/+$/, '')}/`;

/** Folders with permissions: one key (folders are few), sorted by path. */
export const folderKey = (path: string): Key => ({ pk: 'FOLDERS', sk: `${path}/` });
