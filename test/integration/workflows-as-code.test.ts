// Workflows kept as files: `rondo validate`, `apply` (idempotent, --dry-run, --prune) and
// `export` against the shared embedded runtime, and the example data pipeline run end to end
// against a local HTTP service (extract, for-each load, condition, event wait, failure branch).

import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ApplyResult } from '#cli/apply.ts';
import { EXIT } from '#cli/rondo.ts';
import { api, eventually, localAws, rondo, unique } from './support.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples', 'workflows');

async function applyJson(...argv: string[]): Promise<ApplyResult[]> {
  const result = await rondo('apply', ...argv, '--json');
  expect(result.err).toBe('');
  expect(result.code).toBe(EXIT.ok);
  return JSON.parse(result.out) as ApplyResult[];
}

const versionsOf = async (id: string) =>
  (await api<{ items: { version: number }[] }>('GET', `/v1/workflows/${id}/versions`)).body.items.map(
    (v) => v.version,
  );

type Definition = Record<string, unknown> & { id: string; folder: string; tasks: Record<string, unknown>[] };

/** The examples copied into a folder of their own under new ids, so this file owns them. */
async function copyExamples(
  suffix: string,
  folder: string,
): Promise<{ dir: string; ids: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rondo-wac-'));
  const ids: Record<string, string> = {};
  for (const name of await readdir(EXAMPLES)) {
    const text = await readFile(join(EXAMPLES, name), 'utf8');
    const yaml = name.endsWith('.yaml');
    const definition = (yaml ? parseYaml(text) : JSON.parse(text)) as Definition;
    ids[definition.id] = `${definition.id}-${suffix}`;
    definition.id = ids[definition.id] as string;
    definition.folder = folder;
    await writeFile(join(dir, name), yaml ? stringifyYaml(definition) : JSON.stringify(definition, null, 2));
  }
  return { dir, ids };
}

async function editFile(file: string, edit: (definition: Definition) => void) {
  const definition = parseYaml(await readFile(file, 'utf8')) as Definition;
  edit(definition);
  await writeFile(file, file.endsWith('.json') ? JSON.stringify(definition) : stringifyYaml(definition));
}

describe('workflows as files: validate, apply, export', () => {
  it('applies examples/ twice: every example stays at one version, the second apply changes nothing', async () => {
    const first = await applyJson('-f', EXAMPLES);
    const second = await applyJson('-f', EXAMPLES);
    expect(second.map((r) => r.action)).toEqual(second.map(() => 'unchanged'));
    expect(first.map((r) => r.id).sort()).toEqual(['hello-every-minute', 'orders-daily']);
    for (const { id } of first) expect(await versionsOf(id)).toEqual([1]);
  });

  it('creates once, saves only the changed file, previews a diff without saving, and exports what apply reads unchanged', async () => {
    const suffix = unique('w').slice(2);
    const folder = `/wac/${suffix}`;
    const { dir, ids } = await copyExamples(suffix, folder);
    const orders = ids['orders-daily'] as string;
    const hello = ids['hello-every-minute'] as string;

    const created = await applyJson('-f', dir);
    expect(created.map((r) => [r.id, r.action, r.version]).sort()).toEqual([
      [hello, 'create', 1],
      [orders, 'create', 1],
    ]);
    expect((await applyJson('-f', dir)).map((r) => r.action)).toEqual(['unchanged', 'unchanged']);

    // One file changes: exactly one new version, with the change named.
    await editFile(join(dir, 'orders-daily.yaml'), (d) => {
      (d.tasks[0] as { timeoutSeconds: number }).timeoutSeconds = 900;
    });
    const updated = await applyJson('-f', dir);
    expect(updated.find((r) => r.id === orders)).toMatchObject({
      action: 'update',
      version: 2,
      changes: [{ op: 'change', path: 'tasks.extract.timeoutSeconds', before: 300, after: 900 }],
    });
    expect(updated.find((r) => r.id === hello)).toMatchObject({ action: 'unchanged', version: 1 });
    expect(await versionsOf(orders)).toEqual([2, 1]);
    expect(await versionsOf(hello)).toEqual([1]);

    // A dry run shows the diff per workflow and saves nothing.
    await editFile(join(dir, 'hello-every-minute.json'), (d) => {
      d.tasks.push({ id: 'after-greet', type: 'noop' });
      (d as { edges?: unknown[] }).edges = [{ from: 'greet', to: 'after-greet' }];
      (d.schedule as { expression: string }).expression = 'cron(*/5 * * * ? *)';
    });
    const preview = await rondo('apply', '-f', dir, '--dry-run');
    expect(preview.code).toBe(EXIT.ok);
    expect(preview.out).toContain(`${hello}: would update (version 1)`);
    expect(preview.out).toContain('+ tasks.after-greet: {"id":"after-greet","type":"noop"');
    expect(preview.out).toContain('+ edges.greet→after-greet');
    expect(preview.out).toContain('~ schedule.expression: "cron(* * * * ? *)" → "cron(*/5 * * * ? *)"');
    expect(preview.out).toContain(`${orders}: unchanged (version 2)`);
    expect(preview.out).toContain('Dry run: 0 to create, 1 to update, 1 unchanged, 0 to prune');
    expect((await rondo('apply', '-f', dir, '--dry-run', '--detailed-exitcode')).code).toBe(EXIT.changes);
    expect(await versionsOf(hello)).toEqual([1]);
    const schedule = (
      await api<{ definition: { schedule: { expression: string } } }>('GET', `/v1/workflows/${hello}`)
    ).body.definition.schedule;
    expect(schedule.expression).toBe('cron(* * * * ? *)');
    await rm(join(dir, 'hello-every-minute.json'));

    // Export, then apply the export: nothing changes, in JSON and in YAML.
    for (const format of ['json', 'yaml']) {
      const out = await mkdtemp(join(tmpdir(), `rondo-export-${format}-`));
      const exported = await rondo('export', '--folder', folder, '-o', out, '--format', format);
      expect(exported.code).toBe(EXIT.ok);
      expect((await readdir(out)).sort()).toEqual([`${hello}.${format}`, `${orders}.${format}`]);
      const reapplied = await applyJson('-f', out);
      expect(reapplied.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
      expect((await rondo('apply', '-f', out, '--dry-run', '--detailed-exitcode')).code).toBe(EXIT.ok);
    }
    expect(await versionsOf(orders)).toEqual([2, 1]);
    expect(await versionsOf(hello)).toEqual([1]);

    // --prune: the folder's workflow that no file defines any more goes (in a dry run, only listed).
    const planned = await applyJson('-f', dir, '--prune', '--dry-run');
    expect(planned.filter((r) => r.action === 'prune').map((r) => r.id)).toEqual([hello]);
    expect((await api('GET', `/v1/workflows/${hello}`)).status).toBe(200);
    const pruned = await applyJson('-f', dir, '--prune');
    expect(pruned.map((r) => [r.id, r.action])).toEqual([
      [orders, 'unchanged'],
      [hello, 'prune'],
    ]);
    expect((await api('GET', `/v1/workflows/${hello}`)).status).toBe(404);

    // Pruning is for a folder of files, never one file's siblings or the root folder.
    expect((await rondo('apply', '-f', join(dir, 'orders-daily.yaml'), '--prune')).code).toBe(EXIT.usage);
    const rooted = await mkdtemp(join(tmpdir(), 'rondo-root-'));
    await writeFile(
      join(rooted, 'x.json'),
      JSON.stringify({ id: unique('rooted'), name: 'x', tasks: [{ id: 'a', type: 'noop' }] }),
    );
    const atRoot = await rondo('apply', '-f', rooted, '--prune', '--dry-run');
    expect(atRoot.code).toBe(EXIT.usage);
    expect(atRoot.err).toContain('does not prune the root folder');
  });

  it('applies the other files when the API refuses one, names the refused file, and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rondo-refused-'));
    const good = unique('good');
    const big = unique('big');
    await writeFile(
      join(dir, 'a-big.json'),
      JSON.stringify({
        id: big,
        name: big,
        // Valid offline, refused by the store: too large even compressed.
        tasks: Array.from({ length: 1_500 }, (_, i) => ({
          id: `t${i}`,
          type: 'noop',
          config: { blob: randomBytes(300).toString('base64') },
        })),
      }),
    );
    await writeFile(
      join(dir, 'b-good.json'),
      JSON.stringify({ id: good, name: good, tasks: [{ id: 'a', type: 'noop' }] }),
    );
    const applied = await rondo('apply', '-f', dir, '--json');
    expect(applied.code).toBe(EXIT.refused);
    const results = JSON.parse(applied.out) as ApplyResult[];
    expect(results.map((r) => [r.id, r.action])).toEqual([
      [big, 'error'],
      [good, 'create'],
    ]);
    expect(results[0]?.error?.code).toBe('DEFINITION_TOO_LARGE');
    expect(applied.err).toContain(`a-big.json: ${big}: 400 DEFINITION_TOO_LARGE`);
    expect((await api('GET', `/v1/workflows/${good}`)).status).toBe(200);
  });

  it('refuses a folder with an invalid file, naming the file, the path and the code, and saves nothing from it', async () => {
    const suffix = unique('v').slice(2);
    const { dir, ids } = await copyExamples(suffix, `/wac/${suffix}`);
    await editFile(join(dir, 'orders-daily.yaml'), (d) => {
      (d.edges as unknown[]).push({ from: 'publish-report', to: 'extract' });
    });
    await writeFile(join(dir, 'broken.yaml'), 'id: [unclosed\n');

    const validated = await rondo('validate', '-f', dir);
    expect(validated.code).toBe(EXIT.refused);
    expect(validated.err).toMatch(/orders-daily\.yaml: edges: the edges form a cycle: .*extract.* \(CYCLE\)/);
    expect(validated.err).toMatch(/broken\.yaml: Flow sequence .* at line 2, column 1 \(UNREADABLE_FILE\)/);
    expect(validated.err).toContain('2 fault(s) in 2 file(s)');

    const applied = await rondo('apply', '-f', dir);
    expect(applied.code).toBe(EXIT.refused);
    // The valid file of the folder was not applied either.
    expect((await api('GET', `/v1/workflows/${ids['hello-every-minute']}`)).status).toBe(404);

    await rm(join(dir, 'broken.yaml'));
    await editFile(join(dir, 'orders-daily.yaml'), (d) => {
      (d.edges as unknown[]).pop();
    });
    expect(await rondo('validate', '-f', dir)).toMatchObject({ code: EXIT.ok });
    expect((await rondo('apply', '-f', join(dir, 'missing'))).code).toBe(EXIT.usage);
  });
});

describe('the example data pipeline (examples/workflows/orders-daily.yaml)', () => {
  type Received = { method: string; path: string; body: unknown };
  const received: Received[] = [];
  const failingPartitions = new Set<string>();
  let server: Server;
  let serviceUrl = '';
  let workflowId = '';

  const bodyOf = async (request: IncomingMessage) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    return text ? (JSON.parse(text) as unknown) : undefined;
  };

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const body = await bodyOf(request);
      const path = request.url ?? '';
      received.push({ method: request.method ?? '', path, body });
      response.setHeader('content-type', 'application/json');
      if (path.startsWith('/orders/') && path.endsWith('/partitions')) {
        response.end(JSON.stringify({ orders: 12, partitions: ['eu', 'us', 'apac'] }));
      } else if (
        path === '/partitions/load' &&
        failingPartitions.has((body as { partition: string }).partition)
      ) {
        response.statusCode = 503;
        response.end(JSON.stringify({ error: 'warehouse unavailable' }));
      } else {
        response.end(JSON.stringify({ ok: true }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The example itself, under an id of this file's own.
    const suffix = unique('p').slice(2);
    const { dir, ids } = await copyExamples(suffix, `/wac/${suffix}`);
    workflowId = ids['orders-daily'] as string;
    await applyJson('-f', join(dir, 'orders-daily.yaml'));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  type Instance = { taskId: string; status: string; errorCode?: string };
  const instancesOf = async (runId: string) =>
    (await api<{ status: string; instances: Instance[] }>('GET', `/v1/runs/${runId}`)).body;
  const statusOf = (instances: Instance[]) =>
    Object.fromEntries(instances.filter((i) => !i.taskId.includes('~')).map((i) => [i.taskId, i.status]));

  async function start(dataTime: string) {
    const { status, body } = await api<{ id: string }>('POST', `/v1/workflows/${workflowId}/runs`, {
      body: { dataTime, parameters: { ordersApi: serviceUrl, alertWebhook: `${serviceUrl}/alerts` } },
    });
    expect(status).toBe(201);
    return body.id;
  }

  it('extracts, loads every partition, waits for the warehouse event, then publishes the report', async () => {
    const dataTime = '2031-03-04T00:00:00.000Z';
    const runId = await start(dataTime);
    await eventually(
      async () => {
        const { instances } = await instancesOf(runId);
        const s = statusOf(instances);
        return s['load-partitions'] === 'SUCCESS' && s['warehouse-loaded'] === 'WAITING_EVENT'
          ? true
          : undefined;
      },
      60_000,
      'the partitions loaded and the report waiting for the warehouse',
    );
    const loads = received.filter(
      (r) => r.path === '/partitions/load' && (r.body as { day: string }).day === '2031-03-04',
    );
    expect(loads.map((r) => (r.body as { partition: string }).partition).sort()).toEqual([
      'apac',
      'eu',
      'us',
    ]);
    expect(received.some((r) => r.path === '/reports')).toBe(false);

    expect(
      (
        await api('POST', '/v1/events', {
          body: { Source: 'warehouse', DetailType: 'warehouse.loaded', Detail: { dataTime } },
        })
      ).status,
    ).toBe(202);
    const run = await eventually(
      async () => {
        const detail = await instancesOf(runId);
        return detail.status === 'RUNNING' ? undefined : detail;
      },
      60_000,
      'the run to close',
    );
    expect(run.status).toBe('SUCCESS');
    expect(statusOf(run.instances)).toEqual({
      extract: 'SUCCESS',
      'has-orders': 'SUCCESS',
      'load-partitions': 'SUCCESS',
      'no-orders': 'SKIPPED',
      'warehouse-loaded': 'SUCCESS',
      'publish-report': 'SUCCESS',
      'notify-failure': 'SKIPPED',
    });
    expect(received.filter((r) => r.path === '/reports').map((r) => r.body)).toEqual([
      // A template that is the whole value keeps its type.
      { day: '2031-03-04', orders: 12 },
    ]);
  }, 120_000);

  it('takes the failure branch when a partition fails to load: the team is told, the report waits blocked', async () => {
    failingPartitions.add('us');
    const runId = await start('2031-03-05T00:00:00.000Z');
    const alert = await eventually(
      async () => received.find((r) => r.path === '/alerts'),
      90_000,
      'the failure alert',
    );
    expect(alert.body).toEqual({ text: 'orders-daily: loading the partitions of 2031-03-05 failed' });
    const instances = await eventually(
      async () => {
        const { instances } = await instancesOf(runId);
        return statusOf(instances)['notify-failure'] === 'SUCCESS' ? instances : undefined;
      },
      30_000,
      'notify-failure to succeed',
    );
    expect(statusOf(instances)).toMatchObject({
      'load-partitions': 'FAILED',
      'notify-failure': 'SUCCESS',
      'publish-report': 'WAITING_UPSTREAM',
    });
    // The failing partition had its two attempts (one retry), the others one each.
    const usLoads = received.filter(
      (r) =>
        r.path === '/partitions/load' && (r.body as { day: string; partition: string }).day === '2031-03-05',
    );
    expect(usLoads.filter((r) => (r.body as { partition: string }).partition === 'us')).toHaveLength(2);
  }, 120_000);
});

describe('the RondoWorkflow custom resource (functions/workflow-resource) on the embedded runtime', () => {
  const lambda = new LambdaClient(localAws('aws'));
  const STACK = 'arn:aws:cloudformation:us-east-1:000000000000:stack/team-pipelines/0f0e';

  /** A CloudFormation request as the CDK Provider framework hands it on. */
  async function request(
    type: 'Create' | 'Update' | 'Delete',
    definition: Record<string, unknown>,
    extra: { physicalId?: string; onDelete?: string; logicalId?: string } = {},
  ) {
    const event = {
      RequestType: type,
      RequestId: unique('req'),
      StackId: STACK,
      LogicalResourceId: extra.logicalId ?? 'OrdersDaily',
      ResourceType: 'Custom::RondoWorkflow',
      ResourceProperties: {
        ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:rondo-workflow-provider',
        WorkflowId: String(definition.id),
        Definition: JSON.stringify(definition),
        OnDelete: extra.onDelete ?? 'DELETE',
        Owner: 'data-team',
      },
      ...(type === 'Create' ? {} : { PhysicalResourceId: extra.physicalId ?? String(definition.id) }),
      ...(type === 'Update' ? { OldResourceProperties: {} } : {}),
    };
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'rondo-workflow-resource', Payload: JSON.stringify(event) }),
    );
    const payload = JSON.parse(new TextDecoder().decode(out.Payload)) as Record<string, unknown>;
    return out.FunctionError ? { error: payload.errorMessage as string } : payload;
  }

  it('creates once, versions only a change, updates the schedule, refuses an invalid one, and deletes as told', async () => {
    const id = unique('cfn');
    const definition = {
      id,
      name: 'From CloudFormation',
      schedule: { cycle: 'DAY', expression: 'cron(0 2 * * ? *)' },
      tasks: [{ id: 'only', type: 'noop' }],
    };
    expect(await request('Create', definition)).toEqual({
      PhysicalResourceId: id,
      Data: { WorkflowId: id, Version: '1' },
    });
    // CloudFormation repeats a request it did not hear back from: still version 1.
    expect(await request('Create', definition)).toMatchObject({ Data: { Version: '1' } });
    const { body: created } = await api<{ owner: string }>('GET', `/v1/workflows/${id}`);
    expect(created.owner).toBe('data-team');

    const changed = { ...definition, schedule: { ...definition.schedule, status: 'PAUSED' } };
    expect(await request('Update', changed)).toMatchObject({ Data: { Version: '2' } });
    expect(await versionsOf(id)).toEqual([2, 1]);

    const refused = await request('Update', { ...changed, edges: [{ from: 'only', to: 'only' }] });
    expect(refused).toEqual({
      error: expect.stringContaining('INVALID_WORKFLOW: The workflow graph is not valid (edges[0]: task'),
    });
    expect(await versionsOf(id)).toEqual([2, 1]);

    // PAUSE keeps the workflow; a paused one stays as it is.
    expect(await request('Delete', changed, { onDelete: 'PAUSE' })).toMatchObject({ PhysicalResourceId: id });
    expect((await api('GET', `/v1/workflows/${id}`)).status).toBe(200);
    expect(await request('Delete', changed, { onDelete: 'RETAIN' })).toMatchObject({
      PhysicalResourceId: id,
    });
    expect((await api('GET', `/v1/workflows/${id}`)).status).toBe(200);
    expect(await request('Delete', changed)).toMatchObject({ PhysicalResourceId: id });
    expect((await api('GET', `/v1/workflows/${id}`)).status).toBe(404);
    // Deleting again, or a create that failed before it saved anything: nothing to do.
    expect(await request('Delete', changed)).toEqual({ PhysicalResourceId: id, Data: { WorkflowId: id } });
  });

  it('leaves a workflow alone when a resource that no longer manages it is deleted (a renamed construct)', async () => {
    const id = unique('cfn-rename');
    const definition = { id, name: 'Renamed', tasks: [{ id: 'only', type: 'noop' }] };
    await request('Create', definition, { logicalId: 'Before' });
    // CloudFormation creates the renamed resource first, then deletes the old one.
    expect(await request('Create', definition, { logicalId: 'After' })).toMatchObject({
      Data: { Version: '1' },
    });
    expect(await request('Delete', definition, { logicalId: 'Before' })).toMatchObject({
      PhysicalResourceId: id,
    });
    expect((await api('GET', `/v1/workflows/${id}`)).status).toBe(200);
    await request('Delete', definition, { logicalId: 'After' });
    expect((await api('GET', `/v1/workflows/${id}`)).status).toBe(404);
  });

  it('pauses the schedule of a scheduled workflow when the resource goes with onDelete PAUSE', async () => {
    const id = unique('cfn-pause');
    const definition = {
      id,
      name: 'Paused on delete',
      schedule: { cycle: 'DAY', expression: 'cron(0 2 * * ? *)' },
      tasks: [{ id: 'only', type: 'noop' }],
    };
    await request('Create', definition);
    expect(await request('Delete', definition, { onDelete: 'PAUSE' })).toMatchObject({
      Data: { Version: '2' },
    });
    const { body } = await api<{ definition: { schedule: { status: string } } }>(
      'GET',
      `/v1/workflows/${id}`,
    );
    expect(body.definition.schedule.status).toBe('PAUSED');
  });
});
