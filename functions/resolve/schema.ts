import { z } from 'zod';

/** A completion-queue message: an instance that has just finished. */
export const completionMessageSchema = z.object({ instanceId: z.string().min(1) });
