// The OpenAPI 3.1 document of `/v1`, generated from the zod schemas the routes parse their
// input with (schemas.ts) and the schemas of what they answer (response-schemas.ts). Served
// at `GET /v1/openapi.json`; a test checks it is valid and names every route of the router.
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { LOG_STREAMS } from '#shared/engine/queries.ts';
import { workflowDefinitionSchema } from '#shared/model/workflow.ts';
import {
  anyObjectSchema,
  attemptSchema,
  backfillViewSchema,
  batchResultSchema,
  errorResponseSchema,
  eventInstanceSchema,
  instanceDetailSchema,
  instanceSchema,
  iterationPageSchema,
  lineageSchema,
  logPageSchema,
  operationRecordSchema,
  pageOf,
  rerunPlanSchema,
  runDetailSchema,
  runSchema,
  storedWorkflowSchema,
} from './response-schemas.ts';

const alertSchema = z.record(z.string(), z.unknown()).meta({ id: 'Alert' });

import {
  alertListQuerySchema,
  backfillSchema,
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
  MAX_BATCH,
  ownerSchema,
  pageQuerySchema,
  putEventSchema,
  rerunSchema,
  resourceGroupSchema,
  runListQuerySchema,
  runNowSchema,
  workflowListQuerySchema,
  workflowPermissionsSchema,
} from './schemas.ts';

type Method = 'get' | 'post' | 'put' | 'delete';

const operationPageSchema = pageOf(operationRecordSchema, 'OperationPage');

const id = z.string().meta({ description: 'an id as the API gives it' });
const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: z.ZodType, status = '200') => ({
  [status]: { description, ...json(schema) },
});
const errors = {
  '400': { description: 'bad input: a code and the path of each fault', ...json(errorResponseSchema) },
  '403': { description: 'the caller may see it but not do this', ...json(errorResponseSchema) },
  '404': { description: 'not found', ...json(errorResponseSchema) },
  '409': { description: 'not allowed in the current state', ...json(errorResponseSchema) },
};

type Route = {
  method: Method;
  path: string;
  summary: string;
  tags: string[];
  path_?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: ZodOpenApiOperationObject['responses'];
};

const batchBodySchema = z.strictObject({
  ids: z.array(z.string()).min(1).max(MAX_BATCH),
  scope: rerunSchema.shape.scope.optional(),
  downstreamRange: z.enum(['workflow', 'project', 'all']).optional(),
  dryRun: z.boolean().optional(),
});

/** Every route of the router, documented. */
export const ROUTES: Route[] = [
  {
    method: 'delete',
    path: '/v1/folders',
    summary: 'Delete an empty folder',
    tags: ['permissions'],
    query: folderPathQuerySchema,
    responses: { ...ok('deleted', anyObjectSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/folders/move',
    summary: 'Rename or move a folder with everything below it (resumable)',
    tags: ['permissions'],
    body: folderMoveSchema,
    responses: { ...ok('moved', anyObjectSchema), ...errors },
  },
  {
    method: 'put',
    path: '/v1/workflows/{id}/permissions',
    summary: 'Set who may edit, run and operate it (collaborators) and view and run it (users)',
    tags: ['permissions'],
    path_: { id },
    body: workflowPermissionsSchema,
    responses: { ...ok('the workflow', storedWorkflowSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/folders',
    summary: 'Folders with permissions below a parent',
    tags: ['permissions'],
    query: folderListQuerySchema,
    responses: { ...ok('a page', anyObjectSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/folders',
    summary: 'Create a folder (the caller owns it)',
    tags: ['permissions'],
    body: folderCreateSchema,
    responses: { ...ok('the folder', anyObjectSchema, '201'), ...errors },
  },
  {
    method: 'put',
    path: '/v1/folders/permissions',
    summary: "Set a folder's owners and users",
    tags: ['permissions'],
    body: folderPermissionsSchema,
    responses: { ...ok('the folder', anyObjectSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/alerts',
    summary: "Alerts raised by workflows' alert rules, newest first (one per instance or run per rule)",
    tags: ['alerts'],
    query: alertListQuerySchema,
    responses: { ...ok('a page', pageOf(alertSchema, 'AlertPage')), ...errors },
  },
  {
    method: 'get',
    path: '/v1/workflows',
    summary: 'Workflows in a folder and below it',
    tags: ['workflows'],
    query: workflowListQuerySchema,
    responses: { ...ok('a page', pageOf(storedWorkflowSchema, 'WorkflowPage')), ...errors },
  },
  {
    method: 'post',
    path: '/v1/workflows',
    summary: 'Create a workflow (409 when it exists)',
    tags: ['workflows'],
    body: workflowDefinitionSchema,
    responses: { ...ok('created', storedWorkflowSchema, '201'), ...errors },
  },
  {
    method: 'delete',
    path: '/v1/workflows/{id}',
    summary: 'Delete a workflow (its versions and runs stay)',
    tags: ['workflows'],
    path_: { id },
    responses: { ...ok('deleted', anyObjectSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/workflows/{id}/versions',
    summary: "A workflow's versions, newest first",
    tags: ['workflows'],
    path_: { id },
    query: pageQuerySchema,
    responses: { ...ok('a page', pageOf(storedWorkflowSchema, 'WorkflowVersionPage')), ...errors },
  },
  {
    method: 'post',
    path: '/v1/workflows/{id}/copy',
    summary: 'Save a copy under a new id (a copied schedule starts paused)',
    tags: ['workflows'],
    path_: { id },
    body: copyWorkflowSchema,
    responses: { ...ok('the copy', storedWorkflowSchema, '201'), ...errors },
  },
  {
    method: 'post',
    path: '/v1/workflows/{id}/owner',
    summary: 'Transfer the ownership',
    tags: ['workflows'],
    path_: { id },
    body: ownerSchema,
    responses: { ...ok('the workflow', storedWorkflowSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/health',
    summary: 'Liveness and version',
    tags: ['meta'],
    responses: ok('up', anyObjectSchema),
  },
  {
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document',
    tags: ['meta'],
    responses: ok('OpenAPI 3.1', anyObjectSchema),
  },
  {
    method: 'put',
    path: '/v1/workflows/{id}',
    summary: 'Create or update a workflow (a new version when it changed)',
    tags: ['workflows'],
    path_: { id },
    body: workflowDefinitionSchema,
    responses: {
      ...ok('updated', storedWorkflowSchema),
      ...ok('created', storedWorkflowSchema, '201'),
      ...errors,
    },
  },
  {
    method: 'get',
    path: '/v1/workflows/{id}',
    summary: 'The latest version of a workflow',
    tags: ['workflows'],
    path_: { id },
    responses: { ...ok('the workflow', storedWorkflowSchema), ...errors },
  },
  {
    method: 'put',
    path: '/v1/workflows/{id}/schedule',
    summary: 'Set the scheduling setting',
    tags: ['workflows'],
    path_: { id },
    body: workflowDefinitionSchema.shape.schedule.unwrap(),
    responses: { ...ok('updated', storedWorkflowSchema), ...errors },
  },
  {
    method: 'delete',
    path: '/v1/workflows/{id}/schedule',
    summary: 'Remove the scheduling setting',
    tags: ['workflows'],
    path_: { id },
    responses: { ...ok('updated', storedWorkflowSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/workflows/{id}/runs',
    summary: 'Run now (a one-time run)',
    tags: ['runs'],
    path_: { id },
    body: runNowSchema,
    responses: { ...ok('the run', runSchema, '201'), ...errors },
  },
  {
    method: 'post',
    path: '/v1/workflows/{id}/backfills',
    summary: 'Backfill a data-time range',
    tags: ['backfills'],
    path_: { id },
    body: backfillSchema,
    responses: { ...ok('the backfill', backfillViewSchema, '201'), ...errors },
  },
  {
    method: 'get',
    path: '/v1/backfills/{id}',
    summary: 'A backfill and its progress',
    tags: ['backfills'],
    path_: { id },
    responses: { ...ok('the backfill', backfillViewSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/backfills/{id}/{action}',
    summary: 'Pause, resume or cancel a backfill',
    tags: ['backfills'],
    path_: { id, action: z.enum(['pause', 'resume', 'cancel']) },
    responses: { ...ok('the backfill', backfillViewSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/workflows/{id}/trigger-token',
    summary: 'Issue (rotate) the URL-trigger token',
    tags: ['runs'],
    path_: { id },
    responses: { ...ok('the token, shown once', anyObjectSchema, '201'), ...errors },
  },
  {
    method: 'post',
    path: '/v1/triggers/{workflowId}',
    summary: 'Start a one-time run with the trigger token (Authorization: Bearer)',
    tags: ['runs'],
    path_: { workflowId: id },
    body: runNowSchema,
    responses: {
      ...ok('the run', runSchema, '201'),
      '401': { description: 'no or a wrong token', ...json(errorResponseSchema) },
      ...errors,
    },
  },
  {
    method: 'get',
    path: '/v1/workflows/{id}/operations',
    summary: "A workflow's operation records, newest first",
    tags: ['operations'],
    path_: { id },
    query: pageQuerySchema,
    responses: { ...ok('a page', operationPageSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/runs',
    summary: "A workflow's runs, newest first",
    tags: ['runs'],
    query: runListQuerySchema,
    responses: { ...ok('a page', pageOf(runSchema, 'RunPage')), ...errors },
  },
  {
    method: 'get',
    path: '/v1/runs/{id}',
    summary: 'A run with its instances',
    tags: ['runs'],
    path_: { id },
    query: z.object({ instancesCursor: z.string().optional() }),
    responses: { ...ok('the run', runDetailSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/instances',
    summary: 'Instances, newest data time first, with the filters of the instance list',
    tags: ['instances'],
    query: instanceListQuerySchema,
    responses: { ...ok('a page', pageOf(instanceSchema, 'InstancePage')), ...errors },
  },
  {
    method: 'get',
    path: '/v1/instances.csv',
    summary: 'The same list as CSV',
    tags: ['instances'],
    query: instanceFilterSchema,
    responses: {
      '200': { description: 'CSV with a header line', content: { 'text/csv': { schema: z.string() } } },
      ...errors,
    },
  },
  {
    method: 'get',
    path: '/v1/instances/{id}',
    summary: 'One instance, with its diagnostics',
    tags: ['instances'],
    path_: { id },
    responses: { ...ok('the instance', instanceDetailSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/instances/{id}/attempts',
    summary: "An instance's attempts",
    tags: ['instances'],
    path_: { id },
    responses: { ...ok('its attempts', z.object({ items: z.array(attemptSchema) })), ...errors },
  },
  {
    method: 'get',
    path: '/v1/instances/{id}/attempts/{attempt}/logs',
    summary: "A page of an attempt's log, optionally searched",
    tags: ['instances'],
    path_: { id, attempt: z.string() },
    query: logQuerySchema,
    responses: { ...ok('a page', logPageSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/instances/{id}/attempts/{attempt}/logs/download',
    summary: "An attempt's whole log stream",
    tags: ['instances'],
    path_: { id, attempt: z.string() },
    query: logDownloadQuerySchema,
    responses: {
      '200': {
        description: `text (${LOG_STREAMS.join(', ')})`,
        content: { 'text/plain': { schema: z.string() } },
      },
      ...errors,
    },
  },
  {
    method: 'get',
    path: '/v1/instances/{id}/lineage',
    summary: 'Upstream and downstream instances, layer by layer',
    tags: ['instances'],
    path_: { id },
    query: lineageQuerySchema,
    responses: { ...ok('the lineage', lineageSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/instances/{id}/iterations',
    summary: "A for-each instance's traversal list",
    tags: ['instances'],
    path_: { id },
    query: iterationQuerySchema,
    responses: { ...ok('a page', iterationPageSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/instances/{id}/operations',
    summary: "An instance's operation records, newest first",
    tags: ['operations'],
    path_: { id },
    query: pageQuerySchema,
    responses: { ...ok('a page', operationPageSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/instances/{id}/terminate',
    summary: 'Terminate an instance',
    tags: ['operations'],
    path_: { id },
    responses: { ...ok('the instance', instanceSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/instances/{id}/mark-success',
    summary: 'Mark an instance successful',
    tags: ['operations'],
    path_: { id },
    responses: { ...ok('the instance', instanceSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/instances/{id}/rerun',
    summary: 'Rerun with a scope and a range (or a dry run)',
    tags: ['operations'],
    path_: { id },
    body: rerunSchema,
    responses: { ...ok('what it reset', rerunPlanSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/instances/{id}/dependencies/{upstreamId}/remove',
    summary: 'Remove one dependency, for good',
    tags: ['operations'],
    path_: { id, upstreamId: id },
    responses: { ...ok('the instance', instanceSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/instances/batch/{action}',
    summary: 'Terminate, rerun or mark success several instances',
    tags: ['operations'],
    path_: { action: z.enum(['terminate', 'rerun', 'mark-success']) },
    body: batchBodySchema,
    responses: { ...ok('a result per id', batchResultSchema), ...errors },
  },
  {
    method: 'get',
    path: '/v1/event-instances',
    summary: 'Received events, newest first',
    tags: ['events'],
    query: eventInstanceQuerySchema,
    responses: { ...ok('a page', pageOf(eventInstanceSchema, 'EventInstancePage')), ...errors },
  },
  {
    method: 'get',
    path: '/v1/event-instances/{id}/consumers',
    summary: 'The instances an event released',
    tags: ['events'],
    path_: { id },
    responses: { ...ok('its consumers', anyObjectSchema), ...errors },
  },
  {
    method: 'post',
    path: '/v1/events',
    summary: "Put an event on Rondo's bus (a PutEvents entry)",
    tags: ['events'],
    body: putEventSchema,
    responses: { ...ok('accepted', z.object({ eventId: z.string() }), '202'), ...errors },
  },
  {
    method: 'post',
    path: '/v1/callbacks/{token}',
    summary: "Finish a callback task's attempt",
    tags: ['callbacks'],
    path_: { token: z.string() },
    body: callbackReportSchema,
    responses: { ...ok('accepted', anyObjectSchema, '202'), ...errors },
  },
  {
    method: 'post',
    path: '/v1/callbacks/{token}/heartbeat',
    summary: "Keep a callback task's attempt alive",
    tags: ['callbacks'],
    path_: { token: z.string() },
    responses: { ...ok('accepted', anyObjectSchema, '202'), ...errors },
  },
  {
    method: 'put',
    path: '/v1/resource-groups/{name}',
    summary: "Set a resource group's limit",
    tags: ['resource groups'],
    path_: { name: z.string() },
    body: resourceGroupSchema,
    responses: { ...ok('the group', anyObjectSchema), ...errors },
  },
];

let document: ReturnType<typeof createDocument> | undefined;

/** The document, built once per process. */
export function openApiDocument(version: string) {
  if (document) return document;
  const paths: ZodOpenApiPathsObject = {};
  for (const route of ROUTES) {
    const operation: ZodOpenApiOperationObject = {
      summary: route.summary,
      tags: route.tags,
      operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      ...(route.path_ || route.query
        ? {
            requestParams: {
              ...(route.path_ ? { path: z.object(route.path_) } : {}),
              ...(route.query ? { query: route.query } : {}),
            },
          }
        : {}),
      ...(route.body ? { requestBody: { required: true, ...json(route.body) } } : {}),
      responses: route.responses,
    };
    paths[route.path] = { ...paths[route.path], [route.method]: operation };
  }
  document = createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Rondo operations API',
      version,
      description:
        'Serverless workflow orchestration. Every route but the URL trigger and callbacks is IAM-authorized in AWS. ' +
        'Errors: { "error": { "code", "message", "details": [{ "path", "message", "code" }] } }.',
    },
    paths,
  });
  return document;
}
