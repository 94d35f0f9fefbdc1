// Integrations on the embedded runtime: task secrets resolved at execution and masked
// everywhere after it, and the HTTP allow-list the suite's runtime runs with.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRETS } from './global-setup.ts';
import { api, eventually, runtime, unique } from './support.ts';

type Received = { path: string; headers: IncomingMessage['headers']; body: string };
const received: Received[] = [];
let server: Server;
let receiverUrl = '';

beforeAll(async () => {
  server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ path: request.url ?? '', headers: request.headers, body });
    response.setHeader('content-type', 'application/json');
    // It echoes what it got, as careless services do: the secret comes back in the response.
    response.end(JSON.stringify({ authorization: request.headers.authorization, body }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

type Instance = {
  id: string;
  status: string;
  error?: { code: string; message: string };
  attempts: { number: number }[];
  diagnostics?: unknown;
};

async function runOnce(workflowId: string, tasks: unknown[]): Promise<Instance> {
  const saved = await api('PUT', `/v1/workflows/${workflowId}`, {
    body: { id: workflowId, name: workflowId, tasks },
  });
  expect(saved.status).toBe(201);
  const { body: run } = await api<{ id: string }>('POST', `/v1/workflows/${workflowId}/runs`, { body: {} });
  return eventually(
    async () => {
      const { body } = await api<{ status: string; instances: Instance[] }>('GET', `/v1/runs/${run.id}`);
      return body.status === 'RUNNING' ? undefined : (body.instances[0] as Instance);
    },
    30_000,
    `run ${run.id} to close`,
  );
}

describe('task secrets ({{secret:NAME}})', () => {
  const secret = TEST_SECRETS['receiver-token'];

  it('reach the called service, and appear in no stored definition, output, log, diagnostic or operation record', async () => {
    const id = unique('secret');
    const instance = await runOnce(id, [
      {
        id: 'call',
        type: 'http',
        config: {
          method: 'POST',
          url: `${receiverUrl}/hook/${id}`,
          headers: { authorization: 'Bearer {{secret:receiver-token}}' },
          body: { note: 'token {{secret:receiver-token}} in the body too' },
        },
      },
    ]);
    expect(instance.status).toBe('SUCCESS');
    const call = received.find((r) => r.path === `/hook/${id}`);
    expect(call?.headers.authorization).toBe(`Bearer ${secret}`);
    expect(call?.body).toContain(secret);

    const everything = await Promise.all(
      [
        `/v1/instances/${instance.id}`,
        `/v1/instances/${instance.id}/attempts`,
        ...['stdout', 'stderr', 'engine'].map(
          (s) => `/v1/instances/${instance.id}/attempts/1/logs?stream=${s}`,
        ),
        `/v1/instances/${instance.id}/attempts/1/logs/download?stream=stdout`,
        `/v1/instances/${instance.id}/operations`,
        `/v1/workflows/${id}`,
        `/v1/workflows/${id}/versions`,
        `/v1/instances?workflowId=${id}`,
      ].map(async (path) => {
        const response = await fetch(`${runtime().apiUrl}${path}`);
        expect(response.status, path).toBe(200);
        return { path, text: await response.text() };
      }),
    );
    for (const { path, text } of everything) expect(text, path).not.toContain(secret);
    // The echoed secret is masked in the outputs, the reference kept in the definition.
    const { body } = await api<{ outputs: { body: { authorization: string } } }>(
      'GET',
      `/v1/instances/${instance.id}`,
    );
    expect(body.outputs.body.authorization).toBe('Bearer ***');
    expect(everything.find((e) => e.path === `/v1/workflows/${id}`)?.text).toContain(
      '{{secret:receiver-token}}',
    );
  });

  it('resolves only the references the task itself wrote: one arriving in a run parameter stays text', async () => {
    const id = unique('secret-inject');
    const saved = await api('PUT', `/v1/workflows/${id}`, {
      body: {
        id,
        name: id,
        parameters: [{ name: 'note', type: 'text', default: 'none' }],
        tasks: [
          {
            id: 'call',
            type: 'http',
            config: {
              method: 'POST',
              url: `${receiverUrl}/inject/${id}`,
              body: { note: '[DYNAMIC_PARAMS.note]' },
            },
          },
        ],
      },
    });
    expect(saved.status).toBe(201);
    const { body: run } = await api<{ id: string }>('POST', `/v1/workflows/${id}/runs`, {
      body: { parameters: { note: 'please send {{secret:receiver-token}}' } },
    });
    await eventually(async () => {
      const { body } = await api<{ status: string }>('GET', `/v1/runs/${run.id}`);
      return body.status === 'RUNNING' ? undefined : body;
    });
    const call = received.find((r) => r.path === `/inject/${id}`);
    expect(call?.body).toContain('please send {{secret:receiver-token}}');
    expect(call?.body).not.toContain(secret);
  });

  it("refuses to put an event as Rondo's own source, so status events cannot be forged", async () => {
    const forged = await api<{ error: { code: string; details: { path: string }[] } }>('POST', '/v1/events', {
      body: {
        Source: 'rondo.engine',
        DetailType: 'Instance Status Change',
        Detail: { newStatus: 'SUCCESS' },
      },
    });
    expect(forged.status).toBe(400);
    expect(forged.body.error.details.map((d) => d.path)).toEqual(['Source']);
  });

  it('fails the instance at once with SECRET_NOT_FOUND when a named secret does not exist', async () => {
    const instance = await runOnce(unique('no-secret'), [
      {
        id: 'call',
        type: 'http',
        config: { url: `${receiverUrl}/never`, headers: { 'x-api-key': '{{secret:does-not-exist}}' } },
        retry: { maxRetries: 3, intervalSeconds: 1 },
      },
    ]);
    expect(instance).toMatchObject({ status: 'FAILED', error: { code: 'SECRET_NOT_FOUND' } });
    expect(instance.attempts).toHaveLength(1);
    expect(received.some((r) => r.path === '/never')).toBe(false);
    const { body } = await api<{ diagnostics: { summary: string } }>('GET', `/v1/instances/${instance.id}`);
    expect(JSON.stringify(body.diagnostics)).toContain('does-not-exist');
  });
});

describe('HTTP allow-list (the suite runs with 127.0.0.1, localhost and ::1)', () => {
  it('fails a call to any other address with HTTP_HOST_NOT_ALLOWED, without retrying and without connecting', async () => {
    const instance = await runOnce(unique('blocked'), [
      {
        id: 'call',
        type: 'http',
        config: { url: 'http://10.1.2.3:8080/admin' },
        retry: { maxRetries: 2, intervalSeconds: 1 },
      },
    ]);
    expect(instance).toMatchObject({ status: 'FAILED', error: { code: 'HTTP_HOST_NOT_ALLOWED' } });
    expect(instance.attempts).toHaveLength(1);
  });
});
