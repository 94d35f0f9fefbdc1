// Who may do what (PRODUCT.md §4, seed 002). A workflow's owner may do everything with it;
// its collaborators may edit, run and operate its instances; its users may view it, read its
// instances and logs, and run it. A folder's owners and users may view what is below it;
// its owners manage it and its permissions, and both may create workflows in it. Admins may
// do everything. Anyone else cannot see a workflow (404) and cannot act on it.
import { NotFoundError, RondoError } from '../errors.ts';
import { parseInstanceId, workflowIdOfRun } from '../model/ids.ts';
import type { Folder, StoredWorkflow } from '../ports/store.ts';
import type { EngineDeps } from './deps.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { Lineage } from './lineage.ts';

/** What an action on a workflow (or what belongs to it) needs, weakest first. */
export const WORKFLOW_ACCESS = ['view', 'run', 'operate', 'edit', 'own'] as const;
export type WorkflowAccess = (typeof WORKFLOW_ACCESS)[number];

export type Role = 'admin' | 'owner' | 'collaborator' | 'user' | 'folder-viewer' | 'none';

const GRANTS: Record<Role, ReadonlySet<WorkflowAccess>> = {
  admin: new Set(WORKFLOW_ACCESS),
  owner: new Set(WORKFLOW_ACCESS),
  collaborator: new Set(['view', 'run', 'operate', 'edit']),
  user: new Set(['view', 'run']),
  'folder-viewer': new Set(['view']),
  none: new Set(),
};

/** The caller lacks a permission on something it can see (HTTP 403). */
export class ForbiddenError extends RondoError {
  constructor(message: string, missing: string) {
    super('FORBIDDEN', message, false, {
      details: [{ path: 'permission', message: missing, code: 'FORBIDDEN' }],
    });
    this.name = 'ForbiddenError';
  }
}

export type Caller = { id: string; admin: boolean };

/** A folder and its ancestors, nearest first: `/a/b` → `/a/b`, `/a`. */
export function folderChain(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, parts.length - i).join('/')}`);
}

async function foldersOf(deps: Pick<EngineDeps, 'store'>, path: string): Promise<Folder[]> {
  const chain = folderChain(path);
  const found = await Promise.all(chain.map((p) => deps.store.getFolder(p)));
  return found.filter((f): f is Folder => f !== undefined);
}

/** The caller's role on a workflow. */
export async function roleOn(
  deps: Pick<EngineDeps, 'store'>,
  caller: Caller,
  workflow: StoredWorkflow,
): Promise<Role> {
  if (caller.admin) return 'admin';
  if (workflow.owner === caller.id) return 'owner';
  if (workflow.collaborators?.includes(caller.id)) return 'collaborator';
  if (workflow.users?.includes(caller.id)) return 'user';
  const folders = await foldersOf(deps, workflow.definition.folder);
  if (folders.some((f) => f.owners.includes(caller.id) || f.users.includes(caller.id)))
    return 'folder-viewer';
  return 'none';
}

/**
 * The workflow if the caller has `access` to it. Not found when it does not exist or the
 * caller may not even see it; forbidden when it may see it but not do this.
 */
export async function authorizeWorkflow(
  deps: Pick<EngineDeps, 'store'>,
  caller: Caller,
  workflowId: string,
  access: WorkflowAccess,
): Promise<StoredWorkflow> {
  const workflow = await deps.store.getWorkflow(workflowId);
  if (!workflow) throw new NotFoundError('workflow', workflowId);
  const role = await roleOn(deps, caller, workflow);
  if (!GRANTS[role].has('view')) throw new NotFoundError('workflow', workflowId);
  if (!GRANTS[role].has(access)) {
    throw new ForbiddenError(
      `${caller.id} may not ${access} workflow '${workflowId}' (${role === 'folder-viewer' ? 'a viewer through its folder' : role})`,
      `${access} on workflow ${workflowId}`,
    );
  }
  return workflow;
}

/** Whether the caller may see a workflow, for filtering lists (cached per call site). */
export function visibilityChecker(deps: Pick<EngineDeps, 'store'>, caller: Caller) {
  const cache = new Map<string, Promise<boolean>>();
  return (workflowId: string): Promise<boolean> => {
    if (caller.admin) return Promise.resolve(true);
    let visible = cache.get(workflowId);
    if (!visible) {
      visible = (async () => {
        const workflow = await deps.store.getWorkflow(workflowId);
        return workflow !== undefined && GRANTS[await roleOn(deps, caller, workflow)].has('view');
      })();
      cache.set(workflowId, visible);
    }
    return visible;
  };
}

/**
 * May the caller create workflows (or subfolders) in `path`? Yes for admins, the owners and
 * users of the nearest folder that has any (owners only for subfolders), and anyone where no
 * folder above has permissions yet. Answers the folder record to create once the creation
 * succeeded (a path with no record of its own gets one, with the caller as owner); nothing
 * is written here, so refused or invalid input leaves no trace.
 */
export async function authorizeCreateIn(
  deps: Pick<EngineDeps, 'store' | 'clock'>,
  caller: Caller,
  path: string,
  what: 'workflow' | 'folder',
): Promise<Folder[]> {
  if (path === '/') return [];
  const folders = await foldersOf(deps, path);
  const nearest = folders[0];
  if (nearest) {
    const allowed =
      caller.admin ||
      nearest.owners.includes(caller.id) ||
      (what === 'workflow' && nearest.users.includes(caller.id));
    if (!allowed) {
      throw new ForbiddenError(
        `${caller.id} may not create a ${what} in ${path} (folder ${nearest.path} grants it to its ${what === 'workflow' ? 'owners and users' : 'owners'})`,
        `create ${what} in ${nearest.path}`,
      );
    }
  }
  // Every folder from the nearest one with a record down to `path` gets one, owned by the
  // caller: no one can later claim a folder above another's (it has a record, and its owners).
  const missing = folderChain(path).filter((p) => !nearest || p.length > nearest.path.length);
  const at = deps.clock.now().toISOString();
  return missing
    .reverse()
    .map((p) => ({ path: p, owners: [caller.id], users: [], createdAt: at, createdBy: caller.id }));
}

/** May the caller manage a folder (its permissions)? Its owners, an owner above it, admins. */
export async function authorizeFolderOwner(deps: Pick<EngineDeps, 'store'>, caller: Caller, path: string) {
  const folders = await foldersOf(deps, path);
  if (!folders.some((f) => f.path === path)) throw new NotFoundError('folder', path);
  if (caller.admin || folders.some((f) => f.owners.includes(caller.id))) return;
  throw new ForbiddenError(`${caller.id} does not own folder ${path}`, `own folder ${path}`);
}

/**
 * Saving a workflow definition: editing needs `edit` on it, and creating it, or moving it to
 * another folder, needs the folder's permission. Answers the folder record to keep once the
 * save succeeded. A definition without a valid id or folder is left to the schema to report.
 */
export async function authorizeSaveWorkflow(
  deps: Pick<EngineDeps, 'store' | 'clock'>,
  caller: Caller,
  input: unknown,
): Promise<Folder[]> {
  const definition = input as { id?: unknown; folder?: unknown; tasks?: unknown } | null;
  const folder = typeof definition?.folder === 'string' ? definition.folder : '/';
  if (!/^\/([^/]+(\/[^/]+)*)?$/.test(folder)) return [];
  const id = typeof definition?.id === 'string' ? definition.id : '';
  const existing = id ? await deps.store.getWorkflow(id) : undefined;
  if (existing) await authorizeWorkflow(deps, caller, existing.definition.id, 'edit');
  await authorizeReferencedWorkflows(deps, caller, definition?.tasks, id);
  if (!existing || existing.definition.folder !== folder)
    return authorizeCreateIn(deps, caller, folder, 'workflow');
  return [];
}

/**
 * A definition may start other workflows (subworkflow tasks and bodies: `run` on each) and
 * depend on them (`dependsOn`: `view` on each), so saving it needs those rights too. A
 * workflow that does not exist yet is not checked here.
 */
async function authorizeReferencedWorkflows(
  deps: Pick<EngineDeps, 'store'>,
  caller: Caller,
  tasks: unknown,
  self: string,
): Promise<void> {
  if (caller.admin || !Array.isArray(tasks)) return;
  const needs = new Map<string, WorkflowAccess>();
  const need = (workflow: unknown, access: WorkflowAccess) => {
    if (typeof workflow !== 'string' || workflow === self) return;
    if (needs.get(workflow) !== 'run') needs.set(workflow, access);
  };
  for (const task of tasks as { type?: unknown; config?: Record<string, unknown>; dependsOn?: unknown }[]) {
    if (task?.type === 'subworkflow') need(task.config?.workflow, 'run');
    const body = task?.config?.body as { type?: unknown; config?: Record<string, unknown> } | undefined;
    if (task?.type === 'foreach' && body?.type === 'subworkflow') need(body.config?.workflow, 'run');
    if (Array.isArray(task?.dependsOn)) {
      for (const dependency of task.dependsOn) need((dependency as { workflow?: unknown })?.workflow, 'view');
    }
  }
  for (const [workflowId, access] of needs) {
    if (await deps.store.getWorkflow(workflowId)) await authorizeWorkflow(deps, caller, workflowId, access);
  }
}

/** Keeps the folder records a creation made (see authorizeCreateIn), once the creation succeeded. */
export async function keepFolder(deps: Pick<EngineDeps, 'store'>, folders: Folder[]): Promise<void> {
  for (const folder of folders) await deps.store.putFolder(folder, { ifAbsent: true });
}

/** Lineage as the caller may see it: only nodes of workflows it can view, and the edges between them. */
export async function visibleLineage(deps: Pick<EngineDeps, 'store'>, caller: Caller, lineage: Lineage) {
  const visible = visibilityChecker(deps, caller);
  const nodes = [];
  for (const node of lineage.nodes) if (await visible(node.workflowId)) nodes.push(node);
  const kept = new Set(nodes.map((n) => n.id));
  return { ...lineage, nodes, edges: lineage.edges.filter((e) => kept.has(e.from) && kept.has(e.to)) };
}

/** Diagnostics as the caller may see them: a step in a workflow it cannot view keeps only that it is there. */
export async function visibleDiagnostics(
  deps: Pick<EngineDeps, 'store'>,
  caller: Caller,
  diagnostics: Diagnostics,
): Promise<Diagnostics> {
  const visible = visibilityChecker(deps, caller);
  let hidden = false;
  const chain = [];
  for (const step of diagnostics.chain) {
    const parsed = parseInstanceId(step.instanceId);
    if (!parsed || (await visible(workflowIdOfRun(parsed.runId)))) {
      chain.push(step);
      continue;
    }
    hidden = true;
    chain.push({
      ...step,
      instanceId: '(hidden)',
      taskId: '(hidden)',
      message: 'an instance of a workflow you cannot see',
    });
  }
  if (!hidden) return diagnostics;
  return { ...diagnostics, summary: 'waits for an instance of a workflow you cannot see', chain };
}
