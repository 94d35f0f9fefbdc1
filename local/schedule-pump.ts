// Fires the schedules another EventBridge Scheduler stores but does not fire (LocalStack's):
// it reads them through the Scheduler API every few seconds and fires them with the embedded
// runtime's own Scheduler clock, delivering each fire as Scheduler would (an asynchronous
// Lambda invocation with the schedule's input, its context attributes filled in).
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  paginateListSchedules,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { Clock } from '#shared/ports/clock.ts';
import { LocalScheduler, type Schedule } from './scheduler-service.ts';

export type SchedulePumpOptions = {
  scheduler: SchedulerClient;
  lambda: LambdaClient;
  /** The schedule groups to mirror (Rondo's stage group). */
  groups: string[];
  /** How often the schedules are read again. */
  refreshMs?: number;
  clock?: Clock;
  onError?: (error: unknown) => void;
};

export type SchedulePump = { refresh(): Promise<void>; stop(): Promise<void>; scheduler: LocalScheduler };

/** Reads every schedule of the groups, in full (the list answers only names and targets). */
export async function readSchedules(client: SchedulerClient, groups: string[]): Promise<Schedule[]> {
  const schedules: Schedule[] = [];
  for (const group of groups) {
    for await (const page of paginateListSchedules({ client }, { GroupName: group })) {
      for (const summary of page.Schedules ?? []) {
        let full: GetScheduleCommandOutput;
        try {
          full = await client.send(new GetScheduleCommand({ Name: summary.Name, GroupName: group }));
        } catch (error) {
          // Deleted between the list and the read: it is gone, as the next refresh will see.
          if (error instanceof ResourceNotFoundException) continue;
          throw error;
        }
        if (!full.Name || !full.ScheduleExpression || !full.Target?.Arn) continue;
        const seconds = (date: Date | undefined) => (date ? date.getTime() / 1000 : undefined);
        schedules.push({
          Name: full.Name,
          GroupName: group,
          Arn: full.Arn ?? '',
          ScheduleExpression: full.ScheduleExpression,
          ScheduleExpressionTimezone: full.ScheduleExpressionTimezone ?? 'UTC',
          ...(full.StartDate ? { StartDate: seconds(full.StartDate) } : {}),
          ...(full.EndDate ? { EndDate: seconds(full.EndDate) } : {}),
          State: full.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
          ActionAfterCompletion: full.ActionAfterCompletion === 'DELETE' ? 'DELETE' : 'NONE',
          FlexibleTimeWindow: { Mode: full.FlexibleTimeWindow?.Mode ?? 'OFF' },
          Target: {
            Arn: full.Target.Arn,
            RoleArn: full.Target.RoleArn ?? '',
            ...(full.Target.Input === undefined ? {} : { Input: full.Target.Input }),
            ...(full.Target.RetryPolicy ? { RetryPolicy: full.Target.RetryPolicy } : {}),
          },
          CreationDate: seconds(full.CreationDate) ?? 0,
          LastModificationDate: seconds(full.LastModificationDate) ?? 0,
        } as Schedule);
      }
    }
  }
  return schedules;
}

export function startSchedulePump(options: SchedulePumpOptions): SchedulePump {
  const onError = options.onError ?? (() => {});
  const scheduler = new LocalScheduler({
    ...(options.clock ? { clock: options.clock } : {}),
    deliver: async (targetArn, payload) => {
      const out = await options.lambda.send(
        new InvokeCommand({
          FunctionName: targetArn,
          InvocationType: 'Event',
          Payload: Buffer.from(payload),
        }),
      );
      if (out.StatusCode !== 202) throw new Error(`invoking ${targetArn} answered ${out.StatusCode}`);
    },
  });
  scheduler.onDeliveryFailed = (_name, error) => onError(error);
  const refresh = async () =>
    scheduler.mirror(await readSchedules(options.scheduler, options.groups), (name, error) =>
      onError(new Error(`schedule ${name} cannot be fired here: ${String(error)}`)),
    );
  let refreshing: Promise<void> = refresh().catch(onError);
  const timer = setInterval(() => {
    refreshing = refreshing.then(refresh).catch(onError);
  }, options.refreshMs ?? 5_000);
  scheduler.start();
  return {
    scheduler,
    refresh: () => {
      const next = refreshing.then(refresh);
      // A failed refresh is the caller's to see; the chain goes on for the next one.
      refreshing = next.catch(onError);
      return next;
    },
    stop: async () => {
      clearInterval(timer);
      await refreshing.catch(() => {});
      await scheduler.stop();
    },
  };
}
