import { z } from 'zod';

export const instanceListQuerySchema = z.strictObject({
  workflowId: z.string().optional(),
  dataTimeFrom: z.iso.datetime({ offset: true }).optional(),
  dataTimeTo: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});
