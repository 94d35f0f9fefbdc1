import { z } from 'zod';
import { MAX_LINEAGE_DEPTH } from '#shared/engine/lineage.ts';
import { DOWNSTREAM_RANGES, RERUN_SCOPES } from '#shared/engine/reruns.ts';

export const instanceListQuerySchema = z.strictObject({
  workflowId: z.string().optional(),
  dataTimeFrom: z.iso.datetime({ offset: true }).optional(),
  dataTimeTo: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});

export const iterationQuerySchema = z.strictObject({
  attempt: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});

export const logQuerySchema = z.strictObject({
  stream: z.enum(['stdout', 'stderr', 'engine']).default('stdout'),
  page: z.coerce.number().int().min(1).default(1),
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
  Source: z.string().min(1),
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
