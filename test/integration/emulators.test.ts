// Conformance of the embedded runtime's AWS emulators: each one is driven with the real
// AWS SDK v3 client, the way a handler in AWS would call the service, and must answer
// what AWS documents (responses, error types, delivery semantics).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  InvalidRequestContentException,
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException as LambdaResourceNotFound,
} from '@aws-sdk/client-lambda';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  ResourceNotFoundException as SchedulerResourceNotFound,
  ValidationException as SchedulerValidationException,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidExecutionInput,
  InvalidName,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { toHttpApiEvent } from '#local/api-gateway.ts';
import { AwsEndpoint } from '#local/aws-endpoint.ts';
import { EventSourceMapping } from '#local/event-source-mapping.ts';
import { LocalLambdaService } from '#local/lambda-service.ts';
import { LocalScheduler } from '#local/scheduler-service.ts';
import { api, eventually, localAws, runtime, unique } from './support.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const RETRY_STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:rondo-retry`;
const CREATE_RUN_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rondo-create-run`;
const SCHEDULER_ROLE = `arn:aws:iam::${ACCOUNT}:role/rondo-scheduler`;

const lambda = new LambdaClient(localAws('aws'));
const sfn = new SFNClient(localAws('aws'));
const scheduler = new SchedulerClient(localAws('aws'));
const eventBridge = new EventBridgeClient(localAws('aws'));
const sqs = new SQSClient(localAws('sqs'));
const dynamoDb = DynamoDBDocumentClient.from(new DynamoDBClient(localAws('dynamodb')));

afterAll(() => {
  for (const client of [lambda, sfn, scheduler, eventBridge, sqs, dynamoDb]) client.destroy();
});

type Instance = { id: string; status: string; plannedTime: string };
type Page = { items: Instance[] };
type ApiError = { error: { code: string; message: string; details: { path: string; code: string }[] } };

const decode = (payload: Uint8Array | undefined): unknown =>
  JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

/** `yyyy-mm-ddThh:mm:ss` of an instant as seen `offsetMinutes` east of UTC (for `at(...)`). */
const localDateTime = (at: Date, offsetMinutes = 0) =>
  new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);

/** What Scheduler writes for `<aws.scheduler.scheduled-time>`: UTC, whole seconds, `Z`. */
const scheduledTime = (at: Date) => `${at.toISOString().slice(0, 19)}Z`;

/** Creates a workflow with one noop task and no schedule; answers its id. */
async function noopWorkflow(prefix: string): Promise<string> {
  const id = unique(prefix);
  const { status } = await api('PUT', `/v1/workflows/${id}`, {
    body: { id, name: id, folder: '/tests', tasks: [{ id: 'only', type: 'noop' }] },
  });
  expect(status).toBe(201);
  return id;
}

async function instancesOf(workflowId: string): Promise<Instance[]> {
  const { status, body } = await api<Page>('GET', `/v1/instances?workflowId=${workflowId}`);
  expect(status).toBe(200);
  return body.items;
}

/** A queue of the test's own in fauxqs, its URL on the emulator's origin (as the runtime does). */
async function createQueue(
  name: string,
  attributes: Record<string, string> = {},
): Promise<{ url: string; arn: string }> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = `${runtime().sqsEndpoint}${new URL(created.QueueUrl ?? '').pathname}`;
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: out.Attributes?.QueueArn ?? '' };
}

/**
 * Looks for a message whose body satisfies `wanted` without hiding the others (visibility 0),
 * deletes it and answers it.
 */
async function takeMessage(
  queueUrl: string,
  wanted: (body: string) => boolean,
): Promise<Message | undefined> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const found = out.Messages?.find((m) => wanted(m.Body ?? ''));
  if (found)
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: found.ReceiptHandle }));
  return found;
}

describe('Lambda Invoke (restJson, POST /2015-03-31/functions/{name}/invocations)', () => {
  it('answers a RequestResponse invocation with status 200 and the function result', async () => {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ hello: 'world' }) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(decode(out.Payload)).toEqual({ received: { hello: 'world' } });
  });

  it('accepts the function ARN as FunctionName', async () => {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo`,
        Payload: JSON.stringify({ n: 1 }),
      }),
    );
    expect(out.StatusCode).toBe(200);
    expect(decode(out.Payload)).toEqual({ received: { n: 1 } });
  });

  it('reports a thrown error as FunctionError Unhandled with errorType and errorMessage (status 200)', async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'always-fail', Payload: '{}' }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(decode(out.Payload)).toMatchObject({
      errorType: 'AlwaysFails',
      errorMessage: 'this task always fails',
    });
  });

  it('rejects an unknown function with ResourceNotFoundException (404)', async () => {
    const error = await lambda
      .send(new InvokeCommand({ FunctionName: unique('no-such-function'), Payload: '{}' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaResourceNotFound);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('rejects a payload that is not JSON with InvalidRequestContentException (400)', async () => {
    const error = await lambda
      .send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{not json') }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestContentException);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 400 } });
  });

  it('answers a DryRun with 204 and does not run the function', async () => {
    const workflowId = await noopWorkflow('dry-run');
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: 'rondo-create-run',
        InvocationType: 'DryRun',
        Payload: JSON.stringify({ workflowId, scheduledTime: '2026-03-01T10:00:00Z' }),
      }),
    );
    expect(out.StatusCode).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await instancesOf(workflowId)).toEqual([]);
  });

  it('answers an Event invocation with 202 and no payload, and runs the function afterwards', async () => {
    const workflowId = await noopWorkflow('async-invoke');
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: 'rondo-create-run',
        InvocationType: 'Event',
        Payload: JSON.stringify({ workflowId, scheduledTime: '2026-03-01T10:00:00Z' }),
      }),
    );
    expect(out.StatusCode).toBe(202);
    expect(out.FunctionError).toBeUndefined();
    expect(Buffer.from(out.Payload ?? []).length).toBe(0);
    const instance = await eventually(
      async () => (await instancesOf(workflowId))[0],
      10_000,
      'the instance created by the asynchronous invocation',
    );
    expect(new Date(instance.plannedTime).toISOString()).toBe('2026-03-01T10:00:00.000Z');
  });
});

describe('Step Functions (awsJson 1.0) on the retry state machine', () => {
  // An instance id that does not exist: the retry-attempt handler answers IGNORED, so the
  // execution succeeds without touching any engine state.
  const retryInput = (waitSeconds: number) =>
    JSON.stringify({ instanceId: unique('no-such-instance'), attempt: 2, waitSeconds });

  const describeExecution = (executionArn: string) =>
    sfn.send(new DescribeExecutionCommand({ executionArn }));

  async function untilClosed(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    return eventually(
      async () => {
        const out = await describeExecution(executionArn);
        return out.status === 'RUNNING' ? undefined : out;
      },
      15_000,
      `execution ${executionArn} to close`,
    );
  }

  it('is idempotent by name and input while open, refuses other input, and refuses any reuse once closed', async () => {
    const name = unique('idem');
    const input = retryInput(3);
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: RETRY_STATE_MACHINE, name, input }),
    );
    expect(first.executionArn).toBe(`arn:aws:states:${REGION}:${ACCOUNT}:execution:rondo-retry:${name}`);
    expect(first.startDate).toBeInstanceOf(Date);

    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: RETRY_STATE_MACHINE, name, input }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());

    await expect(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: RETRY_STATE_MACHINE, name, input: retryInput(2) }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    const running = await describeExecution(first.executionArn ?? '');
    expect(running).toMatchObject({ status: 'RUNNING', name, stateMachineArn: RETRY_STATE_MACHINE, input });
    expect(running.output).toBeUndefined();

    const closed = await untilClosed(first.executionArn ?? '');
    expect(closed.status).toBe('SUCCEEDED');
    expect(closed.stopDate).toBeInstanceOf(Date);
    expect(closed.output).toContain('"outcome":"IGNORED"');
    // The task's result replaces the state's input (no ResultPath): the handler's answer.
    const { instanceId } = JSON.parse(input) as { instanceId: string };
    expect(JSON.parse(closed.output ?? '')).toEqual({ instanceId, attempt: 2, outcome: 'IGNORED' });

    // Closed: the same name is refused whatever the input.
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: RETRY_STATE_MACHINE, name, input })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    const listed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: RETRY_STATE_MACHINE, statusFilter: 'SUCCEEDED' }),
    );
    expect(listed.executions?.map((e) => e.name)).toContain(name);
  });

  it('stops a running execution: ABORTED, with a stop date and no output', async () => {
    const name = unique('stop');
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: RETRY_STATE_MACHINE, name, input: retryInput(60) }),
    );
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const closed = await untilClosed(executionArn);
    expect(closed.status).toBe('ABORTED');
    expect(closed.stopDate).toBeInstanceOf(Date);
    expect(closed.output).toBeUndefined();
  });

  it('answers the documented errors', async () => {
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${unique('nope')}`,
          input: '{}',
        }),
      ),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(
      describeExecution(`arn:aws:states:${REGION}:${ACCOUNT}:execution:rondo-retry:${unique('nope')}`),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: RETRY_STATE_MACHINE,
          name: unique('x'),
          input: '{not json',
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidExecutionInput);
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: RETRY_STATE_MACHINE,
          name: 'has a space',
          input: retryInput(0),
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidName);
  });
});

describe('EventBridge Scheduler (restJson)', () => {
  const target = (input: string) => ({ Arn: CREATE_RUN_ARN, RoleArn: SCHEDULER_ROLE, Input: input });

  it('creates, reads, lists, updates and deletes a schedule with the documented errors', async () => {
    const name = unique('far');
    const create: CreateScheduleCommandInput = {
      Name: name,
      GroupName: 'default',
      ScheduleExpression: 'at(2099-01-01T09:30:00)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: target('{"workflowId":"never","scheduledTime":"<aws.scheduler.scheduled-time>"}'),
    };
    const created = await scheduler.send(new CreateScheduleCommand(create));
    expect(created.ScheduleArn).toBe(`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${name}`);

    const got = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: 'default' }));
    expect(got).toMatchObject({
      Name: name,
      GroupName: 'default',
      Arn: created.ScheduleArn,
      ScheduleExpression: 'at(2099-01-01T09:30:00)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: create.Target,
    });
    expect(got.CreationDate).toBeInstanceOf(Date);

    // The group defaults to `default` when not given.
    const byDefaultGroup = await scheduler.send(new GetScheduleCommand({ Name: name }));
    expect(byDefaultGroup.Arn).toBe(created.ScheduleArn);

    const listed = await scheduler.send(new ListSchedulesCommand({ NamePrefix: name }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual([name]);

    await expect(scheduler.send(new CreateScheduleCommand(create))).rejects.toBeInstanceOf(ConflictException);

    await scheduler.send(
      new UpdateScheduleCommand({
        ...create,
        ScheduleExpression: 'cron(0 10 * * ? *)',
        ScheduleExpressionTimezone: 'Asia/Tokyo',
        State: 'DISABLED',
        Target: target('{"updated":true}'),
      }),
    );
    const updated = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: 'default' }));
    expect(updated).toMatchObject({
      ScheduleExpression: 'cron(0 10 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      State: 'DISABLED',
      Target: { Input: '{"updated":true}' },
    });
    expect(updated.CreationDate?.getTime()).toBe(got.CreationDate?.getTime());

    await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: 'default' }));
    await expect(
      scheduler.send(new GetScheduleCommand({ Name: name, GroupName: 'default' })),
    ).rejects.toBeInstanceOf(SchedulerResourceNotFound);
    await expect(
      scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: 'default' })),
    ).rejects.toBeInstanceOf(SchedulerResourceNotFound);
    await expect(scheduler.send(new UpdateScheduleCommand(create))).rejects.toBeInstanceOf(
      SchedulerResourceNotFound,
    );
  });

  it('rejects an invalid schedule expression with ValidationException', async () => {
    for (const expression of [
      'at(2099-13-01T00:00:00)',
      'rate(0 minutes)',
      'cron(0 10 * * *)',
      'every day',
    ]) {
      await expect(
        scheduler.send(
          new CreateScheduleCommand({
            Name: unique('invalid'),
            ScheduleExpression: expression,
            FlexibleTimeWindow: { Mode: 'OFF' },
            Target: target('{}'),
          }),
        ),
        expression,
      ).rejects.toBeInstanceOf(SchedulerValidationException);
    }
  });

  it('fires one-time schedules at their time, in their time zone, with the context attributes filled in', async () => {
    const utcWorkflow = await noopWorkflow('fired-utc');
    const kolkataWorkflow = await noopWorkflow('fired-kolkata');
    const base = Math.ceil(Date.now() / 1000) * 1000;
    const utcAt = new Date(base + 3000);
    const kolkataAt = new Date(base + 4000);
    const fireInput = (workflowId: string) =>
      JSON.stringify({ workflowId, scheduledTime: '<aws.scheduler.scheduled-time>' });
    const utcName = unique('fire-utc');
    const kolkataName = unique('fire-kolkata');
    await scheduler.send(
      new CreateScheduleCommand({
        Name: utcName,
        ScheduleExpression: `at(${localDateTime(utcAt)})`,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: target(fireInput(utcWorkflow)),
      }),
    );
    // Asia/Kolkata is UTC+05:30 all year: the local wall-clock time is 330 minutes ahead.
    await scheduler.send(
      new CreateScheduleCommand({
        Name: kolkataName,
        ScheduleExpression: `at(${localDateTime(kolkataAt, 330)})`,
        ScheduleExpressionTimezone: 'Asia/Kolkata',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target(fireInput(kolkataWorkflow)),
      }),
    );
    // A target whose effect shows the raw payload: an API Gateway event for the API function
    // that saves a workflow whose description carries the context attributes.
    const witness = unique('witness');
    const witnessName = unique('fire-witness');
    const witnessEvent = toHttpApiEvent(
      { method: 'PUT', url: `/v1/workflows/${witness}`, headers: { 'content-type': 'application/json' } },
      Buffer.from(
        JSON.stringify({
          id: witness,
          name: witness,
          description:
            'time=<aws.scheduler.scheduled-time> arn=<aws.scheduler.schedule-arn> ' +
            'attempt=<aws.scheduler.attempt-number> execution=<aws.scheduler.execution-id>',
          tasks: [{ id: 'only', type: 'noop' }],
        }),
      ),
      'scheduler',
    );
    const witnessSchedule = await scheduler.send(
      new CreateScheduleCommand({
        Name: witnessName,
        ScheduleExpression: `at(${localDateTime(utcAt)})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rondo-api`,
          RoleArn: SCHEDULER_ROLE,
          Input: JSON.stringify(witnessEvent),
        },
      }),
    );
    expect(await instancesOf(utcWorkflow)).toEqual([]);
    expect(await instancesOf(kolkataWorkflow)).toEqual([]);

    const [utcInstance, kolkataInstance] = await Promise.all(
      [utcWorkflow, kolkataWorkflow].map((id) =>
        eventually(async () => (await instancesOf(id))[0], 12_000, `the instance of ${id}`),
      ),
    );
    expect(Date.now()).toBeGreaterThanOrEqual(kolkataAt.getTime());
    // The engine stores the planned time normalised (milliseconds); the instant is the at() time.
    expect(new Date(utcInstance?.plannedTime ?? '').getTime()).toBe(utcAt.getTime());
    expect(new Date(kolkataInstance?.plannedTime ?? '').getTime()).toBe(kolkataAt.getTime());

    const { body: witnessed } = await eventually(
      async () => {
        const response = await api<{ owner: string; definition: { description: string } }>(
          'GET',
          `/v1/workflows/${witness}`,
        );
        return response.status === 200 ? response : undefined;
      },
      5_000,
      'the workflow saved by the schedule',
    );
    expect(witnessed.owner).toBe('scheduler');
    const match = witnessed.definition.description.match(
      /^time=(\S+) arn=(\S+) attempt=(\S+) execution=(\S+)$/,
    );
    expect(match?.slice(1, 4)).toEqual([scheduledTime(utcAt), witnessSchedule.ScheduleArn, '1']);
    expect(match?.[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(match?.[4]).not.toContain('<aws.scheduler');

    // ActionAfterCompletion DELETE removes the schedule once it has fired; NONE keeps it.
    await expect(scheduler.send(new GetScheduleCommand({ Name: utcName }))).rejects.toBeInstanceOf(
      SchedulerResourceNotFound,
    );
    const kept = await scheduler.send(new GetScheduleCommand({ Name: kolkataName }));
    expect(kept.ScheduleExpressionTimezone).toBe('Asia/Kolkata');
    await scheduler.send(new DeleteScheduleCommand({ Name: kolkataName }));

    // Once fired, a one-time schedule does not fire again.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await instancesOf(utcWorkflow)).toHaveLength(1);
    expect(await instancesOf(kolkataWorkflow)).toHaveLength(1);
  });
});

describe('EventBridge Scheduler retries, on a local scheduler whose deliveries fail', () => {
  it('retries a failed delivery within the RetryPolicy, counting attempts, and stops without waiting', async () => {
    const deliveries: { targetArn: string; payload: { attempt: string; time: string; execution: string } }[] =
      [];
    const local = new LocalScheduler({
      deliver: async (targetArn, payload) => {
        deliveries.push({
          targetArn,
          payload: JSON.parse(payload) as (typeof deliveries)[number]['payload'],
        });
        throw new Error('target unavailable');
      },
    });
    const gaveUp: string[] = [];
    local.onDeliveryFailed = (name) => gaveUp.push(name);
    const endpoint = new AwsEndpoint();
    endpoint.addRestRoutes(local.restRoutes());
    const client = new SchedulerClient({ ...localAws('aws'), endpoint: await endpoint.listen() });
    local.start();
    try {
      const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
      const input = JSON.stringify({
        attempt: '<aws.scheduler.attempt-number>',
        time: '<aws.scheduler.scheduled-time>',
        execution: '<aws.scheduler.execution-id>',
      });
      const target = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      for (const [name, retryPolicy] of [
        ['once', { MaximumRetryAttempts: 1 }],
        ['default', undefined],
      ] as const) {
        await client.send(
          new CreateScheduleCommand({
            Name: name,
            ScheduleExpression: `at(${localDateTime(at)})`,
            FlexibleTimeWindow: { Mode: 'OFF' },
            Target: { Arn: target(name), RoleArn: SCHEDULER_ROLE, Input: input, RetryPolicy: retryPolicy },
          }),
        );
      }
      // Attempts 1 at the time, 2 a second later; the default policy then waits 2 s more.
      await eventually(
        async () =>
          deliveries.filter((d) => d.targetArn === target('default')).length >= 2 ? true : undefined,
        8_000,
        'two attempts of the default schedule',
      );
      const stopping = Date.now();
      await local.stop();
      expect(Date.now() - stopping).toBeLessThan(500);
    } finally {
      await local.stop();
      await endpoint.close();
      client.destroy();
    }

    const attemptsOf = (name: string) =>
      deliveries
        .filter((d) => d.targetArn === `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`)
        .map((d) => d.payload);
    // MaximumRetryAttempts 1: the first attempt and one retry, then the scheduler gives up.
    expect(attemptsOf('once').map((p) => p.attempt)).toEqual(['1', '2']);
    expect(gaveUp).toEqual(['once']);
    expect(attemptsOf('default').map((p) => p.attempt)).toEqual(['1', '2']);
    // Retries deliver the same scheduled time.
    const times = new Set([...attemptsOf('once'), ...attemptsOf('default')].map((p) => p.time));
    expect(times.size).toBe(1);
  });
});

describe('EventBridge PutEvents (awsJson 1.1) on the rondo bus', () => {
  const table = () => runtime().tableName;
  const eventItem = async (eventId: string) => {
    const out = await dynamoDb.send(
      new GetCommand({ TableName: table(), Key: { pk: `EVT#${eventId}`, sk: '#EVENT' } }),
    );
    return out.Item;
  };
  const put = (entries: PutEventsRequestEntry[]) =>
    eventBridge.send(new PutEventsCommand({ Entries: entries }));

  it('routes matching events to the events queue, where they are recorded; others match no rule', async () => {
    const detailType = unique('sales-file-ready');
    // Sent first: must not be recorded (excluded source, default bus without rules).
    const excluded = await put([
      { EventBusName: 'rondo', Source: 'rondo.engine', DetailType: detailType, Detail: '{"x":1}' },
      { EventBusName: 'default', Source: 'acme.sales', DetailType: detailType, Detail: '{"x":2}' },
      { Source: 'acme.sales', DetailType: detailType, Detail: '{"x":3}' },
    ]);
    expect(excluded.FailedEntryCount).toBe(0);
    const excludedIds = (excluded.Entries ?? []).map((e) => e.EventId ?? '');
    expect(excludedIds.every((id) => id.length > 0)).toBe(true);

    const out = await put([
      {
        EventBusName: 'rondo',
        Source: 'acme.sales',
        DetailType: detailType,
        Detail: '{"dataTime":"2026-01-01T00:00:00Z"}',
        Time: new Date('2026-01-02T03:04:05Z'),
      },
      {
        EventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/rondo`,
        Source: 'acme.crm',
        DetailType: detailType,
        Detail: '{"dataTime":"2026-01-03T00:00:00Z"}',
      },
    ]);
    expect(out.FailedEntryCount).toBe(0);
    const [byName, byArn] = (out.Entries ?? []).map((e) => e.EventId ?? '');
    expect(byName).toBeTruthy();
    expect(byArn).toBeTruthy();

    const item = await eventually(() => eventItem(byName ?? ''), 10_000, 'the recorded event');
    expect(item).toMatchObject({
      id: byName,
      name: detailType,
      source: 'acme.sales',
      status: 'PENDING',
      dataTime: '2026-01-01T00:00:00.000Z',
      triggerTime: '2026-01-02T03:04:05Z',
      detail: { dataTime: '2026-01-01T00:00:00Z' },
    });
    const viaArn = await eventually(() => eventItem(byArn ?? ''), 10_000, 'the event put by bus ARN');
    expect(viaArn).toMatchObject({ source: 'acme.crm', status: 'PENDING' });

    // The excluded entries were queued (or not) before these; give stragglers a moment.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const id of excludedIds) expect(await eventItem(id), id).toBeUndefined();
  });

  it('fails entries without Detail or with malformed Detail, one by one, in request order', async () => {
    const out = await put([
      { EventBusName: 'rondo', Source: 'acme.sales', DetailType: 'ok', Detail: '{}' },
      { EventBusName: 'rondo', Source: 'acme.sales', DetailType: 'no-detail' },
      { EventBusName: 'rondo', Source: 'acme.sales', DetailType: 'bad-detail', Detail: '{not json' },
    ]);
    expect(out.FailedEntryCount).toBe(2);
    const [ok, missing, malformed] = out.Entries ?? [];
    expect(ok?.EventId).toBeTruthy();
    expect(ok?.ErrorCode).toBeUndefined();
    expect(missing?.EventId).toBeUndefined();
    expect(missing).toMatchObject({ ErrorCode: 'InvalidArgument' });
    expect(missing?.ErrorMessage).toMatch(/Detail/);
    expect(malformed).toMatchObject({ ErrorCode: 'MalformedDetail' });
  });

  it('rejects a request of more than 10 entries with ValidationException', async () => {
    const entries = Array.from({ length: 11 }, () => ({
      Source: 'acme.sales',
      DetailType: 'x',
      Detail: '{}',
    }));
    await expect(put(entries)).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('SQS event source mappings', () => {
  it('redelivers only the failed record of a batch; the dispatch DLQ gets it after maxReceiveCount', async () => {
    const { queueUrls, deadLetterQueueUrls } = runtime();
    const marker = unique('poison');
    const badBody = `not json ${marker}`;
    const goodBody = JSON.stringify({ instanceId: unique('no-such-instance') });
    const sentAt = Date.now();
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrls.dispatch,
        Entries: [
          { Id: 'bad', MessageBody: badBody },
          { Id: 'good', MessageBody: goodBody },
        ],
      }),
    );
    expect(sent.Failed ?? []).toEqual([]);

    const dead = await eventually(
      () => takeMessage(deadLetterQueueUrls.dispatch, (body) => body === badBody),
      30_000,
      'the poison message in the dispatch DLQ',
    );
    expect(dead.MessageId).toBe(sent.Successful?.find((s) => s.Id === 'bad')?.MessageId);
    // Five deliveries, each hidden for the 2 s visibility timeout, come before the move.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(4 * 2000);

    // The good record was acknowledged on its first delivery: never redelivered into the DLQ.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await takeMessage(deadLetterQueueUrls.dispatch, (body) => body === goodBody)).toBeUndefined();
  }, 40_000);

  it('delivers real SQS events: receive counts grow on redelivery, successes are deleted', async () => {
    const name = unique('esm');
    const dlq = await createQueue(`${name}-dlq`);
    const queue = await createQueue(name, {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 }),
    });
    const calls: SQSRecord[][] = [];
    const local = new LocalLambdaService();
    local.register('consumer', async (event: unknown): Promise<SQSBatchResponse> => {
      const { Records } = event as SQSEvent;
      calls.push(Records);
      return {
        batchItemFailures: Records.filter((r) => r.body.startsWith('bad')).map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    });
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'bad', MessageBody: 'bad record' },
          { Id: 'good', MessageBody: 'good record' },
        ],
      }),
    );
    const mapping = new EventSourceMapping({
      client: sqs,
      lambda: local,
      functionName: 'consumer',
      queueUrl: queue.url,
      queueArn: queue.arn,
      batchSize: 10,
      concurrency: 1,
      waitTimeSeconds: 1,
    });
    mapping.start();
    try {
      const dead = await eventually(
        () => takeMessage(dlq.url, (body) => body === 'bad record'),
        15_000,
        'the failed record in the DLQ',
      );
      expect(dead.MessageId).toBe(sent.Successful?.find((s) => s.Id === 'bad')?.MessageId);
    } finally {
      await mapping.stop();
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: dlq.url }));
    }

    // The first call carried both records, as a batch.
    expect(calls[0]?.map((r) => r.body).sort()).toEqual(['bad record', 'good record']);
    const records = calls.flat();
    const good = records.filter((r) => r.body === 'good record');
    const bad = records.filter((r) => r.body === 'bad record');
    expect(good).toHaveLength(1);
    expect(bad.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
    expect(new Set(bad.map((r) => r.messageId)).size).toBe(1);
    for (const record of records) {
      expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: queue.arn, awsRegion: REGION });
      expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(0);
      expect(record.receiptHandle).toBeTruthy();
    }
  }, 30_000);
});

describe('API Gateway HTTP API (payload 2.0) emulator', () => {
  type StoredWorkflow = { owner: string; version: number; definition: { id: string } };

  it('takes the identity from X-Rondo-User, else the development identity', async () => {
    const id = unique('owned');
    const body = { id, name: id, folder: `/${unique('tests')}`, tasks: [{ id: 'only', type: 'noop' }] };
    expect((await api('PUT', `/v1/workflows/${id}`, { body, user: 'alice' })).status).toBe(201);
    const { status, body: stored } = await api<StoredWorkflow>('GET', `/v1/workflows/${id}`);
    expect(status).toBe(200);
    expect(stored).toMatchObject({ owner: 'alice', version: 1, definition: { id } });

    const other = unique('unowned');
    await api('PUT', `/v1/workflows/${other}`, { body: { ...body, id: other, name: other } });
    expect((await api<StoredWorkflow>('GET', `/v1/workflows/${other}`)).body.owner).toBe('admin');
  });

  it('answers an unknown route with 404 and an error code', async () => {
    const { status, body } = await api<ApiError>('GET', `/v1/${unique('nowhere')}`);
    expect(status).toBe(404);
    expect(body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('answers a body that is not JSON with 400 INVALID_JSON', async () => {
    const { status, body } = await api<ApiError>('PUT', `/v1/workflows/${unique('broken')}`, {
      rawBody: '{"id": ',
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_JSON');
  });

  it('answers a workflow whose edges form a cycle with 400 and the path edges', async () => {
    const id = unique('cycle');
    const { status, body } = await api<ApiError>('PUT', `/v1/workflows/${id}`, {
      body: {
        id,
        name: id,
        tasks: [
          { id: 'a', type: 'noop' },
          { id: 'b', type: 'noop' },
        ],
        edges: [
          { from: 'a', to: 'b' },
          { from: 'b', to: 'a' },
        ],
      },
    });
    expect(status).toBe(400);
    expect(body.error.details).toContainEqual(expect.objectContaining({ path: 'edges', code: 'CYCLE' }));
    expect((await api('GET', `/v1/workflows/${id}`)).status).toBe(404);
  });

  it('passes the query string to the handler', async () => {
    const { status, body } = await api<ApiError>('GET', '/v1/instances?limit=0');
    expect(status).toBe(400);
    expect(body.error.details.map((d) => d.path)).toContain('limit');
  });
});
