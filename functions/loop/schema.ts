import { z } from 'zod';

/** What the for-each state machine (infra/state-machines/loop.ts) sends the loop function. */
export const loopEventSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('iteration'),
    instanceId: z.string().min(1),
    attempt: z.number().int().min(1),
    index: z.number().int().min(0),
    taskToken: z.string().min(1),
  }),
  z.object({
    action: z.literal('finish'),
    instanceId: z.string().min(1),
    attempt: z.number().int().min(1),
    /** The Map state's failure, as its Catch records it. */
    failure: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  }),
]);
