// Workflow items: one immutable item per version and a HEAD item naming the latest. The
// definition is stored gzipped (a binary attribute): a 10,000-task DAG is about 1.5 MB of
// JSON, far over DynamoDB's 400 KB item limit, and compresses about twentyfold.
import { gunzipSync, gzipSync } from 'node:zlib';
import { ValidationError } from '../../errors.ts';
import type { WorkflowDefinition } from '../../model/workflow.ts';
import type { StoredWorkflow } from '../../ports/store.ts';
import type { Key } from './table.ts';

export const workflowHeadKey = (id: string): Key => ({ pk: `WF#${id}`, sk: 'HEAD' });
export const workflowVersionKey = (id: string, version: number): Key => ({
  pk: `WF#${id}`,
  sk: `V#${String(version).padStart(10, '0')}`,
});

/**
 * The most a compressed definition may take: both items of a save carry it, and each must stay
 * under DynamoDB's 400 KB with room for the other attributes.
 */
export const MAX_STORED_DEFINITION_BYTES = 350_000;

/** A stored workflow's attributes as an item holds them: the definition compressed. */
export function workflowAttributes(stored: StoredWorkflow): Record<string, unknown> {
  const { definition, ...rest } = stored;
  const definitionGz = gzipSync(JSON.stringify(definition));
  if (definitionGz.byteLength > MAX_STORED_DEFINITION_BYTES) {
    throw new ValidationError(
      `the workflow definition is too large to store: ${definitionGz.byteLength} bytes compressed, at most ${MAX_STORED_DEFINITION_BYTES}`,
      [
        {
          path: 'tasks',
          code: 'DEFINITION_TOO_LARGE',
          message: `${definition.tasks.length} tasks and ${definition.edges.length} edges compress to ${definitionGz.byteLength} bytes; split the workflow (a subworkflow task runs another workflow)`,
        },
      ],
      'DEFINITION_TOO_LARGE',
    );
  }
  return { ...rest, definitionGz };
}

function definitionOf(item: Record<string, unknown>): WorkflowDefinition {
  const compressed = item.definitionGz as Uint8Array | undefined;
  // Items written before definitions were compressed hold the plain map.
  if (!compressed) return item.definition as WorkflowDefinition;
  return JSON.parse(gunzipSync(compressed).toString('utf8')) as WorkflowDefinition;
}

export function workflowFromItem(item: Record<string, unknown>): StoredWorkflow {
  const { version, owner, createdAt, updatedAt, deletedAt, collaborators, users } = item as StoredWorkflow;
  return {
    definition: definitionOf(item),
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
