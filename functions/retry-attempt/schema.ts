import { z } from 'zod';

/** The retry state machine's input, as given by shared/aws/sfn-retry-runner.ts. */
export const retryAttemptSchema = z.object({
  instanceId: z.string().min(1),
  attempt: z.number().int().min(2),
  waitSeconds: z.number().int().min(0),
});
