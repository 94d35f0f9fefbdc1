import { z } from 'zod';

/** What a workflow's schedule delivers (see scheduleInput in shared/aws/eventbridge-scheduler.ts). */
export const scheduleFireSchema = z.object({
  workflowId: z.string().min(1),
  scheduledTime: z.iso.datetime({ offset: true }),
});
