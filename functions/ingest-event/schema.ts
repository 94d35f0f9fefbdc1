import { z } from 'zod';

/** An EventBridge event as a rule's SQS target delivers it (the message body). */
export const eventBridgeEventSchema = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  detail: z.record(z.string(), z.unknown()),
});
