// The schedule pump the LocalStack path uses, pointed at the embedded runtime's Scheduler
// API: it reads the schedules Rondo's API created and fires them at their time as Scheduler
// does (an asynchronous invocation of the target with the scheduled time filled in), follows
// changes, and forgets deleted schedules.
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { type SchedulePump, startSchedulePump } from '#local/schedule-pump.ts';
import type { Clock } from '#shared/ports/clock.ts';
import { api, eventually, localAws, runtime, unique } from './support.ts';

let now = new Date('2030-01-01T01:59:00Z');
const clock: Clock = { now: () => new Date(now) };
const invocations: { functionName: string; invocationType: string; payload: unknown }[] = [];
// Stands in for LocalStack's Lambda: the pump's delivery is what is under test, not Lambda.
const lambda = {
  send: async (command: InvokeCommand) => {
    invocations.push({
      functionName: String(command.input.FunctionName),
      invocationType: String(command.input.InvocationType),
      payload: JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString('utf8')),
    });
    return { StatusCode: 202 };
  },
} as unknown as LambdaClient;

let pump: SchedulePump | undefined;
afterAll(async () => {
  await pump?.stop();
});

describe('the schedule pump', () => {
  it("fires the schedules Rondo's API created at their time, and forgets deleted ones", async () => {
    const workflowId = unique('pumped');
    // 02:00 UTC on 1 January 2030: far from the runtime's own (real-time) scheduler.
    const saved = await api('PUT', `/v1/workflows/${workflowId}`, {
      body: {
        id: workflowId,
        name: 'Pumped',
        schedule: { cycle: 'DAY', expression: 'cron(0 2 1 1 ? 2030)', timezone: 'UTC', status: 'ENABLED' },
        tasks: [{ id: 'tick', type: 'noop' }],
      },
    });
    expect(saved.status).toBe(201);
    const { environment } = runtime();
    pump = startSchedulePump({
      scheduler: new SchedulerClient(localAws('aws')),
      lambda,
      groups: [String(environment.RONDO_SCHEDULE_GROUP)],
      clock,
      refreshMs: 60_000,
    });
    await pump.refresh();
    expect(pump.scheduler.list().map((s) => s.Name)).toContain(workflowId);
    expect(invocations).toEqual([]);

    now = new Date('2030-01-01T02:00:01Z');
    const fired = await eventually(
      async () => invocations.find((i) => (i.payload as { workflowId?: string }).workflowId === workflowId),
      10_000,
      'the fire',
    );
    expect(fired).toEqual({
      functionName: environment.RONDO_SCHEDULE_TARGET_ARN,
      invocationType: 'Event',
      payload: { workflowId, scheduledTime: '2030-01-01T02:00:00Z' },
    });

    expect((await api('DELETE', `/v1/workflows/${workflowId}`)).status).toBe(200);
    await pump.refresh();
    expect(pump.scheduler.list().map((s) => s.Name)).not.toContain(workflowId);
  });
});
