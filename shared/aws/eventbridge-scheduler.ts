// One EventBridge Scheduler schedule per enabled workflow, in Rondo's schedule group,
// targeting the run-creation function with the scheduled time.
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { WorkflowScheduler } from '../ports/workflow-scheduler.ts';

export type SchedulerTarget = { groupName: string; targetArn: string; roleArn: string };

/** The payload a schedule delivers; Scheduler fills in the scheduled time at each fire. */
export function scheduleInput(workflowId: string): string {
  return JSON.stringify({ workflowId, scheduledTime: '<aws.scheduler.scheduled-time>' });
}

export function createEventBridgeScheduler(
  options: { client: SchedulerClient } & SchedulerTarget,
): WorkflowScheduler {
  const { client, groupName, targetArn, roleArn } = options;
  return {
    async upsert(workflowId, schedule) {
      const input: CreateScheduleCommandInput = {
        Name: workflowId,
        GroupName: groupName,
        ScheduleExpression: schedule.expression,
        ScheduleExpressionTimezone: schedule.timezone,
        StartDate: schedule.start ? new Date(schedule.start) : undefined,
        EndDate: schedule.end ? new Date(schedule.end) : undefined,
        State: schedule.status === 'ENABLED' ? 'ENABLED' : 'DISABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: targetArn,
          RoleArn: roleArn,
          Input: scheduleInput(workflowId),
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        },
      };
      try {
        await client.send(new UpdateScheduleCommand(input));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        try {
          await client.send(new CreateScheduleCommand(input));
        } catch (createError) {
          if (!(createError instanceof ConflictException)) throw createError;
          await client.send(new UpdateScheduleCommand(input));
        }
      }
    },
    async remove(workflowId) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: workflowId, GroupName: groupName }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    },
  };
}
