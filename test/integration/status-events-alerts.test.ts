// Status-change events and alerts on the embedded runtime: a team's rule on Rondo's bus sees
// one `Instance Status Change` per transition of a failing task; its alert rules deliver one
// alert each to a webhook; a deadline fires for the task still running past it, not for the
// one that finished in time; GET /v1/alerts keeps the history.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_BUS } from '#infra/topology.ts';
import { api, eventually, localAws, unique } from './support.ts';

type Webhook = {
  path: string;
  body: { text: string; rondo: { ruleId: string; on: string; subject: { id: string } } };
};
const webhooks: Webhook[] = [];
let server: Server;
let receiverUrl = '';
const sqs = new SQSClient(localAws('sqs'));
const events = new EventBridgeClient(localAws('aws'));
const lambda = new LambdaClient(localAws('aws'));

beforeAll(async () => {
  server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    webhooks.push({ path: request.url ?? '', body: JSON.parse(body) as Webhook['body'] });
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

type BusEvent = { 'detail-type': string; source: string; detail: Record<string, unknown> };

/** A team's rule: Rondo's status events of one workflow, into a queue of the test's own. */
async function watchWorkflow(workflowId: string): Promise<() => Promise<BusEvent[]>> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('status-watch') }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const rule = unique('watch');
  await events.send(
    new PutRuleCommand({
      Name: rule,
      EventBusName: EVENT_BUS,
      EventPattern: JSON.stringify({ source: ['rondo.engine'], detail: { workflowId: [workflowId] } }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: rule,
      EventBusName: EVENT_BUS,
      Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }],
    }),
  );
  const seen: BusEvent[] = [];
  return async () => {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of out.Messages ?? []) {
      seen.push(JSON.parse(message.Body ?? '{}') as BusEvent);
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
    return seen;
  };
}

type Instance = { id: string; status: string; transitions: { status: string }[] };
type Run = { id: string; status: string; instances: Instance[] };

async function start(workflowId: string, definition: Record<string, unknown>): Promise<string> {
  const saved = await api('PUT', `/v1/workflows/${workflowId}`, {
    body: { id: workflowId, name: workflowId, ...definition },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(201);
  const { body } = await api<{ id: string }>('POST', `/v1/workflows/${workflowId}/runs`, { body: {} });
  return body.id;
}

const closed = (runId: string) =>
  eventually(
    async () => {
      const { body } = await api<Run>('GET', `/v1/runs/${runId}`);
      return body.status === 'RUNNING' ? undefined : body;
    },
    60_000,
    `run ${runId} to close`,
  );

describe('status-change events and alerts', () => {
  it('a failing task: one Instance Status Change per transition, one Run Status Change per run status, one alert per rule', async () => {
    const id = unique('alerting');
    const read = await watchWorkflow(id);
    const hook = (name: string) => ({ type: 'webhook', url: `${receiverUrl}/${id}/${name}` });
    const runId = await start(id, {
      tasks: [
        {
          id: 'load',
          type: 'shell',
          config: { command: 'echo loading; exit 3' },
          retry: { maxRetries: 1, intervalSeconds: 1 },
        },
      ],
      alerts: [
        { id: 'on-failure', on: 'FAILED', channels: [hook('failed'), { type: 'sns' }] },
        { id: 'first-retry', on: 'RETRY', retry: 1, channels: [hook('retry')] },
        { id: 'second-retry', on: 'RETRY', retry: 2, channels: [hook('never')] },
        { id: 'terminated', on: 'TERMINATED', channels: [hook('never')] },
      ],
    });
    const run = await closed(runId);
    expect(run.status).toBe('FAILED');
    const instance = run.instances[0] as Instance;
    const transitions = instance.transitions.map((t) => t.status);
    expect(transitions).toEqual(['WAITING_UPSTREAM', 'RUNNING', 'RETRYING', 'RUNNING', 'FAILED']);

    const seen = await eventually(
      async () => {
        const all = await read();
        return all.some((e) => e['detail-type'] === 'Run Status Change' && e.detail.newStatus === 'FAILED') &&
          all.filter((e) => e['detail-type'] === 'Instance Status Change').length >= transitions.length
          ? all
          : undefined;
      },
      30_000,
      'the status events',
    );
    await read(); // one more receive: nothing more arrives
    const instanceEvents = seen.filter((e) => e['detail-type'] === 'Instance Status Change');
    expect(instanceEvents.map((e) => [e.detail.oldStatus, e.detail.newStatus])).toEqual([
      [null, 'WAITING_UPSTREAM'],
      ['WAITING_UPSTREAM', 'RUNNING'],
      ['RUNNING', 'RETRYING'],
      ['RETRYING', 'RUNNING'],
      ['RUNNING', 'FAILED'],
    ]);
    expect(instanceEvents.at(-1)).toMatchObject({
      source: 'rondo.engine',
      detail: {
        instanceId: instance.id,
        runId,
        workflowId: id,
        taskId: 'load',
        attempt: 2,
        errorCode: 'EXIT_3',
      },
    });
    expect(new Set(instanceEvents.map((e) => e.detail.changeId)).size).toBe(5);
    expect(
      seen
        .filter((e) => e['detail-type'] === 'Run Status Change')
        .map((e) => [e.detail.oldStatus, e.detail.newStatus]),
    ).toEqual([
      [null, 'RUNNING'],
      ['RUNNING', 'FAILED'],
    ]);

    const delivered = await eventually(
      async () => {
        const mine = webhooks.filter((w) => w.path.startsWith(`/${id}/`));
        return mine.length >= 2 ? mine : undefined;
      },
      30_000,
      'the alerts',
    );
    expect(delivered.map((w) => w.path).sort()).toEqual([`/${id}/failed`, `/${id}/retry`]);
    const failed = delivered.find((w) => w.path.endsWith('/failed'));
    expect(failed?.body.text).toContain(`Rondo: ${id} task load failed`);
    expect(failed?.body.text).toContain(`/v1/instances/${encodeURIComponent(instance.id)}`);
    expect(failed?.body.rondo).toMatchObject({
      ruleId: 'on-failure',
      on: 'FAILED',
      subject: { id: instance.id },
    });

    const { body: history } = await api<{
      items: { ruleId: string; delivery: string; channels: { status: string }[] }[];
    }>('GET', `/v1/alerts?workflowId=${id}`);
    expect(history.items.map((a) => [a.ruleId, a.delivery]).sort()).toEqual([
      ['first-retry', 'DELIVERED'],
      ['on-failure', 'DELIVERED'],
    ]);
    expect(history.items.find((a) => a.ruleId === 'on-failure')?.channels.map((c) => c.status)).toEqual([
      'DELIVERED',
      'DELIVERED',
    ]);
  }, 90_000);

  it('a deadline fires for the task still running past it, not for the one that finished in time, and only once', async () => {
    const id = unique('deadline');
    const runId = await start(id, {
      tasks: [
        { id: 'slow', type: 'shell', config: { command: 'sleep 6' } },
        { id: 'quick', type: 'noop' },
      ],
      alerts: [
        {
          id: 'by-3s',
          on: 'DEADLINE',
          tasks: ['slow', 'quick'],
          deadline: { after: '3s', from: 'PLANNED_TIME' },
          channels: [{ type: 'webhook', url: `${receiverUrl}/${id}/deadline` }],
        },
      ],
    });
    // Past the deadline, with `slow` still running: a sweep (the reconciler's, run here at once).
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const sweep = async () => {
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'rondo-reconcile', Payload: '{}' }));
      expect(out.FunctionError).toBeUndefined();
    };
    await sweep();
    const alert = await eventually(
      async () => webhooks.find((w) => w.path === `/${id}/deadline`),
      20_000,
      'the deadline alert',
    );
    expect(alert.body.rondo).toMatchObject({ ruleId: 'by-3s', on: 'DEADLINE' });
    expect(alert.body.rondo.subject.id).toMatch(/\.slow$/);
    expect(alert.body.text).toContain('is not SUCCESS 3s after its planned time (deadline)');
    await closed(runId);
    await sweep();
    expect(webhooks.filter((w) => w.path === `/${id}/deadline`)).toHaveLength(1);
  }, 60_000);
});
