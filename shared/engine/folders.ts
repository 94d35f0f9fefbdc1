// Folders with permissions (PRODUCT.md §4): created explicitly, or by the first workflow
// created in a path that has none; listed as far as the caller has a role on them or above.
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Folder, Page } from '../ports/store.ts';
import type { EngineDeps } from './deps.ts';
import { authorizeCreateIn, authorizeFolderOwner, type Caller, folderChain } from './permissions.ts';
import { saveWorkflow } from './workflows.ts';

/** Creates a folder owned by its creator; subfolders need the owners of the folder above. */
export async function createFolder(deps: Pick<EngineDeps, 'store' | 'clock'>, caller: Caller, path: string) {
  if (await deps.store.getFolder(path)) throw new ConflictError(`folder ${path} exists`);
  const above = await authorizeCreateIn(deps, caller, path.slice(0, path.lastIndexOf('/')) || '/', 'folder');
  for (const missing of above) await deps.store.putFolder(missing, { ifAbsent: true });
  const folder: Folder = {
    path,
    owners: [caller.id],
    users: [],
    createdAt: deps.clock.now().toISOString(),
    createdBy: caller.id,
  };
  if (!(await deps.store.putFolder(folder, { ifAbsent: true })))
    throw new ConflictError(`folder ${path} exists`);
  return folder;
}

/** Sets a folder's owners and users (its owners, an owner above it, admins). */
export async function setFolderPermissions(
  deps: Pick<EngineDeps, 'store'>,
  caller: Caller,
  permissions: { path: string; owners: string[]; users: string[] },
): Promise<Folder> {
  await authorizeFolderOwner(deps, caller, permissions.path);
  const folder = await deps.store.getFolder(permissions.path);
  if (!folder) throw new NotFoundError('folder', permissions.path);
  const updated = { ...folder, owners: permissions.owners, users: permissions.users };
  await deps.store.putFolder(updated);
  return updated;
}

/** Folders below `parent` that the caller has a role on, on them or above (all, for admins). */
export async function listFolders(
  deps: Pick<EngineDeps, 'store'>,
  caller: Caller,
  query: { parent?: string; limit?: number; cursor?: string },
): Promise<Page<Folder>> {
  const page = await deps.store.listFolders(
    query.parent ?? '/',
    Math.min(query.limit ?? 100, 500),
    query.cursor,
  );
  if (caller.admin) return page;
  const known = new Map<string, Folder | undefined>();
  const hasRole = async (path: string) => {
    for (const p of folderChain(path)) {
      if (!known.has(p)) known.set(p, await deps.store.getFolder(p));
      const folder = known.get(p);
      if (folder && (folder.owners.includes(caller.id) || folder.users.includes(caller.id))) return true;
    }
    return false;
  };
  const items: Folder[] = [];
  for (const folder of page.items) if (await hasRole(folder.path)) items.push(folder);
  return { ...page, items };
}

/** Deletes an empty folder (no workflows, no subfolders below it). */
export async function deleteFolder(deps: Pick<EngineDeps, 'store'>, caller: Caller, path: string) {
  await authorizeFolderOwner(deps, caller, path);
  const [workflows, subfolders] = await Promise.all([
    deps.store.listWorkflows(path, 1),
    deps.store.listFolders(path, 1),
  ]);
  if (workflows.items.length > 0 || subfolders.items.length > 0) {
    throw new ConflictError(`folder ${path} is not empty: move or delete what is in it first`);
  }
  await deps.store.deleteFolder(path);
  return { path, deleted: true };
}

const MOVE_PAGE = 100;

/**
 * Renames or moves a folder with everything below it: each workflow below is saved again
 * with its new folder (a new version, so its history says where it was), and each folder
 * record below moves with its permissions. Needs the folder's owners, and the right to create
 * a folder where it goes. Not atomic, but resumable: repeating the same move finishes it.
 */
export async function moveFolder(
  deps: Pick<EngineDeps, 'store' | 'clock' | 'scheduler'>,
  caller: Caller,
  move: { path: string; to: string },
) {
  const { path, to } = move;
  if (to === path || to.startsWith(`${path}/`)) {
    throw new ConflictError(`folder ${path} cannot move into itself (${to})`);
  }
  const source = await deps.store.getFolder(path);
  const target = await deps.store.getFolder(to);
  const resuming = target?.createdBy === `move:${path}`;
  if (source) {
    await authorizeFolderOwner(deps, caller, path);
    if (target && !resuming) throw new ConflictError(`folder ${to} exists`);
    const above = await authorizeCreateIn(deps, caller, to.slice(0, to.lastIndexOf('/')) || '/', 'folder');
    for (const missing of above) await deps.store.putFolder(missing, { ifAbsent: true });
  } else {
    // A move cut short: only the owners of where it was going may finish it.
    if (!resuming) throw new NotFoundError('folder', path);
    await authorizeFolderOwner(deps, caller, to);
  }
  const renamed = (folder: string) => `${to}${folder.slice(path.length)}`;
  const below = (folder: string) => folder === path || folder.startsWith(`${path}/`);
  // The records first (no one can claim where the workflows go), the workflows, then the old records.
  const folders = [...(source ? [source] : []), ...(await allFolders(deps, path))];
  for (const folder of folders) {
    const moved = { ...folder, path: renamed(folder.path), createdBy: `move:${path}` };
    if (!(await deps.store.putFolder(moved, { ifAbsent: true }))) {
      const there = await deps.store.getFolder(moved.path);
      if (there?.createdBy !== `move:${path}`) throw new ConflictError(`folder ${moved.path} exists`);
    }
  }
  let count = 0;
  const seen = new Set<string>();
  for (;;) {
    const page = await deps.store.listWorkflows(path, MOVE_PAGE);
    // The list index may lag: a workflow already moved, or read twice, is not moved again.
    const fresh = page.items.filter((w) => below(w.definition.folder) && !seen.has(w.definition.id));
    for (const workflow of fresh) {
      seen.add(workflow.definition.id);
      await saveWorkflow(
        deps,
        { ...workflow.definition, folder: renamed(workflow.definition.folder) },
        caller.id,
      );
      count++;
    }
    if (fresh.length === 0) break;
  }
  for (const folder of folders) await deps.store.deleteFolder(folder.path);
  return { path, to, workflows: count, folders: folders.length };
}

async function allFolders(deps: Pick<EngineDeps, 'store'>, parent: string): Promise<Folder[]> {
  const all: Folder[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listFolders(parent, 500, cursor);
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return all;
}
