import { z } from 'zod';

export const instanceListQuerySchema = z.strictObject({
  workflowId: z.string().optional(),
  dataTimeFrom: z.iso.datetime({ offset: true }).optional(),
  dataTimeTo: z.iso.datetime({ offset: true }).optional(),
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
