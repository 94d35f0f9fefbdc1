import type { ScheduleDefinition } from '../model/workflow.ts';

/** Keeps one schedule per enabled workflow (EventBridge Scheduler in AWS). */
export type WorkflowScheduler = {
  upsert(workflowId: string, schedule: ScheduleDefinition): Promise<void>;
  remove(workflowId: string): Promise<void>;
};
