import { z } from 'zod';

/** A dispatch-queue message: an instance whose upstreams may now allow it to run. */
export const dispatchMessageSchema = z.object({ instanceId: z.string().min(1) });
