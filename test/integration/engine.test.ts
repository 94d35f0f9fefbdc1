// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the '${…}' strings are Rondo templates, not JavaScript ones.
// The core engine end to end on an embedded runtime of its own, with faults injected:
// every queue message delivered twice, handlers crashed after their first write.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentFunction } from '#local/lambda-service.ts';
import type { Runtime } from '#local/runtime.ts';
import { requestCounter } from '#shared/aws/request-accounting.ts';
import {
  apiClient,
  eventually,
  scriptedCalls,
  startFaultInjectingRuntime,
} from '../support/fault-runtime.ts';
import { unique } from './support.ts';

type Attempt = { number: number; status: string; error?: { code: string } };
type Instance = {
  id: string;
  taskId: string;
  status: string;
  blocked?: boolean;
  retries: number;
  accumulatedRuns: number;
  startTime?: string;
  endTime?: string;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  attempts: Attempt[];
  transitions: { status: string; at: string }[];
};
type Run = { id: string; status: string; unfinished: number };

let runtime: Runtime;
const api = apiClient(() => runtime.apiUrl);
let notified: { token?: string } = {};
let notifyServer: Server;
let notifyUrl = '';

beforeAll(async () => {
  notifyServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      notified = JSON.parse(body || '{}') as { token?: string };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((resolve) => notifyServer.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(notifyServer.address() as AddressInfo).port}/notify`;
  runtime = await startFaultInjectingRuntime();
}, 60_000);

afterAll(async () => {
  requestCounter.afterRequest = undefined;
  await runtime?.stop();
  await new Promise((resolve) => notifyServer.close(resolve));
});

async function fire(workflowId: string, scheduledTime = '2026-03-01T10:00:00Z'): Promise<string> {
  const out = (await runtime.lambda.invoke('rondo-create-run', { workflowId, scheduledTime })) as {
    runId: string;
  };
  return out.runId;
}

const finishedRun = (runId: string) =>
  eventually(async () => {
    const { body } = await api<Run>('GET', `/v1/runs/${runId}`);
    return body.status !== 'RUNNING' ? body : undefined;
  }, `run ${runId} to finish`);

const instance = async (runId: string, taskId: string) =>
  (await api<Instance>('GET', `/v1/instances/${runId}.${taskId}`)).body;

const scriptedCallsOf = (runId: string) => scriptedCalls(runtime, runId);

const scripted = (
  id: string,
  payload: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) => ({
  id,
  type: 'lambda',
  config: { function: 'scripted', payload },
  retry: { maxRetries: 1, intervalSeconds: 0, backoffRate: 1 },
  ...extra,
});

async function save(definition: Record<string, unknown>) {
  const { status, body } = await api('PUT', `/v1/workflows/${definition.id}`, definition);
  expect(status, JSON.stringify(body)).toBeLessThan(300);
}

describe('engine on the embedded runtime, every message delivered twice', () => {
  it('runs a DAG with every edge kind to the statuses PRODUCT.md §3 prescribes, each attempt once', async () => {
    const id = unique('dag');
    await save({
      id,
      name: id,
      tasks: [
        scripted('extract'),
        scripted('flaky', { failAttempts: 1 }),
        scripted('broken', { failAttempts: -1 }),
        scripted('load'),
        scripted('on-failure'),
        scripted('cleanup'),
        scripted('after-skip'),
        scripted('blocked'),
        scripted('after-blocked'),
      ],
      edges: [
        { from: 'extract', to: 'flaky' },
        { from: 'extract', to: 'broken' },
        { from: 'flaky', to: 'load' },
        { from: 'broken', to: 'on-failure', condition: 'FAILURE' },
        { from: 'flaky', to: 'cleanup', condition: 'FAILURE' },
        { from: 'cleanup', to: 'after-skip', condition: 'ALWAYS' },
        { from: 'broken', to: 'blocked' },
        { from: 'blocked', to: 'after-blocked', condition: 'ALWAYS' },
      ],
    });
    const runId = await fire(id);
    const run = await finishedRun(runId);
    const statuses = Object.fromEntries(
      await Promise.all(
        [
          'extract',
          'flaky',
          'broken',
          'load',
          'on-failure',
          'cleanup',
          'after-skip',
          'blocked',
          'after-blocked',
        ].map(async (task) => {
          const found = await instance(runId, task);
          return [task, found.blocked ? `${found.status}+blocked` : found.status] as const;
        }),
      ),
    );
    expect(statuses).toEqual({
      extract: 'SUCCESS',
      flaky: 'SUCCESS',
      broken: 'FAILED',
      load: 'SUCCESS',
      'on-failure': 'SUCCESS',
      cleanup: 'SKIPPED',
      'after-skip': 'SUCCESS',
      blocked: 'WAITING_UPSTREAM+blocked',
      'after-blocked': 'WAITING_UPSTREAM+blocked',
    });
    expect(run.status).toBe('FAILED');
    const calls = scriptedCallsOf(runId);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(calls.get(`${runId}.flaky#2`)).toBe(1);
    expect(calls.get(`${runId}.broken#2`)).toBe(1);
    expect(calls.has(`${runId}.broken#3`)).toBe(false);
    expect(calls.size).toBe(8); // extract, flaky ×2, broken ×2, load, on-failure, after-skip
    // A lambda task's function receives its upstreams' outputs.
    const load = runtime.lambda.invocations.find(
      ({ name, event }) =>
        name === 'scripted' && (event as { instance: { id: string } }).instance.id === `${runId}.load`,
    );
    expect((load?.event as { upstreamOutputs: unknown } | undefined)?.upstreamOutputs).toEqual({
      flaky: { task: 'flaky', attempt: 2 },
    });
  });

  it('dispatches a fan-in of 100 upstreams finishing at once exactly once', async () => {
    const id = unique('fanin');
    const roots = Array.from({ length: 100 }, (_, i) => ({ id: `up${i}`, type: 'noop' }));
    await save({
      id,
      name: id,
      tasks: [...roots, scripted('join')],
      edges: roots.map((r) => ({ from: r.id, to: 'join' })),
    });
    const runId = await fire(id);
    const run = await finishedRun(runId);
    expect(run.status).toBe('SUCCESS');
    const join = await instance(runId, 'join');
    expect(join.accumulatedRuns).toBe(1);
    expect(join.transitions.map((t) => t.status)).toEqual(['WAITING_UPSTREAM', 'RUNNING', 'SUCCESS']);
    expect(scriptedCallsOf(runId).get(`${runId}.join#1`)).toBe(1);
  }, 60_000);
});

describe('healing', () => {
  it('completes a run whose dispatch handler crashed after its first write, once the reconciler runs', async () => {
    const id = unique('crash');
    await save({
      id,
      name: id,
      tasks: [scripted('first', {}, { timeoutSeconds: 1 }), scripted('second')],
      edges: [{ from: 'first', to: 'second' }],
    });
    let crashes = 0;
    requestCounter.afterRequest = (service, operation) => {
      const writes = ['UpdateItem', 'TransactWriteItems', 'PutItem'];
      if (
        crashes === 0 &&
        currentFunction.getStore() === 'rondo-dispatch' &&
        service === 'DynamoDB' &&
        writes.includes(operation)
      ) {
        crashes++;
        throw new Error('injected crash after the first write');
      }
    };
    const runId = await fire(id);
    // The crash left `first` RUNNING with no executor behind it; redeliveries leave it be.
    const stuck = await eventually(async () => {
      const found = await instance(runId, 'first');
      return crashes === 1 && found.status === 'RUNNING' ? found : undefined;
    }, 'the crashed attempt');
    requestCounter.afterRequest = undefined;
    expect(stuck.attempts).toHaveLength(1);
    // Past its due time (1 s timeout + 1 s grace), the reconciler fails the lost attempt, which is retried.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const report = (await runtime.lambda.invoke('rondo-reconcile', {})) as { healed: Record<string, number> };
    expect(report.healed.FAILED_LOST_ATTEMPT).toBeGreaterThanOrEqual(1);
    const run = await finishedRun(runId);
    expect(run.status).toBe('SUCCESS');
    const first = await instance(runId, 'first');
    expect(first.attempts.map((a) => [a.number, a.status, a.error?.code])).toEqual([
      [1, 'FAILED', 'ATTEMPT_LOST'],
      [2, 'SUCCESS', undefined],
    ]);
  }, 60_000);
});

describe('resource groups', () => {
  it('runs at most `limit` instances of a group at once, the others waiting in WAITING_EXECUTION', async () => {
    const group = unique('pool');
    expect((await api('PUT', `/v1/resource-groups/${group}`, { limit: 1 })).status).toBe(200);
    const id = unique('limited');
    const tasks = ['a', 'b', 'c'].map((t) => scripted(t, { sleepMs: 300 }, { resourceGroup: group }));
    await save({ id, name: id, tasks });
    const runId = await fire(id);
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
    const found = await Promise.all(['a', 'b', 'c'].map((t) => instance(runId, t)));
    const spans = found
      .map((i) => [new Date(i.startTime ?? 0).getTime(), new Date(i.endTime ?? 0).getTime()] as const)
      .sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++)
      expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] ?? 0);
    expect(found.some((i) => i.transitions.some((t) => t.status === 'WAITING_EXECUTION'))).toBe(true);
  }, 60_000);
});

describe('dependencies outside the run', () => {
  it('releases a self-dependent instance when the previous cycle succeeds', async () => {
    const id = unique('selfdep');
    await save({
      id,
      name: id,
      schedule: {
        cycle: 'DAY',
        expression: 'cron(0 2 * * ? *)',
        start: '2027-01-01T00:00:00Z',
        status: 'PAUSED',
      },
      tasks: [{ id: 'daily', type: 'noop', selfDependent: true }],
    });
    // The schedule's first fire (2027-01-01 02:00) processes 2026-12-31; the next one waits for it.
    const second = await fire(id, '2027-01-02T02:00:00Z'); // data time 2027-01-01
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const waiting = await instance(second, 'daily');
    expect(waiting.status).toBe('WAITING_UPSTREAM');
    const first = await fire(id, '2027-01-01T02:00:00Z'); // data time 2026-12-31: the first cycle
    expect((await finishedRun(first)).status).toBe('SUCCESS');
    expect((await finishedRun(second)).status).toBe('SUCCESS');
  }, 60_000);

  it('releases a task that depends on another workflow when that instance succeeds', async () => {
    const upstream = unique('producer');
    const downstream = unique('consumer');
    await save({ id: upstream, name: upstream, tasks: [{ id: 'load', type: 'noop' }] });
    await save({
      id: downstream,
      name: downstream,
      tasks: [
        { id: 'report', type: 'noop', dependsOn: [{ workflow: upstream, task: 'load', offset: '0d' }] },
      ],
    });
    const consumerRun = await fire(downstream);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await instance(consumerRun, 'report')).status).toBe('WAITING_UPSTREAM');
    await fire(upstream);
    expect((await finishedRun(consumerRun)).status).toBe('SUCCESS');
  }, 60_000);
});

describe('executors, templates and logs', () => {
  it('renders templates from the data time, parameters and upstream outputs; stores shell output as logs', async () => {
    const id = unique('templates');
    await save({
      id,
      name: id,
      parameters: [{ name: 'greeting', type: 'text', default: 'hello' }],
      schedule: {
        cycle: 'DAY',
        expression: 'cron(0 2 * * ? *)',
        timezone: 'Europe/Berlin',
        status: 'PAUSED',
      },
      tasks: [
        scripted('produce', { outputs: { rows: 42 } }),
        {
          id: 'consume',
          type: 'shell',
          config: {
            command:
              'echo "day=${yyyyMMdd} before=${yyyyMMdd-1d} greeting=[DYNAMIC_PARAMS.greeting] rows=${outputs.produce.rows}"; ' +
              'echo \'::output::{"ok":true}\'; echo oops >&2',
          },
        },
      ],
      edges: [{ from: 'produce', to: 'consume' }],
    });
    const runId = await fire(id, '2026-03-02T01:00:00Z'); // 02:00 in Berlin: data time 2026-03-01
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
    const consume = await instance(runId, 'consume');
    expect(consume.outputs).toMatchObject({ ok: true, exitCode: 0 });
    const stdout = await api<{ lines: string[]; pages: number }>(
      'GET',
      `/v1/instances/${runId}.consume/attempts/1/logs?stream=stdout`,
    );
    expect(stdout.body.lines[0]).toBe('day=20260301 before=20260228 greeting=hello rows=42');
    const stderr = await api<{ lines: string[] }>(
      'GET',
      `/v1/instances/${runId}.consume/attempts/1/logs?stream=stderr`,
    );
    expect(stderr.body.lines).toEqual(['oops']);
    const engine = await api<{ lines: string[] }>(
      'GET',
      `/v1/instances/${runId}.consume/attempts/1/logs?stream=engine`,
    );
    expect(engine.body.lines.join('\n')).toMatch(/attempt 1 started[\s\S]*attempt 1 succeeded/);
  });

  it('fails an instance whose template cannot be resolved, with a readable diagnostic and no retry', async () => {
    const id = unique('badtemplate');
    await save({
      id,
      name: id,
      tasks: [
        scripted('produce'),
        { id: 'consume', type: 'shell', config: { command: 'echo ${outputs.produce.missing}' } },
      ],
      edges: [{ from: 'produce', to: 'consume' }],
    });
    const runId = await fire(id);
    expect((await finishedRun(runId)).status).toBe('FAILED');
    const consume = await instance(runId, 'consume');
    expect(consume.error?.code).toBe('TEMPLATE_ERROR');
    expect(consume.error?.message).toContain('missing');
    expect(consume.accumulatedRuns).toBe(1);
  });

  it('hands out a callback token and completes the attempt when the external system reports back', async () => {
    const id = unique('callback');
    notified = {};
    await save({
      id,
      name: id,
      tasks: [
        {
          id: 'approve',
          type: 'callback',
          config: {
            notify: { method: 'POST', url: notifyUrl, body: { token: '[DYNAMIC_PARAMS.callbackToken]' } },
          },
        },
      ],
    });
    const runId = await fire(id);
    const token = await eventually(async () => notified.token, 'the callback notification');
    expect((await api('POST', `/v1/callbacks/${token}/heartbeat`)).status).toBe(202);
    expect(
      (await api('POST', `/v1/callbacks/${token}x`, { status: 'SUCCESS' })).status,
    ).toBeGreaterThanOrEqual(400);
    expect(
      (await api('POST', `/v1/callbacks/${token}`, { status: 'SUCCESS', outputs: { approvedBy: 'ops' } }))
        .status,
    ).toBe(202);
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
    expect((await instance(runId, 'approve')).outputs).toEqual({ approvedBy: 'ops' });
    // The token was for that attempt only.
    expect(
      (await api<{ error: { code: string } }>('POST', `/v1/callbacks/${token}`, { status: 'SUCCESS' })).body
        .error.code,
    ).toBe('INVALID_CALLBACK_TOKEN');
  });
});

describe('condition tasks', () => {
  const cases: [number, string, 'then' | 'else'][] = [
    [150, 'eu', 'then'],
    [50, 'eu', 'else'],
    [150, 'us', 'else'],
  ];
  it.each(cases)(
    'threshold %i in %s takes the %s branch and skips the other',
    async (threshold, region, chosen) => {
      const id = unique('choose');
      await save({
        id,
        name: id,
        parameters: [
          { name: 'threshold', type: 'numeric', default: threshold },
          { name: 'region', type: 'text', default: region },
        ],
        tasks: [
          scripted('count', { outputs: { rows: 120 } }),
          {
            id: 'big',
            type: 'condition',
            config: { if: "outputs.count.rows < params.threshold and params.region in ['eu', 'uk']" },
          },
          { id: 'publish', type: 'noop' },
          { id: 'hold', type: 'noop' },
          { id: 'after-hold', type: 'noop' },
        ],
        edges: [
          { from: 'count', to: 'big' },
          { from: 'big', to: 'publish', branch: 'then' },
          { from: 'big', to: 'hold', branch: 'else' },
          { from: 'hold', to: 'after-hold' },
        ],
      });
      const runId = await fire(id);
      expect((await finishedRun(runId)).status).toBe('SUCCESS');
      expect((await instance(runId, 'big')).outputs).toMatchObject({ branch: chosen });
      const statuses = await Promise.all(
        ['publish', 'hold', 'after-hold'].map(async (t) => (await instance(runId, t)).status),
      );
      expect(statuses).toEqual(
        chosen === 'then' ? ['SUCCESS', 'SKIPPED', 'SKIPPED'] : ['SKIPPED', 'SUCCESS', 'SUCCESS'],
      );
    },
  );

  it('refuses, when saved, a condition that does not parse and edges without a known branch', async () => {
    const id = unique('badcondition');
    const { status, body } = await api<{ error: { details: { path: string; code: string }[] } }>(
      'PUT',
      `/v1/workflows/${id}`,
      {
        id,
        name: id,
        tasks: [
          { id: 'c', type: 'condition', config: { if: 'params.x ==' } },
          { id: 'a', type: 'noop' },
        ],
        edges: [{ from: 'c', to: 'a', branch: 'maybe' }],
      },
    );
    expect(status).toBe(400);
    expect(body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'edges[0].branch', code: 'UNKNOWN_BRANCH' })]),
    );
    const second = await api<{ error: { details: { path: string; code: string }[] } }>(
      'PUT',
      `/v1/workflows/${id}`,
      {
        id,
        name: id,
        tasks: [
          { id: 'c', type: 'condition', config: { if: 'params.x ==' } },
          { id: 'a', type: 'noop' },
        ],
        edges: [{ from: 'c', to: 'a', branch: 'then' }],
      },
    );
    expect(second.body.error.details).toEqual([
      expect.objectContaining({ path: 'tasks[0].config.if', code: 'INVALID_EXPRESSION' }),
    ]);
  });
});

describe('subworkflows and runs started by hand', () => {
  it('runs a child run of another workflow with the same data time and succeeds or fails with it', async () => {
    const child = unique('child');
    const parent = unique('parent');
    await save({
      id: child,
      name: child,
      parameters: [{ name: 'mode', type: 'text', default: 'normal' }],
      tasks: [
        {
          id: 'work',
          type: 'shell',
          config: {
            command:
              '[ "[DYNAMIC_PARAMS.mode]" = "break" ] && exit 3; echo "::output::{\\"mode\\":\\"[DYNAMIC_PARAMS.mode]\\"}"',
          },
          retry: { maxRetries: 0 },
        },
      ],
    });
    await save({
      id: parent,
      name: parent,
      tasks: [
        { id: 'ok', type: 'subworkflow', config: { workflow: child, parameters: { mode: 'fast' } } },
        {
          id: 'broken',
          type: 'subworkflow',
          config: { workflow: child, parameters: { mode: 'break' } },
          retry: { maxRetries: 0 },
        },
      ],
    });
    const runId = await fire(parent);
    expect((await finishedRun(runId)).status).toBe('FAILED');
    const ok = await instance(runId, 'ok');
    expect(ok.status).toBe('SUCCESS');
    const childRunId = String(ok.outputs?.runId);
    const { body: childRun } = await api<
      Run & { dataTime: string; parent: { instanceId: string }; instances: Instance[] }
    >('GET', `/v1/runs/${childRunId}`);
    const { body: parentRun } = await api<{ dataTime: string }>('GET', `/v1/runs/${runId}`);
    expect(childRun).toMatchObject({
      status: 'SUCCESS',
      dataTime: parentRun.dataTime,
      parent: { instanceId: `${runId}.ok` },
    });
    expect(childRun.instances[0]?.outputs).toMatchObject({ mode: 'fast' });
    const broken = await instance(runId, 'broken');
    expect(broken).toMatchObject({ status: 'FAILED', error: { code: 'SUBWORKFLOW_FAILED' } });
  });

  it('starts a one-time run with a data time and parameter overrides, and refuses unknown parameters', async () => {
    const id = unique('runnow');
    await save({
      id,
      name: id,
      parameters: [{ name: 'region', type: 'text', default: 'eu' }],
      tasks: [
        {
          id: 'say',
          type: 'shell',
          config: { command: 'echo "::output::{\\"region\\":\\"[DYNAMIC_PARAMS.region]\\"}"' },
        },
      ],
    });
    const { status, body } = await api<Run & { type: string; dataTime: string }>(
      'POST',
      `/v1/workflows/${id}/runs`,
      {
        dataTime: '2026-02-01T00:00:00Z',
        parameters: { region: 'us' },
      },
    );
    expect(status).toBe(201);
    expect(body).toMatchObject({
      workflowId: id,
      type: 'ONE_TIME',
      dataTime: '2026-02-01T00:00:00.000Z',
      status: 'RUNNING',
    });
    expect((await finishedRun(body.id)).status).toBe('SUCCESS');
    expect((await instance(body.id, 'say')).outputs).toMatchObject({ region: 'us' });
    const second = await api<Run>('POST', `/v1/workflows/${id}/runs`, {});
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(body.id);
    const refused = await api<{ error: { code: string; details: { path: string }[] } }>(
      'POST',
      `/v1/workflows/${id}/runs`,
      {
        parameters: { nope: 1 },
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'INVALID_PARAMETERS',
      details: [{ path: 'parameters.nope' }],
    });
    expect((await api('POST', '/v1/workflows/does-not-exist/runs', {})).status).toBe(404);
  });
});

describe('event listeners', () => {
  async function emit(name: string, dataTime: string) {
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const client = new EventBridgeClient({
      endpoint: runtime.awsEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'rondolocal', secretAccessKey: 'rondolocal' },
    });
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'rondo',
            Source: 'acme.sales',
            DetailType: name,
            Detail: JSON.stringify({ dataTime }),
          },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    return out.Entries?.[0]?.EventId ?? '';
  }

  async function eventStatus(eventId: string): Promise<unknown> {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { DynamoDBDocumentClient, GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: runtime.dynamoDbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'rondolocal', secretAccessKey: 'rondolocal' },
      }),
    );
    const out = await client.send(
      new GetCommand({ TableName: runtime.tableName, Key: { pk: `EVT#${eventId}`, sk: '#EVENT' } }),
    );
    return out.Item?.status;
  }

  const listening = (id: string, event: string) => ({
    id,
    name: id,
    tasks: [
      { id: 'file-ready', type: 'noop', event: { name: event } },
      { id: 'load', type: 'noop' },
    ],
    edges: [{ from: 'file-ready', to: 'load' }],
  });

  it('holds an instance in WAITING_EVENT until its event arrives for its data time, then runs it and its downstream', async () => {
    const id = unique('listener');
    const event = unique('sales-file-ready');
    await save(listening(id, event));
    const runId = await fire(id, '2026-03-01T10:00:00Z');
    const { body: run } = await api<{ dataTime: string }>('GET', `/v1/runs/${runId}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await instance(runId, 'file-ready')).status).toBe('WAITING_EVENT');
    await emit(event, '2026-02-01T00:00:00Z'); // another data time: releases nothing
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await instance(runId, 'file-ready')).status).toBe('WAITING_EVENT');
    const eventId = await emit(event, run.dataTime);
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
    expect(
      await eventually(
        async () => ((await eventStatus(eventId)) === 'CONSUMED' ? true : undefined),
        'CONSUMED',
      ),
    ).toBe(true);
    const released = await instance(runId, 'file-ready');
    expect(released.transitions.map((t) => t.status)).toEqual([
      'WAITING_EVENT',
      'WAITING_UPSTREAM',
      'RUNNING',
      'SUCCESS',
    ]);
  });

  it('runs at once an instance whose event arrived before its run was created', async () => {
    const id = unique('early');
    const event = unique('early-file');
    await save(listening(id, event));
    await emit(event, '2026-03-01T10:00:00.000Z');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const runId = await fire(id, '2026-03-01T10:00:00Z'); // no schedule: the data time is the planned time
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
  });

  it('takes events through POST /v1/events, expires a wait past its validity, and keeps a malformed event as REJECTED', async () => {
    const id = unique('validity');
    const event = unique('ledger-closed');
    await save({
      id,
      name: id,
      tasks: [
        { id: 'waits', type: 'noop', event: { name: event, validitySeconds: 1 } },
        { id: 'after', type: 'noop' },
      ],
      edges: [{ from: 'waits', to: 'after' }],
    });
    const runId = await fire(id, '2026-03-01T10:00:00Z');
    const rejected = await api<{ eventId: string }>('POST', '/v1/events', {
      Source: 'acme.ledger',
      DetailType: event,
      Detail: JSON.stringify({ dataTime: 'yesterday' }),
    });
    expect(rejected.status).toBe(202);
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { DynamoDBDocumentClient, GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const dynamoDb = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: runtime.dynamoDbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'rondolocal', secretAccessKey: 'rondolocal' },
      }),
    );
    const stored = await eventually(async () => {
      const out = await dynamoDb.send(
        new GetCommand({
          TableName: runtime.tableName,
          Key: { pk: `EVT#${rejected.body.eventId}`, sk: '#EVENT' },
        }),
      );
      return out.Item;
    }, 'the rejected event');
    expect(stored).toMatchObject({ status: 'REJECTED', reason: expect.stringContaining('yesterday') });
    expect((await instance(runId, 'waits')).status).toBe('WAITING_EVENT');
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // validity 1 s + grace 1 s
    await runtime.lambda.invoke('rondo-reconcile', {});
    const run = await finishedRun(runId);
    expect(run.status).toBe('TERMINATED');
    expect(await instance(runId, 'waits')).toMatchObject({
      status: 'TERMINATED',
      error: { code: 'EVENT_TIMEOUT' },
    });
    expect(await instance(runId, 'after')).toMatchObject({ status: 'WAITING_UPSTREAM', blocked: true });
    expect((await api('POST', '/v1/events', { Source: 'acme', DetailType: 'x', Detail: '[1]' })).status).toBe(
      400,
    );
    // The event its instance waited for, arriving after the wait ended, expires.
    const { body: closed } = await api<{ dataTime: string }>('GET', `/v1/runs/${runId}`);
    const late = await api<{ eventId: string }>('POST', '/v1/events', {
      Source: 'acme.ledger',
      DetailType: event,
      Detail: { dataTime: closed.dataTime },
    });
    const lateItem = await eventually(async () => {
      const out = await dynamoDb.send(
        new GetCommand({
          TableName: runtime.tableName,
          Key: { pk: `EVT#${late.body.eventId}`, sk: '#EVENT' },
        }),
      );
      return out.Item?.status === 'EXPIRED' ? out.Item : undefined;
    }, 'the late event to expire');
    expect(lateItem.status).toBe('EXPIRED');
  });
});

describe('backfills', () => {
  const daily = (id: string) => ({
    id,
    name: id,
    parameters: [{ name: 'region', type: 'text', default: 'eu' }],
    schedule: { cycle: 'DAY', expression: 'cron(0 2 * * ? *)', status: 'PAUSED' },
    tasks: [
      {
        id: 'extract',
        type: 'shell',
        config: { command: 'sleep 0.2; echo "::output::{\\"region\\":\\"[DYNAMIC_PARAMS.region]\\"}"' },
      },
      { id: 'load', type: 'noop' },
      { id: 'report', type: 'noop' },
    ],
    edges: [
      { from: 'extract', to: 'load' },
      { from: 'load', to: 'report' },
    ],
  });
  type BackfillView = {
    id: string;
    status: string;
    progress: { total: number; done: number; failed: number; running: number };
  };
  const finished = (id: string) =>
    eventually(
      async () => {
        const { body } = await api<BackfillView>('GET', `/v1/backfills/${id}`);
        return body.status === 'RUNNING' ? undefined : body;
      },
      `backfill ${id}`,
      90_000,
    );
  const runOf = (workflowId: string, backfillId: string, dataTime: string, set?: number) =>
    `${workflowId}.B${backfillId}${dataTime.replace(/[-:]/g, '').slice(0, 13)}Z${set === undefined ? '' : `p${set}`}`;

  it('runs a 30-day range in order with never more than `parallelism` runs active', async () => {
    const id = unique('backfill');
    await save(daily(id));
    const { status, body } = await api<BackfillView>('POST', `/v1/workflows/${id}/backfills`, {
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-30T00:00:00Z',
      order: 'DESC',
      parallelism: 3,
    });
    expect(status).toBe(201);
    expect(body.progress.total).toBe(30);
    const done = await finished(body.id);
    expect(done).toMatchObject({
      status: 'SUCCESS',
      progress: { total: 30, done: 30, failed: 0, running: 0 },
    });
    const days = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2026, 0, 30 - i)).toISOString());
    const runs = await Promise.all(
      days.map(
        async (day) =>
          (
            await api<Run & { createdAt: string; endTime: string; type: string; backfillId: string }>(
              'GET',
              `/v1/runs/${runOf(id, body.id, day)}`,
            )
          ).body,
      ),
    );
    expect(
      runs.every((r) => r.status === 'SUCCESS' && r.type === 'SUPPLEMENTARY' && r.backfillId === body.id),
    ).toBe(true);
    const listed = await api<{ items: { id: string; type: string }[] }>(
      'GET',
      `/v1/runs?backfillId=${body.id}&limit=500`,
    );
    expect(listed.body.items).toHaveLength(30);
    expect(new Set(listed.body.items.map((r) => r.type))).toEqual(new Set(['SUPPLEMENTARY']));
    const byType = await api<{ items: unknown[] }>('GET', `/v1/runs?workflowId=${id}&type=ONE_TIME`);
    expect(byType.body.items).toEqual([]);
    expect((await api('GET', '/v1/runs')).status).toBe(400);
    // Started in the requested (descending) order.
    const starts = runs.map((r) => r.createdAt);
    expect([...starts].sort()).toEqual(starts);
    // At no moment more than 3 active: count open runs at each start.
    for (const run of runs) {
      const open = runs.filter((r) => r.createdAt <= run.createdAt && r.endTime > run.createdAt);
      expect(open.length).toBeLessThanOrEqual(3);
    }
  }, 120_000);

  it('makes one run per parameter set, for a task and its downstream only', async () => {
    const id = unique('batch');
    await save(daily(id));
    const { body } = await api<BackfillView>('POST', `/v1/workflows/${id}/backfills`, {
      from: '2026-02-01T00:00:00Z',
      to: '2026-02-01T00:00:00Z',
      parallelism: 3,
      tasks: ['load'],
      includeDownstream: true,
      parameterSets: [{ region: 'eu' }, { region: 'us' }, { region: 'apac' }],
    });
    expect(body.progress.total).toBe(3);
    expect((await finished(body.id)).status).toBe('SUCCESS');
    for (const set of [0, 1, 2]) {
      const { body: run } = await api<{
        parameters: Record<string, unknown>;
        instances: { taskId: string }[];
      }>('GET', `/v1/runs/${runOf(id, body.id, '2026-02-01T00:00:00.000Z', set)}`);
      expect(run.parameters).toEqual({ region: ['eu', 'us', 'apac'][set] });
      expect(run.instances.map((i) => i.taskId).sort()).toEqual(['load', 'report']);
    }
    const refused = await api<{ error: { code: string } }>('POST', `/v1/backfills/${body.id}/resume`);
    expect(refused.status).toBe(400);
  });
});

describe('scheduling setting and URL triggers', () => {
  it('pauses a schedule without deleting it and resumes from the next fire time, no catch-up', async () => {
    const id = unique('sched');
    await save({ id, name: id, tasks: [{ id: 'a', type: 'noop' }] });
    const schedule = { cycle: 'HOUR', expression: 'cron(0 * * * ? *)', timezone: 'Europe/Berlin' };
    const enabled = await api<{ version: number }>('PUT', `/v1/workflows/${id}/schedule`, {
      ...schedule,
      status: 'ENABLED',
    });
    expect(enabled.status).toBe(200);
    expect(enabled.body.version).toBe(2);
    const stored = () => runtime.scheduler.list().find((s) => s.Name === id);
    expect(stored()).toMatchObject({ State: 'ENABLED', ScheduleExpressionTimezone: 'Europe/Berlin' });
    const firstFire = runtime.scheduler.nextFire('rondo', id);
    expect(firstFire && firstFire > new Date()).toBe(true);
    await api('PUT', `/v1/workflows/${id}/schedule`, { ...schedule, status: 'PAUSED' });
    expect(stored()?.State).toBe('DISABLED');
    expect(runtime.scheduler.nextFire('rondo', id)).toBeUndefined();
    await api('PUT', `/v1/workflows/${id}/schedule`, { ...schedule, status: 'ENABLED' });
    expect(runtime.scheduler.nextFire('rondo', id)?.getTime()).toBe(firstFire?.getTime());
    const bad = await api<{ error: { details: { path: string; position?: number }[] } }>(
      'PUT',
      `/v1/workflows/${id}/schedule`,
      {
        ...schedule,
        expression: 'cron(0 25 * * ? *)',
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'schedule.expression', position: 7 });
    // Removing the setting deletes the schedule through the Scheduler API.
    expect((await api('DELETE', `/v1/workflows/${id}/schedule`)).status).toBe(200);
    expect(stored()).toBeUndefined();
  });

  it('starts a one-time run from its trigger URL with the current token only', async () => {
    const id = unique('trigger');
    await save({ id, name: id, tasks: [{ id: 'a', type: 'noop' }] });
    const trigger = (token?: string) =>
      fetch(`${runtime.apiUrl}/v1/triggers/${id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ parameters: {} }),
      });
    expect((await trigger()).status).toBe(401);
    const first = await api<{ token: string; url: string }>('POST', `/v1/workflows/${id}/trigger-token`);
    expect(first.status).toBe(201);
    expect(first.body.url).toBe(`/v1/triggers/${id}`);
    const started = await trigger(first.body.token);
    expect(started.status).toBe(201);
    const run = (await started.json()) as { id: string; type: string };
    expect(run.type).toBe('ONE_TIME');
    expect((await finishedRun(run.id)).status).toBe('SUCCESS');
    const second = await api<{ token: string }>('POST', `/v1/workflows/${id}/trigger-token`);
    expect((await trigger(first.body.token)).status).toBe(401);
    expect((await trigger(second.body.token)).status).toBe(201);
  });
});
