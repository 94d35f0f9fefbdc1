// `rondo apply` and `rondo export`: workflow files and a deployment kept in step through the
// public API. Apply compares each file with the workflow's latest version and saves only
// what differs (the API's own check makes a second save of the same definition a no-op too);
// prune deletes the workflows of the files' folders that no file defines any more.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { WorkflowDefinition } from '#shared/model/workflow.ts';
import { diffWorkflows, type WorkflowChange } from '#shared/model/workflow-diff.ts';
import { type ApiClient, ApiError } from './client.ts';
import { formatWorkflowFile, type WorkflowFile, type WorkflowFileFormat } from './workflow-files.ts';

export type ApplyAction = 'create' | 'update' | 'unchanged' | 'prune' | 'error';
export type ApplyResult = {
  id: string;
  /** The file that defines it (none for a pruned workflow). */
  file?: string;
  action: ApplyAction;
  /** The version after the apply (before it, in a dry run or for a pruned workflow). */
  version?: number;
  changes: WorkflowChange[];
  /** What the API answered, when it refused this one (the others are still applied). */
  error?: { status: number; code: string; message: string };
};

type StoredWorkflow = { definition: WorkflowDefinition; version: number };
const PAGE = 500;

export async function applyWorkflows(
  api: ApiClient,
  files: WorkflowFile[],
  options: { dryRun: boolean; prune: boolean },
): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const { file, definition } of files) {
    try {
      results.push(await applyOne(api, file, definition, options.dryRun));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) throw error;
      results.push({
        id: definition.id,
        file,
        action: 'error',
        changes: [],
        error: { status: error.status, code: error.code, message: error.message },
      });
    }
  }
  // Pruning after a refusal could delete what a refused file was meant to keep.
  if (options.prune && !results.some((r) => r.action === 'error')) {
    const defined = new Set(files.map((f) => f.definition.id));
    const folders = [...new Set(files.map((f) => f.definition.folder))].sort();
    for (const folder of folders) {
      for (const workflow of await listWorkflows(api, folder)) {
        const { id } = workflow.definition;
        // Only the folder itself: its subfolders may be kept by other files, or by hand.
        if (workflow.definition.folder !== folder || defined.has(id)) continue;
        if (!options.dryRun) await api.delete(`/v1/workflows/${encodeURIComponent(id)}`);
        results.push({ id, action: 'prune', version: workflow.version, changes: [] });
      }
    }
  }
  return results;
}

async function applyOne(
  api: ApiClient,
  file: string,
  definition: WorkflowDefinition,
  dryRun: boolean,
): Promise<ApplyResult> {
  const existing = await getWorkflow(api, definition.id);
  // Compared as JSON, as stored: a file's absent optional field and a stored one are both absent.
  const wanted = JSON.parse(JSON.stringify(definition)) as WorkflowDefinition;
  if (existing && isDeepStrictEqual(existing.definition, wanted)) {
    return { id: definition.id, file, action: 'unchanged', version: existing.version, changes: [] };
  }
  const changes = diffWorkflows(existing?.definition, wanted);
  const action = existing ? 'update' : 'create';
  if (dryRun) return { id: definition.id, file, action, ...versionOf(existing), changes };
  const saved = await api.put<{ version: number; changed: boolean }>(
    `/v1/workflows/${encodeURIComponent(definition.id)}`,
    definition,
  );
  return {
    id: definition.id,
    file,
    action: saved.changed ? action : 'unchanged',
    version: saved.version,
    changes: saved.changed ? changes : [],
  };
}

/** Writes every workflow of `folder` (and below) into `dir` as `<id>.json` or `<id>.yaml`. */
export async function exportWorkflows(
  api: ApiClient,
  folder: string,
  dir: string,
  format: WorkflowFileFormat,
): Promise<{ id: string; file: string; version: number }[]> {
  const workflows = await listWorkflows(api, folder);
  await mkdir(dir, { recursive: true });
  const written = [];
  for (const workflow of workflows) {
    const file = join(dir, `${workflow.definition.id}.${format}`);
    await writeFile(file, formatWorkflowFile(workflow.definition, format));
    written.push({ id: workflow.definition.id, file, version: workflow.version });
  }
  return written;
}

function versionOf(existing: StoredWorkflow | undefined): { version?: number } {
  return existing ? { version: existing.version } : {};
}

async function getWorkflow(api: ApiClient, id: string): Promise<StoredWorkflow | undefined> {
  try {
    return await api.get<StoredWorkflow>(`/v1/workflows/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Every workflow in `folder` and below, following the cursor. */
async function listWorkflows(api: ApiClient, folder: string): Promise<StoredWorkflow[]> {
  const all: StoredWorkflow[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ folder, limit: String(PAGE), ...(cursor ? { cursor } : {}) });
    const page = await api.get<{ items: StoredWorkflow[]; cursor?: string }>(`/v1/workflows?${query}`);
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return all;
}
