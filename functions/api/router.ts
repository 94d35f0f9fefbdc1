// The `/v1` routes: each parses its input, calls one core function, maps the result.
import { Router } from '@aws-lambda-powertools/event-handler/http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { backfillView, controlBackfill, createBackfill, getBackfill } from '#shared/engine/backfills.ts';
import { completeCallback, heartbeatCallback } from '#shared/engine/callbacks.ts';
import type { EngineDeps } from '#shared/engine/deps.ts';
import { diagnose } from '#shared/engine/diagnostics.ts';
import {
  createFolder,
  deleteFolder,
  listFolders,
  moveFolder,
  setFolderPermissions,
} from '#shared/engine/folders.ts';
import { lineageOf } from '#shared/engine/lineage.ts';
import { listOperations, recordOperation } from '#shared/engine/operation-records.ts';
import { markSuccess, removeDependency, terminateInstance } from '#shared/engine/operations.ts';
import {
  authorizeCreateIn,
  authorizeSaveWorkflow,
  authorizeWorkflow,
  type Caller,
  keepFolder,
  visibilityChecker,
  visibleDiagnostics,
  visibleLineage,
} from '#shared/engine/permissions.ts';
import {
  downloadAttemptLog,
  eventConsumers,
  getInstance,
  getRun,
  getWorkflow,
  instancesCsv,
  listEventInstances,
  listInstances,
  listIterations,
  listRuns,
  listWorkflows,
  listWorkflowVersions,
  readAttemptLog,
} from '#shared/engine/queries.ts';
import { authorizeRerun, type RerunRequest, rerun } from '#shared/engine/reruns.ts';
import { setResourceGroupLimit } from '#shared/engine/resource-groups.ts';
import { createOneTimeRun } from '#shared/engine/runs.ts';
import { rotateTriggerToken, triggerRun } from '#shared/engine/triggers.ts';
import {
  copyWorkflow,
  createWorkflow,
  deleteWorkflow,
  saveWorkflow,
  setSchedule,
  transferOwner,
} from '#shared/engine/workflows.ts';
import { NotFoundError, ValidationError } from '#shared/errors.ts';
import type { OperationTarget } from '#shared/model/operation.ts';
import type { AlertStore } from '#shared/ports/alert-store.ts';
import { ACCESS, checkAccess, type Rule, workflowOfInstance } from './access.ts';
import { callerOf } from './identity.ts';
import { openApiDocument } from './openapi.ts';
import { errorResponse, json } from './responses.ts';
import {
  alertListQuerySchema,
  backfillSchema,
  batchSchema,
  callbackReportSchema,
  copyWorkflowSchema,
  eventInstanceQuerySchema,
  folderCreateSchema,
  folderListQuerySchema,
  folderMoveSchema,
  folderPathQuerySchema,
  folderPermissionsSchema,
  instanceFilterSchema,
  instanceListQuerySchema,
  iterationQuerySchema,
  lineageQuerySchema,
  logDownloadQuerySchema,
  logQuerySchema,
  ownerSchema,
  pageQuerySchema,
  putEventSchema,
  queryOf,
  rerunSchema,
  resourceGroupSchema,
  runListQuerySchema,
  runNowSchema,
  workflowListQuerySchema,
  workflowPermissionsSchema,
} from './schemas.ts';

export function createApiRouter(
  deps: EngineDeps,
  options: {
    version: string;
    developmentIdentity?: string;
    admins?: string[];
    /** Alert history (`GET /v1/alerts`); absent: the history is empty. */
    alerts?: AlertStore;
  },
) {
  const app = new Router({ prefix: '/v1' });
  const actorOf = (event: APIGatewayProxyEventV2) =>
    callerOf(event) ?? options.developmentIdentity ?? 'unknown';
  const admins = new Set(options.admins ?? []);
  const callerFrom = (event: unknown): Caller => {
    const id = actorOf(event as APIGatewayProxyEventV2);
    return { id, admin: admins.has(id) };
  };
  const routes = recordRoutes(app, (rule, ctx) =>
    checkAccess(deps, rule, callerFrom(ctx.event), ctx.params, new URL(ctx.req.url).searchParams),
  );

  app.get('/health', () => ({ status: 'ok', version: options.version }));
  app.get('/openapi.json', () => json(200, openApiDocument(options.version)));

  /** Only what the caller may see: instances of workflows it can view. */
  const visibleInstances = (event: unknown) => {
    const visible = visibilityChecker(deps, callerFrom(event));
    return (instance: { workflowId: string }) => visible(instance.workflowId);
  };
  app.get('/instances', async ({ req, event }) => {
    const query = instanceListQuerySchema.parse(queryOf(req.url));
    return json(200, await listInstances(deps, { ...query, accept: visibleInstances(event) }));
  });
  app.get('/event-instances', async ({ req }) => {
    const query = eventInstanceQuerySchema.parse(queryOf(req.url));
    return json(200, await listEventInstances(deps, query));
  });
  app.get('/event-instances/:id/consumers', async ({ params, event }) => {
    const consumers = await eventConsumers(deps, params.id ?? '');
    const visible = visibleInstances(event);
    const items = [];
    for (const item of consumers.items) if (await visible(item)) items.push(item);
    return json(200, { ...consumers, items });
  });
  app.get('/instances.csv', async ({ req, event }) => {
    const query = instanceFilterSchema.parse(queryOf(req.url));
    const { csv, rows, truncated } = await instancesCsv(deps, { ...query, accept: visibleInstances(event) });
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="instances.csv"',
        'x-rondo-rows': String(rows),
        'x-rondo-truncated': String(truncated),
      },
      body: csv,
    };
  });
  app.get('/instances/:id', async ({ params, event }) => {
    const instance = await getInstance(deps, params.id ?? '');
    const diagnostics = await diagnose(deps, instance);
    return json(200, {
      ...instance,
      diagnostics: await visibleDiagnostics(deps, callerFrom(event), diagnostics),
    });
  });
  app.get('/instances/:id/lineage', async ({ req, params, event }) => {
    const query = lineageQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
    const lineage = await lineageOf(deps, params.id ?? '', query);
    return json(200, await visibleLineage(deps, callerFrom(event), lineage));
  });
  const record = <T>(
    event: unknown,
    action: string,
    target: OperationTarget,
    parameters: Record<string, unknown>,
    run: () => Promise<T>,
    affected?: (result: T) => string[],
  ) =>
    recordOperation(
      deps,
      { actor: actorOf(event as APIGatewayProxyEventV2), action, target, parameters },
      run,
      affected,
    );
  const bodyOf = async (req: Request) => JSON.parse((await req.text()) || '{}') as unknown;
  const reasonOf = (event: unknown, code: string, verb: string) => ({
    code,
    message: `${verb} by ${actorOf(event as APIGatewayProxyEventV2)}`,
  });
  const rerunOne = async (event: unknown, id: string, request: RerunRequest) => {
    await authorizeRerun(deps, callerFrom(event), id, request);
    if (request.dryRun) return rerun(deps, id, request);
    return record(
      event,
      'rerun',
      { kind: 'instance', id },
      request,
      () => rerun(deps, id, request),
      (plan) => plan.reset.map((i) => i.id),
    );
  };
  const actions = {
    terminate: (event: unknown, id: string) =>
      record(event, 'terminate', { kind: 'instance', id }, {}, () =>
        terminateInstance(deps, id, reasonOf(event, 'TERMINATED_BY_OPERATOR', 'terminated')),
      ),
    'mark-success': (event: unknown, id: string) =>
      record(event, 'mark-success', { kind: 'instance', id }, {}, () =>
        markSuccess(deps, id, reasonOf(event, 'MARKED_SUCCESS', 'marked successful')),
      ),
  };

  // Batch routes first: `/instances/batch/...` must not read as an instance named `batch`.
  app.post('/instances/batch/:action', async ({ req, params, event }) => {
    const body = batchSchema.parse({ ...((await bodyOf(req)) as object), action: params.action });
    const results = [];
    for (const id of body.ids) {
      try {
        await authorizeWorkflow(deps, callerFrom(event), workflowOfInstance(id), 'operate');
        const value =
          body.action === 'rerun'
            ? await rerunOne(event, id, { ...body, instanceIds: undefined })
            : await actions[body.action](event, id);
        results.push({ id, status: 'SUCCESS', result: value });
      } catch (error) {
        const { statusCode, body: text } = errorResponse(error);
        results.push({ id, status: 'FAILED', httpStatus: statusCode, ...(JSON.parse(text) as object) });
      }
    }
    return json(200, {
      succeeded: results.filter((r) => r.status === 'SUCCESS').length,
      failed: results.filter((r) => r.status === 'FAILED').length,
      results,
    });
  });
  app.post('/instances/:id/terminate', async ({ params, event }) =>
    json(200, await actions.terminate(event, params.id ?? '')),
  );
  app.post('/instances/:id/mark-success', async ({ params, event }) =>
    json(200, await actions['mark-success'](event, params.id ?? '')),
  );
  app.post('/instances/:id/rerun', async ({ req, params, event }) => {
    const body = rerunSchema.parse(await bodyOf(req));
    return json(200, await rerunOne(event, params.id ?? '', body));
  });
  app.post('/instances/:id/dependencies/:upstreamId/remove', async ({ params, event }) => {
    const id = params.id ?? '';
    const upstreamId = params.upstreamId ?? '';
    return json(
      200,
      await record(event, 'remove-dependency', { kind: 'instance', id }, { upstreamId }, () =>
        removeDependency(deps, id, upstreamId),
      ),
    );
  });
  app.get('/instances/:id/operations', async ({ req, params }) => {
    const query = pageQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
    return json(200, await listOperations(deps, { targetId: params.id ?? '' }, query));
  });
  app.get('/workflows/:id/operations', async ({ req, params }) => {
    const query = pageQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
    return json(200, await listOperations(deps, { workflowId: params.id ?? '' }, query));
  });
  app.get('/instances/:id/attempts', async ({ params }) => {
    const instance = await getInstance(deps, params.id ?? '');
    return json(200, { items: instance.attempts });
  });
  app.get('/instances/:id/iterations', async ({ req, params }) => {
    const query = iterationQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
    return json(200, await listIterations(deps, params.id ?? '', query));
  });
  app.get('/instances/:id/attempts/:attempt/logs', async ({ req, params }) => {
    const query = logQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
    const attempt = z.coerce.number().int().min(1).parse(params.attempt);
    return json(200, await readAttemptLog(deps, params.id ?? '', attempt, query.stream, query.page, query.q));
  });
  app.get('/instances/:id/attempts/:attempt/logs/download', async ({ req, params }) => {
    const query = logDownloadQuerySchema.parse(queryOf(req.url));
    const attempt = z.coerce.number().int().min(1).parse(params.attempt);
    const id = params.id ?? '';
    const { text, truncated } = await downloadAttemptLog(deps, id, attempt, query.stream);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'content-disposition': `attachment; filename="${id}-attempt-${attempt}-${query.stream}.log"`,
        'x-rondo-truncated': String(truncated),
      },
      body: text,
    };
  });
  app.get('/runs', async ({ req }) => {
    const query = runListQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
    return json(200, await listRuns(deps, query));
  });
  app.get('/runs/:id', async ({ req, params }) => {
    const cursor = new URL(req.url).searchParams.get('instancesCursor') ?? undefined;
    return json(200, await getRun(deps, params.id ?? '', cursor));
  });
  app.get('/alerts', async ({ req, event }) => {
    const query = alertListQuerySchema.parse(queryOf(req.url));
    const visible = visibilityChecker(deps, callerFrom(event));
    if (query.workflowId && !(await visible(query.workflowId)))
      throw new NotFoundError('workflow', query.workflowId);
    if (!options.alerts) return json(200, { items: [] });
    const page = await options.alerts.listAlerts({
      ...(query.workflowId ? { workflowId: query.workflowId } : {}),
      limit: query.limit ?? 50,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    const items = [];
    for (const alert of page.items) if (await visible(alert.workflowId)) items.push(alert);
    return json(200, { ...page, items });
  });
  app.get('/workflows', async ({ req, event }) => {
    const query = workflowListQuerySchema.parse(queryOf(req.url));
    const page = await listWorkflows(deps, query);
    const visible = visibilityChecker(deps, callerFrom(event));
    const items = [];
    for (const workflow of page.items) if (await visible(workflow.definition.id)) items.push(workflow);
    return json(200, { ...page, items });
  });
  /** Creating in a folder, or moving a workflow into one, needs the folder's permission. */
  app.post('/workflows', async ({ req, event }) => {
    const body = await bodyOf(req);
    const id = String((body as { id?: unknown } | null)?.id ?? '');
    const actor = actorOf(event as APIGatewayProxyEventV2);
    const folder = (await deps.store.getWorkflow(id))
      ? []
      : await authorizeSaveWorkflow(deps, callerFrom(event), body);
    const result = await record(event, 'create-workflow', { kind: 'workflow', id }, {}, () =>
      createWorkflow(deps, body, actor),
    );
    await keepFolder(deps, folder);
    return json(201, { ...result.workflow, changed: result.changed });
  });
  app.get('/workflows/:id', async ({ params }) => json(200, await getWorkflow(deps, params.id ?? '')));
  app.delete('/workflows/:id', async ({ params, event }) => {
    const id = params.id ?? '';
    return json(
      200,
      await record(event, 'delete-workflow', { kind: 'workflow', id }, {}, () => deleteWorkflow(deps, id)),
    );
  });
  app.get('/workflows/:id/versions', async ({ req, params }) => {
    const query = pageQuerySchema.parse(queryOf(req.url));
    return json(200, await listWorkflowVersions(deps, params.id ?? '', query));
  });
  app.post('/workflows/:id/copy', async ({ req, params, event }) => {
    const id = params.id ?? '';
    const source = await authorizeWorkflow(deps, callerFrom(event), id, 'view');
    const body = copyWorkflowSchema.parse(await bodyOf(req));
    const folder = (await deps.store.getWorkflow(body.id))
      ? []
      : await authorizeCreateIn(deps, callerFrom(event), body.folder ?? source.definition.folder, 'workflow');
    const actor = actorOf(event as APIGatewayProxyEventV2);
    const result = await record(event, 'copy-workflow', { kind: 'workflow', id }, body, () =>
      copyWorkflow(deps, id, body, actor),
    );
    await keepFolder(deps, folder);
    return json(201, { ...result.workflow, changed: result.changed });
  });
  app.post('/workflows/:id/owner', async ({ req, params, event }) => {
    const id = params.id ?? '';
    const { owner } = ownerSchema.parse(await bodyOf(req));
    return json(
      200,
      await record(event, 'transfer-owner', { kind: 'workflow', id }, { owner }, () =>
        transferOwner(deps, id, owner),
      ),
    );
  });

  app.post('/workflows/:id/runs', async ({ req, params, event }) => {
    const body = runNowSchema.parse(JSON.parse((await req.text()) || '{}'));
    const workflowId = params.id ?? '';
    const { run } = await record(event, 'run-now', { kind: 'workflow', id: workflowId }, body, () =>
      createOneTimeRun(deps, {
        workflowId,
        plannedTime: deps.clock.now().toISOString(),
        ...(body.dataTime ? { dataTime: new Date(body.dataTime).toISOString() } : {}),
        ...(body.parameters ? { parameters: body.parameters } : {}),
      }),
    );
    return json(201, run);
  });

  app.post('/workflows/:id/backfills', async ({ req, params, event }) => {
    const body = backfillSchema.parse(JSON.parse((await req.text()) || 'null'));
    const actor = actorOf(event as APIGatewayProxyEventV2);
    const workflowId = params.id ?? '';
    const backfill = await record(event, 'create-backfill', { kind: 'workflow', id: workflowId }, body, () =>
      createBackfill(deps, workflowId, body, actor),
    );
    return json(201, backfillView(backfill));
  });
  app.get('/backfills/:id', async ({ params }) =>
    json(200, backfillView(await getBackfill(deps, params.id ?? ''))),
  );
  app.post('/backfills/:id/:action', async ({ params }) => {
    const action = z.enum(['pause', 'resume', 'cancel']).parse(params.action);
    return json(200, backfillView(await controlBackfill(deps, params.id ?? '', action)));
  });

  app.put('/workflows/:id/schedule', async ({ req, params, event }) => {
    const schedule: unknown = JSON.parse((await req.text()) || 'null');
    const actor = actorOf(event as APIGatewayProxyEventV2);
    const id = params.id ?? '';
    const result = await record(event, 'set-schedule', { kind: 'workflow', id }, { schedule }, () =>
      setSchedule(deps, id, schedule, actor),
    );
    return json(200, { ...result.workflow, changed: result.changed });
  });

  app.delete('/workflows/:id/schedule', async ({ params, event }) => {
    const actor = actorOf(event as APIGatewayProxyEventV2);
    const id = params.id ?? '';
    const result = await record(event, 'remove-schedule', { kind: 'workflow', id }, {}, () =>
      setSchedule(deps, id, undefined, actor),
    );
    return json(200, { ...result.workflow, changed: result.changed });
  });

  app.post('/workflows/:id/trigger-token', async ({ params }) =>
    json(201, { ...(await rotateTriggerToken(deps, params.id ?? '')), url: `/v1/triggers/${params.id}` }),
  );

  // Token-protected (no IAM): other systems call it with `Authorization: Bearer <token>`.
  app.post('/triggers/:workflowId', async ({ req, params }) => {
    const body = runNowSchema.parse(JSON.parse((await req.text()) || '{}'));
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '')?.[1];
    const { run } = await triggerRun(deps, params.workflowId ?? '', token, {
      ...(body.dataTime ? { dataTime: new Date(body.dataTime).toISOString() } : {}),
      ...(body.parameters ? { parameters: body.parameters } : {}),
    });
    return json(201, run);
  });

  app.put('/workflows/:id', async ({ req, params, event }) => {
    const body: unknown = JSON.parse((await req.text()) || 'null');
    const id = (body as { id?: unknown } | null)?.id;
    if (id !== params.id) {
      throw new ValidationError('The body must describe the workflow of the path', [
        { path: 'id', message: `expected '${params.id}'`, code: 'ID_MISMATCH' },
      ]);
    }
    const folder = await authorizeSaveWorkflow(deps, callerFrom(event), body);
    const actor = actorOf(event as APIGatewayProxyEventV2);
    const result = await record(event, 'save-workflow', { kind: 'workflow', id: String(id) }, {}, () =>
      saveWorkflow(deps, body, actor),
    );
    await keepFolder(deps, folder);
    return json(result.created ? 201 : 200, { ...result.workflow, changed: result.changed });
  });

  app.post('/events', async ({ req }) => {
    const entry = putEventSchema.parse(JSON.parse((await req.text()) || 'null'));
    const { eventId } = await deps.bus.put({
      source: entry.Source,
      detailType: entry.DetailType,
      detail: entry.Detail,
    });
    return json(202, { eventId });
  });

  app.post('/callbacks/:token', async ({ req, params }) => {
    const report = callbackReportSchema.parse(JSON.parse((await req.text()) || 'null'));
    await completeCallback(deps, params.token ?? '', report);
    return json(202, { accepted: true });
  });
  app.post('/callbacks/:token/heartbeat', async ({ params }) => {
    await heartbeatCallback(deps, params.token ?? '');
    return json(202, { accepted: true });
  });

  app.put('/resource-groups/:name', async ({ req, params }) => {
    const { limit } = resourceGroupSchema.parse(JSON.parse((await req.text()) || 'null'));
    return json(200, await setResourceGroupLimit(deps, params.name ?? '', limit));
  });

  app.put('/workflows/:id/permissions', async ({ req, params, event }) => {
    const id = params.id ?? '';
    const body = workflowPermissionsSchema.parse(await bodyOf(req));
    const workflow = await authorizeWorkflow(deps, callerFrom(event), id, 'own');
    return json(
      200,
      await record(event, 'set-permissions', { kind: 'workflow', id }, body, () =>
        deps.store.setWorkflowPermissions(id, body, workflow.version),
      ),
    );
  });

  app.get('/folders', async ({ req, event }) => {
    const query = folderListQuerySchema.parse(queryOf(req.url));
    return json(200, await listFolders(deps, callerFrom(event), query));
  });
  app.post('/folders', async ({ req, event }) => {
    const { path } = folderCreateSchema.parse(await bodyOf(req));
    return json(
      201,
      await record(event, 'create-folder', { kind: 'folder', id: path }, { path }, () =>
        createFolder(deps, callerFrom(event), path),
      ),
    );
  });
  app.delete('/folders', async ({ req, event }) => {
    const { path } = folderPathQuerySchema.parse(queryOf(req.url));
    return json(
      200,
      await record(event, 'delete-folder', { kind: 'folder', id: path }, { path }, () =>
        deleteFolder(deps, callerFrom(event), path),
      ),
    );
  });
  app.post('/folders/move', async ({ req, event }) => {
    const body = folderMoveSchema.parse(await bodyOf(req));
    return json(
      200,
      await record(event, 'move-folder', { kind: 'folder', id: body.path }, body, () =>
        moveFolder(deps, callerFrom(event), body),
      ),
    );
  });
  app.put('/folders/permissions', async ({ req, event }) => {
    const body = folderPermissionsSchema.parse(await bodyOf(req));
    return json(
      200,
      await record(event, 'set-folder-permissions', { kind: 'folder', id: body.path }, body, () =>
        setFolderPermissions(deps, callerFrom(event), body),
      ),
    );
  });

  app.errorHandler(Error, async (error) => errorResponse(error));
  app.notFound(async (error) => errorResponse(error));
  return Object.assign(app, { routes });
}

/**
 * Resolves one API Gateway request. A GET or HEAD may arrive with a body (HTTP allows it,
 * API Gateway passes it on), which the router's Web Request refuses: it is dropped here.
 */
export function resolveRequest(router: Router, event: APIGatewayProxyEventV2, context: Context) {
  const method = event.requestContext?.http?.method?.toUpperCase();
  const request =
    (method === 'GET' || method === 'HEAD') && event.body ? { ...event, body: undefined } : event;
  return router.resolve(request, context);
}

/**
 * Records each route as it is registered (the OpenAPI test checks the document names them
 * all) and puts its access rule (access.ts) in front of its handler; a route without a rule
 * cannot be registered.
 */
function recordRoutes(
  app: Router,
  check: (
    rule: Rule,
    ctx: { event: unknown; params: Record<string, string | undefined>; req: Request },
  ) => Promise<void>,
): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  for (const method of ['get', 'post', 'put', 'delete'] as const) {
    const register = app[method].bind(app) as (...args: unknown[]) => unknown;
    Object.assign(app, {
      [method]: (path: string, handler: (...args: unknown[]) => unknown) => {
        const rule = ACCESS[`${method.toUpperCase()} ${path}`];
        if (!rule)
          throw new Error(
            `route ${method.toUpperCase()} ${path} has no access rule (functions/api/access.ts)`,
          );
        routes.push({ method, path: `/v1${path}` });
        return register(path, async (ctx: Parameters<typeof check>[1], ...rest: unknown[]) => {
          await check(rule, ctx);
          return handler(ctx, ...rest);
        });
      },
    });
  }
  return routes;
}
