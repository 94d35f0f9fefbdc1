// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the '${…}' strings are Rondo templates, not JavaScript ones.
// The first end-to-end path: schedule → run and instance in DynamoDB → dispatch queue →
// executor (a local Lambda function) → completion queue → visible through the API.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { api, eventually, localAws, unique } from './support.ts';

type Instance = {
  id: string;
  status: string;
  workflowId: string;
  retries: number;
  accumulatedRuns: number;
  outputs?: Record<string, unknown>;
  transitions: { status: string }[];
};
type Page = { items: Instance[]; cursor?: string };

const lambda = new LambdaClient(localAws('aws'));

/** Delivers what a workflow's schedule delivers, the way EventBridge Scheduler does. */
async function fireSchedule(workflowId: string, scheduledTime: string) {
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: 'rondo-create-run',
      Payload: JSON.stringify({ workflowId, scheduledTime }),
    }),
  );
  expect(out.FunctionError).toBeUndefined();
  return JSON.parse(Buffer.from(out.Payload ?? []).toString()) as { runId: string; created: boolean };
}

function oneTaskWorkflow(id: string, task: Record<string, unknown>) {
  return { id, name: id, folder: '/tests', tasks: [{ id: 'only', ...task }] };
}

describe('embedded runtime, first path', () => {
  it('answers health', async () => {
    const { status, body } = await api('GET', '/v1/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok' });
  });

  it('runs the example scheduled every minute to SUCCESS, visible in GET /v1/instances', async () => {
    const instance = await eventually(
      async () => {
        const { body } = await api<Page>('GET', '/v1/instances?workflowId=hello-every-minute');
        return body.items.find((i) => i.status === 'SUCCESS');
      },
      90_000,
      'a SUCCESS instance of hello-every-minute',
    );
    expect(instance.outputs?.message).toMatch(/^hello for /);
    expect(instance.transitions.map((t) => t.status)).toEqual(['WAITING_UPSTREAM', 'RUNNING', 'SUCCESS']);
    const { body } = await api<Page>('GET', '/v1/instances');
    expect(body.items.map((i) => i.id)).toContain(instance.id);
  }, 100_000);

  it('creates a periodic run once however often the schedule fires', async () => {
    const id = unique('twice');
    expect(
      (await api('PUT', `/v1/workflows/${id}`, { body: oneTaskWorkflow(id, { type: 'noop' }) })).status,
    ).toBe(201);
    const first = await fireSchedule(id, '2026-03-01T10:00:00Z');
    const second = await fireSchedule(id, '2026-03-01T10:00:00Z');
    expect(first.created).toBe(true);
    expect(second).toEqual({ runId: first.runId, created: false });
    const run = await eventually(async () => {
      const { body } = await api<{ status: string; unfinished: number }>('GET', `/v1/runs/${first.runId}`);
      return body.status === 'SUCCESS' ? body : undefined;
    });
    expect(run.unfinished).toBe(0);
    const { body: read } = await api<{ instances: { id: string; status: string }[] }>(
      'GET',
      `/v1/runs/${first.runId}`,
    );
    expect(read.instances).toEqual([
      expect.objectContaining({ id: `${first.runId}.only`, status: 'SUCCESS' }),
    ]);
    const { body } = await api<Page>(`GET`, `/v1/instances?workflowId=${id}`);
    expect(body.items).toHaveLength(1);
    expect(body.items[0]?.accumulatedRuns).toBe(1);
  });

  it('retries a failed attempt through the retry state machine', async () => {
    const id = unique('retry');
    const workflow = oneTaskWorkflow(id, {
      type: 'lambda',
      config: { function: 'fail-first-attempt' },
      retry: { maxRetries: 2, intervalSeconds: 0, backoffRate: 1 },
    });
    await api('PUT', `/v1/workflows/${id}`, { body: workflow });
    const { runId } = await fireSchedule(id, '2026-03-01T10:00:00Z');
    const instance = await eventually(async () => {
      const { body } = await api<Instance>('GET', `/v1/instances/${runId}.only`);
      return body.status === 'SUCCESS' ? body : undefined;
    });
    expect(instance.retries).toBe(1);
    expect(instance.accumulatedRuns).toBe(2);
    expect(instance.outputs).toEqual({ succeededOnAttempt: 2 });
    expect(instance.transitions.map((t) => t.status)).toEqual([
      'WAITING_UPSTREAM',
      'RUNNING',
      'RETRYING',
      'RUNNING',
      'SUCCESS',
    ]);
  });

  it('fails an instance whose retries run out', async () => {
    const id = unique('exhaust');
    const workflow = oneTaskWorkflow(id, {
      type: 'lambda',
      config: { function: 'always-fail' },
      retry: { maxRetries: 1, intervalSeconds: 0, backoffRate: 1 },
    });
    await api('PUT', `/v1/workflows/${id}`, { body: workflow });
    const { runId } = await fireSchedule(id, '2026-03-01T10:00:00Z');
    const run = await eventually(async () => {
      const { body } = await api<{ status: string }>('GET', `/v1/runs/${runId}`);
      return body.status === 'RUNNING' ? undefined : body;
    });
    expect(run.status).toBe('FAILED');
    const { body } = await api<Instance & { error: { code: string } }>('GET', `/v1/instances/${runId}.only`);
    expect(body).toMatchObject({ status: 'FAILED', accumulatedRuns: 2, error: { code: 'AlwaysFails' } });
  });

  it('refuses, when saved, templates that name unknown parameters or tasks and offsets that are not offsets', async () => {
    const id = unique('refs');
    const { status, body } = await api<{
      error: { code: string; details: { path: string; code: string }[] };
    }>('PUT', `/v1/workflows/${id}`, {
      body: {
        id,
        name: id,
        tasks: [
          { id: 'a', type: 'shell', config: { command: 'echo [DYNAMIC_PARAMS.nope] ${outputs.ghost.x}' } },
          { id: 'b', type: 'noop', dependsOn: [{ workflow: 'other', task: 'x', offset: 'yesterday' }] },
        ],
      },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_WORKFLOW');
    expect(body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'tasks[0].config.command', code: 'UNKNOWN_PARAMETER' }),
        expect.objectContaining({ path: 'tasks[0].config.command', code: 'UNKNOWN_OUTPUT' }),
        expect.objectContaining({ path: 'tasks[1].dependsOn[0].offset', code: 'INVALID_OFFSET' }),
      ]),
    );
    expect((await api('GET', `/v1/workflows/${id}`)).status).toBe(404);
  });
});
