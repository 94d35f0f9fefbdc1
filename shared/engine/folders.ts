// Folders with permissions (PRODUCT.md §4): created explicitly, or by the first workflow
// created in a path that has none; listed as far as the caller has a role on them or above.
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Folder, Page } from '../ports/store.ts';
import type { EngineDeps } from './deps.ts';
import { authorizeCreateIn, authorizeFolderOwner, type Caller, folderChain } from './permissions.ts';

/** Creates a folder owned by its creator; subfolders need the owners of the folder above. */
export async function createFolder(deps: Pick<EngineDeps, 'store' | 'clock'>, caller: Caller, path: string) {
  if (await deps.store.getFolder(path)) throw new ConflictError(`folder ${path} exists`);
  await authorizeCreateIn(deps, caller, path.slice(0, path.lastIndexOf('/')) || '/', 'folder');
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
