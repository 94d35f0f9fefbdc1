import { z } from 'zod';
import { MAX_LINEAGE_DEPTH } from '#shared/engine/lineage.ts';
import { DOWNSTREAM_RANGES, RERUN_SCOPES } from '#shared/engine/reruns.ts';
import { WORKFLOW_ID_PATTERN } from '#shared/model/ids.ts';
import { INSTANCE_STATUSES, RUN_TYPES } from '#shared/model/instance.ts';
import { CYCLE_TYPES, TASK_TYPES } from '#shared/model/workflow.ts';

const isoTime = z.iso.datetime({ offset: true }).transform((t) => new Date(t).toISOString());

/** The instance list's filters (seed 000); `status` may be repeated or comma-separated. */
export const instanceFilterSchema = z.strictObject({
  workflowId: z.string().optional(),
  dataTimeFrom: isoTime.optional(),
  dataTimeTo: isoTime.optional(),
  startFrom: isoTime.optional(),
  startTo: isoTime.optional(),
  q: z.string().min(1).max(200).optional(),
  owner: z.string().min(1).optional(),
  folder: z
    .string()
    .regex(/^\/.*$/, 'an absolute folder path such as /finance')
    .optional(),
  status: z
    .string()
    .transform((text) => text.split(',').filter(Boolean))
    .pipe(z.array(z.enum(INSTANCE_STATUSES)))
    .optional(),
  type: z.enum(RUN_TYPES).optional(),
  taskType: z.enum(TASK_TYPES).optional(),
  resourceGroup: z.string().min(1).optional(),
  cycleType: z.enum(CYCLE_TYPES).optional(),
});

export const instanceListQuerySchema = instanceFilterSchema.extend({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});

/** A query string as an object; a repeated key (status=A&status=B) joins with commas. */
export function queryOf(url: string): Record<string, string> {
  const params = new URL(url).searchParams;
  const out: Record<string, string> = {};
  for (const key of new Set(params.keys())) out[key] = params.getAll(key).join(',');
  return out;
}

export const iterationQuerySchema = z.strictObject({
  attempt: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});

export const logQuerySchema = z.strictObject({
  stream: z.enum(['stdout', 'stderr', 'engine']).default('stdout'),
  page: z.coerce.number().int().min(1).default(1),
  q: z.string().min(1).max(200).optional(),
});

export const logDownloadQuerySchema = z.strictObject({
  stream: z.enum(['stdout', 'stderr', 'engine']).default('stdout'),
});

export const callbackReportSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('SUCCESS'), outputs: z.record(z.string(), z.unknown()).optional() }),
  z.strictObject({
    status: z.literal('FAILED'),
    error: z.strictObject({ code: z.string().optional(), message: z.string().optional() }).optional(),
  }),
]);

export const resourceGroupSchema = z.strictObject({ limit: z.number().int().min(1).max(100_000) });

/** `POST /v1/workflows/{id}/runs` (PRODUCT.md §6). */
export const runNowSchema = z.strictObject({
  dataTime: z.iso.datetime({ offset: true }).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/** `POST /v1/events`: one EventBridge PutEvents entry; `Detail` as an object or a JSON string. */
export const putEventSchema = z.object({
  // `rondo.` sources are Rondo's own status events: nobody else may put them.
  Source: z
    .string()
    .min(1)
    .refine((source) => !source.startsWith('rondo.'), "a source starting with 'rondo.' is Rondo's own"),
  DetailType: z.string().min(1),
  Detail: z.union([
    z.record(z.string(), z.unknown()),
    z.string().transform((text, ctx) => {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
          return parsed as Record<string, unknown>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'Detail must be a JSON object' });
      return z.NEVER;
    }),
  ]),
});

/** `POST /v1/workflows/{id}/backfills` (PRODUCT.md §6). */
export const backfillSchema = z.strictObject({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  order: z.enum(['ASC', 'DESC']).default('ASC'),
  parallelism: z.number().int().min(1).max(100).default(1),
  tasks: z.array(z.string().min(1)).min(1).optional(),
  includeDownstream: z.boolean().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  parameterSets: z.array(z.record(z.string(), z.unknown())).min(1).max(100).optional(),
});

export const runListQuerySchema = z.strictObject({
  workflowId: z.string().optional(),
  backfillId: z.string().optional(),
  type: z.enum(['PERIODIC', 'ONE_TIME', 'SUPPLEMENTARY']).optional(),
  status: z.enum(['RUNNING', 'SUCCESS', 'FAILED', 'TERMINATED']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});

/** The most instances one batch action names. */
export const MAX_BATCH = 100;

export const rerunSchema = z.strictObject({
  scope: z.enum(RERUN_SCOPES).default('instance'),
  downstreamRange: z.enum(DOWNSTREAM_RANGES).default('workflow'),
  instanceIds: z.array(z.string().min(1)).min(1).max(MAX_BATCH).optional(),
  dryRun: z.boolean().default(false),
  parameters: z.record(z.string(), z.unknown()).optional(),
  /** false: an instance that listens for an event waits for a new one. */
  ignoreEvent: z.boolean().default(true),
  /** true: the instance respects its upstreams (parents, previous cycle) as they stand. */
  checkParent: z.boolean().default(false),
});

const batchIds = z.array(z.string().min(1)).min(1).max(MAX_BATCH);

export const batchSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('terminate'), ids: batchIds }),
  z.strictObject({ action: z.literal('mark-success'), ids: batchIds }),
  z.strictObject({
    action: z.literal('rerun'),
    ids: batchIds,
    scope: z.enum(RERUN_SCOPES).default('instance'),
    downstreamRange: z.enum(['workflow', 'project', 'all']).default('workflow'),
    dryRun: z.boolean().default(false),
  }),
]);

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});

export const lineageQuerySchema = z.strictObject({
  direction: z.enum(['up', 'down', 'both']).default('both'),
  depth: z.coerce.number().int().min(1).max(MAX_LINEAGE_DEPTH).default(1),
});

export const eventInstanceQuerySchema = z.strictObject({
  name: z.string().min(1).optional(),
  dataTimeFrom: isoTime.optional(),
  dataTimeTo: isoTime.optional(),
  receivedFrom: isoTime.optional(),
  receivedTo: isoTime.optional(),
  status: z
    .string()
    .transform((text) => text.split(',').filter(Boolean))
    .pipe(z.array(z.enum(['PENDING', 'CONSUMING', 'CONSUMED', 'EXPIRED', 'REJECTED'])))
    .optional(),
  cycleType: z.enum(CYCLE_TYPES).optional(),
  triggerTimeFrom: isoTime.optional(),
  triggerTimeTo: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});

export const workflowListQuerySchema = z.strictObject({
  folder: z
    .string()
    .regex(/^\/.*$/, 'an absolute folder path such as /finance')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});

export const copyWorkflowSchema = z.strictObject({
  id: z.string().regex(WORKFLOW_ID_PATTERN, 'lower-case letters, digits, - and _ only, at most 64'),
  name: z.string().min(1).max(200).optional(),
  folder: z
    .string()
    .regex(/^\/([^/]+(\/[^/]+)*)?$/, 'an absolute folder path such as /finance/reports')
    .optional(),
});

export const ownerSchema = z.strictObject({ owner: z.string().min(1).max(256) });

const folderPath = z
  .string()
  .regex(/^\/[^/]+(\/[^/]+)*$/, 'an absolute folder path such as /finance/reports');
const identities = z.array(z.string().min(1).max(256)).max(200);

export const workflowPermissionsSchema = z.strictObject({ collaborators: identities, users: identities });
export const folderCreateSchema = z.strictObject({ path: folderPath });
export const folderPermissionsSchema = z.strictObject({
  path: folderPath,
  owners: identities.min(1),
  users: identities,
});
export const folderListQuerySchema = z.strictObject({
  parent: z
    .string()
    .regex(/^\/.*$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});

export const folderPathQuerySchema = z.strictObject({ path: folderPath });
export const folderMoveSchema = z.strictObject({ path: folderPath, to: folderPath });

/** `GET /v1/alerts`: newest first, all workflows the caller sees, or one. */
export const alertListQuerySchema = z.strictObject({
  workflowId: z.string().regex(WORKFLOW_ID_PATTERN).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});
