// What the API answers, as zod schemas: the OpenAPI document (openapi.ts) is generated from
// them. They name the fields clients rely on; objects are open (more fields may come).
import { z } from 'zod';
import { INSTANCE_STATUSES, RUN_TYPES } from '#shared/model/instance.ts';
import { TASK_TYPES } from '#shared/model/workflow.ts';

const status = z.enum(INSTANCE_STATUSES);
const faultSchema = z.looseObject({ code: z.string(), message: z.string() });

export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z
        .string()
        .meta({ description: 'machine-readable, e.g. VALIDATION_FAILED, NOT_FOUND, ACTION_NOT_ALLOWED' }),
      message: z.string(),
      details: z.array(
        z.looseObject({
          path: z.string().meta({ description: 'where the fault is, e.g. tasks[2].config.body.type' }),
          message: z.string(),
          code: z.string().optional(),
          position: z.number().optional(),
        }),
      ),
    }),
  })
  .meta({ id: 'Error' });

export const attemptSchema = z
  .looseObject({
    number: z.number().int().meta({ description: 'numbered across reruns' }),
    trigger: z.enum(['DISPATCH', 'RETRY', 'RECONCILER']),
    startTime: z.string(),
    endTime: z.string().optional(),
    status: z.enum(['RUNNING', 'SUCCESS', 'FAILED', 'TERMINATED']),
    error: faultSchema.optional(),
    logStreams: z
      .array(z.object({ stream: z.enum(['stdout', 'stderr']), lines: z.number(), chunks: z.number() }))
      .optional(),
  })
  .meta({ id: 'Attempt' });

export const instanceSchema = z
  .looseObject({
    id: z.string(),
    runId: z.string(),
    workflowId: z.string(),
    workflowVersion: z.number().int(),
    taskId: z.string(),
    taskName: z.string(),
    taskType: z.enum(TASK_TYPES),
    dataTime: z.string(),
    type: z.enum(RUN_TYPES),
    status,
    blocked: z.boolean().optional(),
    owner: z.string(),
    folder: z.string(),
    resourceGroup: z.string(),
    cycleType: z.string().nullable(),
    plannedTime: z.string(),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    durationMs: z.number().optional(),
    retries: z.number().int(),
    accumulatedRuns: z.number().int(),
    transitions: z.array(z.object({ status, at: z.string() })),
    attempts: z.array(attemptSchema),
    outputs: z.record(z.string(), z.unknown()).optional(),
    error: faultSchema.optional(),
    upstreamOutcomes: z.record(z.string(), z.object({ outcome: z.string(), revision: z.number() })),
  })
  .meta({ id: 'Instance' });

export const diagnosticsSchema = z
  .object({
    summary: z.string(),
    chain: z.array(
      z.object({
        instanceId: z.string(),
        taskId: z.string(),
        dataTime: z.string(),
        status: z.string(),
        message: z.string(),
      }),
    ),
    error: faultSchema.optional(),
  })
  .meta({ id: 'Diagnostics' });

export const instanceDetailSchema = instanceSchema.extend({ diagnostics: diagnosticsSchema }).meta({
  id: 'InstanceDetail',
});

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z
    .looseObject({
      items: z.array(item),
      cursor: z.string().optional().meta({ description: 'pass back for the next page' }),
    })
    .meta({ id });

export const runSchema = z
  .looseObject({
    id: z.string(),
    workflowId: z.string(),
    workflowVersion: z.number().int(),
    dataTime: z.string(),
    plannedTime: z.string(),
    type: z.enum(RUN_TYPES),
    status: z.enum(['RUNNING', 'SUCCESS', 'FAILED', 'TERMINATED']),
    createdAt: z.string(),
    endTime: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()),
    parent: z.object({ runId: z.string(), instanceId: z.string(), attempt: z.number() }).optional(),
    backfillId: z.string().optional(),
    backfillSlot: z.number().int().optional().meta({ description: "the position in its backfill's plan" }),
  })
  .meta({ id: 'Run' });

export const runDetailSchema = runSchema
  .extend({ instances: z.array(instanceSchema), instancesCursor: z.string().optional() })
  .meta({ id: 'RunDetail' });

export const storedWorkflowSchema = z
  .looseObject({
    definition: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    owner: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Workflow' });

export const backfillViewSchema = z.record(z.string(), z.unknown()).meta({ id: 'Backfill' });

const plannedSchema = z.object({
  id: z.string(),
  workflowId: z.string(),
  taskId: z.string(),
  dataTime: z.string(),
  status,
});

export const rerunPlanSchema = z
  .object({
    root: z.string(),
    scope: z.string(),
    downstreamRange: z.string(),
    reset: z.array(plannedSchema),
    skipped: z.array(plannedSchema.extend({ reason: z.string() })),
    dryRun: z.boolean(),
  })
  .meta({ id: 'RerunPlan' });

export const batchResultSchema = z
  .object({
    succeeded: z.number().int(),
    failed: z.number().int(),
    results: z.array(
      z.looseObject({
        id: z.string(),
        status: z.enum(['SUCCESS', 'FAILED']),
        result: z.unknown().optional(),
        httpStatus: z.number().int().optional(),
        error: errorResponseSchema.shape.error.optional(),
      }),
    ),
  })
  .meta({ id: 'BatchResult' });

export const operationRecordSchema = z
  .looseObject({
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.object({ kind: z.string(), id: z.string() }),
    workflowId: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()),
    result: z.looseObject({ status: z.enum(['SUCCESS', 'FAILED']) }),
  })
  .meta({ id: 'OperationRecord' });

export const lineageSchema = z
  .object({
    root: z.string(),
    nodes: z.array(
      z.looseObject({ id: z.string(), taskId: z.string(), status: z.string(), layer: z.number().int() }),
    ),
    edges: z.array(
      z.object({
        from: z.string(),
        to: z.string(),
        condition: z.string(),
        crossRun: z.boolean(),
        removed: z.boolean(),
      }),
    ),
    truncated: z.boolean(),
    parent: z.object({ runId: z.string(), instanceId: z.string() }).optional(),
  })
  .meta({ id: 'Lineage' });

export const logPageSchema = z
  .looseObject({
    instanceId: z.string(),
    attempt: z.number().int(),
    stream: z.string(),
    page: z.number().int(),
    pages: z.number().int(),
    lines: z.array(z.string()),
    search: z
      .object({
        q: z.string(),
        total: z.number().int(),
        truncated: z.boolean(),
        matches: z.array(
          z.object({
            page: z.number().int(),
            line: z.number().int(),
            positions: z.array(z.array(z.number())),
          }),
        ),
      })
      .optional(),
  })
  .meta({ id: 'LogPage' });

export const iterationPageSchema = pageOf(
  z.looseObject({
    id: z.string(),
    index: z.number().int(),
    item: z.unknown(),
    status,
    attempts: z.array(attemptSchema),
    outputs: z.record(z.string(), z.unknown()).optional(),
    childRunId: z.string().optional(),
  }),
  'IterationPage',
).extend({ attempt: z.number().int() });

export const eventInstanceSchema = z
  .looseObject({
    id: z.string(),
    name: z.string(),
    source: z.string(),
    dataTime: z.string(),
    triggerTime: z.string(),
    receivedAt: z.string(),
    status: z.enum(['PENDING', 'CONSUMING', 'CONSUMED', 'EXPIRED', 'REJECTED']),
    consumedBy: z.array(z.string()).optional(),
  })
  .meta({ id: 'EventInstance' });

export const anyObjectSchema = z.record(z.string(), z.unknown());
