// Who may call each route: one table, checked before the route's handler runs. A route
// missing from it cannot be registered (the router fails closed at start).

import type { EngineDeps } from '#shared/engine/deps.ts';
import {
  authorizeWorkflow,
  type Caller,
  ForbiddenError,
  type WorkflowAccess,
} from '#shared/engine/permissions.ts';
import { NotFoundError } from '#shared/errors.ts';
import { parseInstanceId, workflowIdOfRun } from '#shared/model/ids.ts';

type Params = Record<string, string | undefined>;

export type Rule =
  /** Meta routes, and routes that check a token of their own (URL trigger, callbacks). */
  | { kind: 'public' }
  /** Any authenticated caller (putting an event, listing events). */
  | { kind: 'caller' }
  | { kind: 'admin' }
  /** The workflow named by a path parameter. */
  | { kind: 'workflow'; access: WorkflowAccess; param?: string }
  /** The workflow of the instance (or run) named by the `id` parameter. */
  | { kind: 'instance'; access: WorkflowAccess }
  | { kind: 'run'; access: WorkflowAccess }
  | { kind: 'backfill'; access: WorkflowAccess }
  /** The workflow named by the `workflowId` query parameter (required). */
  | { kind: 'query-workflow'; access: WorkflowAccess }
  /** The handler checks (lists filtered by what the caller may see, creation, batches). */
  | { kind: 'handler' };

export const ACCESS: Record<string, Rule> = {
  'GET /health': { kind: 'public' },
  'GET /openapi.json': { kind: 'public' },
  'GET /workflows': { kind: 'handler' },
  'GET /alerts': { kind: 'handler' },
  'POST /workflows': { kind: 'handler' },
  'GET /workflows/:id': { kind: 'workflow', access: 'view' },
  'PUT /workflows/:id': { kind: 'handler' },
  'DELETE /workflows/:id': { kind: 'workflow', access: 'own' },
  'GET /workflows/:id/versions': { kind: 'workflow', access: 'view' },
  'POST /workflows/:id/copy': { kind: 'handler' },
  'POST /workflows/:id/owner': { kind: 'workflow', access: 'own' },
  'PUT /workflows/:id/permissions': { kind: 'workflow', access: 'own' },
  'PUT /workflows/:id/schedule': { kind: 'workflow', access: 'edit' },
  'DELETE /workflows/:id/schedule': { kind: 'workflow', access: 'edit' },
  'POST /workflows/:id/runs': { kind: 'workflow', access: 'run' },
  'POST /workflows/:id/backfills': { kind: 'workflow', access: 'run' },
  'POST /workflows/:id/trigger-token': { kind: 'workflow', access: 'edit' },
  'GET /workflows/:id/operations': { kind: 'workflow', access: 'view' },
  'GET /backfills/:id': { kind: 'backfill', access: 'view' },
  'POST /backfills/:id/:action': { kind: 'backfill', access: 'operate' },
  'POST /triggers/:workflowId': { kind: 'public' },
  'GET /runs': { kind: 'query-workflow', access: 'view' },
  'GET /runs/:id': { kind: 'run', access: 'view' },
  'GET /instances': { kind: 'handler' },
  'GET /instances.csv': { kind: 'handler' },
  'GET /instances/:id': { kind: 'instance', access: 'view' },
  'GET /instances/:id/attempts': { kind: 'instance', access: 'view' },
  'GET /instances/:id/attempts/:attempt/logs': { kind: 'instance', access: 'view' },
  'GET /instances/:id/attempts/:attempt/logs/download': { kind: 'instance', access: 'view' },
  'GET /instances/:id/lineage': { kind: 'instance', access: 'view' },
  'GET /instances/:id/iterations': { kind: 'instance', access: 'view' },
  'GET /instances/:id/operations': { kind: 'instance', access: 'view' },
  'POST /instances/:id/terminate': { kind: 'instance', access: 'operate' },
  'POST /instances/:id/mark-success': { kind: 'instance', access: 'operate' },
  'POST /instances/:id/rerun': { kind: 'handler' },
  'POST /instances/:id/dependencies/:upstreamId/remove': { kind: 'instance', access: 'operate' },
  'POST /instances/batch/:action': { kind: 'handler' },
  'GET /event-instances': { kind: 'caller' },
  'GET /event-instances/:id/consumers': { kind: 'handler' },
  'POST /events': { kind: 'caller' },
  'POST /callbacks/:token': { kind: 'public' },
  'POST /callbacks/:token/heartbeat': { kind: 'public' },
  'PUT /resource-groups/:name': { kind: 'admin' },
  'GET /folders': { kind: 'handler' },
  'POST /folders': { kind: 'handler' },
  'PUT /folders/permissions': { kind: 'handler' },
  'DELETE /folders': { kind: 'handler' },
  'POST /folders/move': { kind: 'handler' },
};

/** The workflow an instance or run id belongs to, or not found. */
export function workflowOfInstance(id: string): string {
  const parsed = parseInstanceId(id);
  if (!parsed) throw new NotFoundError('instance', id);
  return workflowIdOfRun(parsed.runId);
}

/** Checks a route's rule for the caller; throws NotFoundError or ForbiddenError. */
export async function checkAccess(
  deps: Pick<EngineDeps, 'store'>,
  rule: Rule,
  caller: Caller,
  params: Params,
  query: URLSearchParams,
): Promise<void> {
  switch (rule.kind) {
    case 'public':
    case 'caller':
    case 'handler':
      return;
    case 'admin':
      if (!caller.admin) throw new ForbiddenError(`${caller.id} is not an admin`, 'admin');
      return;
    case 'workflow':
      await authorizeWorkflow(deps, caller, params[rule.param ?? 'id'] ?? '', rule.access);
      return;
    case 'instance':
      await authorizeWorkflow(deps, caller, workflowOfInstance(params.id ?? ''), rule.access);
      return;
    case 'run': {
      const runId = params.id ?? '';
      if (!runId.includes('.')) throw new NotFoundError('run', runId);
      await authorizeWorkflow(deps, caller, workflowIdOfRun(runId), rule.access);
      return;
    }
    case 'backfill': {
      const backfill = await deps.store.getBackfill(params.id ?? '');
      if (!backfill) throw new NotFoundError('backfill', params.id ?? '');
      await authorizeWorkflow(deps, caller, backfill.workflowId, rule.access);
      return;
    }
    case 'query-workflow': {
      const workflowId = query.get('workflowId');
      // A backfill's runs: the backfill's workflow decides.
      const backfillId = query.get('backfillId');
      if (backfillId) {
        const backfill = await deps.store.getBackfill(backfillId);
        if (!backfill) throw new NotFoundError('backfill', backfillId);
        await authorizeWorkflow(deps, caller, backfill.workflowId, rule.access);
        return;
      }
      if (!workflowId) return; // The route itself answers a missing workflowId with 400.
      await authorizeWorkflow(deps, caller, workflowId, rule.access);
      return;
    }
  }
}
