// The `rondo` CLI against the shared embedded runtime, in process (its `main`), as an
// operator would type it: tables by default, --json for scripts, exit codes that mean something.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '#cli/rondo.ts';
import { api, eventually, rondo, unique } from './support.ts';

describe('rondo CLI', () => {
  it('puts a workflow from a file, lists and reads its instances, reruns in a dry run, and shows logs', async () => {
    const id = unique('cli');
    const dir = await mkdtemp(join(tmpdir(), 'rondo-cli-'));
    const file = join(dir, `${id}.json`);
    await writeFile(
      file,
      JSON.stringify({
        id,
        name: id,
        tasks: [
          { id: 'say', type: 'shell', config: { command: 'echo hello from rondo; echo second line' } },
          { id: 'after', type: 'noop' },
        ],
        edges: [{ from: 'say', to: 'after' }],
      }),
    );
    const put = await rondo('workflows', 'put', '--file', file);
    expect(put).toMatchObject({ code: EXIT.ok });
    expect(put.out).toContain(`${id}: version 1`);
    expect((await rondo('workflows', 'put', '--file', file)).out).toContain('(unchanged)');

    const { body: run } = await api<{ id: string }>('POST', `/v1/workflows/${id}/runs`, { body: {} });
    await eventually(async () => {
      const { body } = await api<{ status: string }>('GET', `/v1/runs/${run.id}`);
      return body.status === 'SUCCESS' ? true : undefined;
    });

    const listed = await rondo('instances', 'list', '--workflow', id, '--json');
    expect(listed.code).toBe(EXIT.ok);
    const items = JSON.parse(listed.out) as { id: string; status: string }[];
    expect(items.map((i) => i.status)).toEqual(['SUCCESS', 'SUCCESS']);
    const human = await rondo('instances', 'list', '--workflow', id, '--status', 'SUCCESS');
    expect(human.out.split('\n')[0]).toMatch(/^ID\s+TASK\s+DATA TIME\s+STATUS/);
    expect(human.out).toContain(`${run.id}.say`);

    const got = await rondo('instances', 'get', `${run.id}.say`);
    expect(got.out).toContain('SUCCESS');
    const dry = await rondo(
      'instances',
      'rerun',
      `${run.id}.say`,
      '--scope',
      'instance_and_downstream',
      '--dry-run',
    );
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.out).toContain('Would reset 2 instance(s)');
    const logs = await rondo('logs', `${run.id}.say`);
    expect(logs.out).toBe('hello from rondo\nsecond line\n');
    const lineage = await rondo('instances', 'lineage', `${run.id}.say`, '--direction', 'down');
    expect(lineage.out).toContain(`${run.id}.after`);

    // Refused by the API: exit 1 with the code and the reason.
    const refused = await rondo('instances', 'terminate', `${run.id}.say`);
    expect(refused.code).toBe(EXIT.refused);
    expect(refused.out).toContain('ACTION_NOT_ALLOWED');
  });

  it('runs a backfill to its end with --wait', async () => {
    const id = unique('clibf');
    await api('PUT', `/v1/workflows/${id}`, {
      body: {
        id,
        name: id,
        schedule: { cycle: 'DAY', expression: 'cron(0 2 * * ? *)', status: 'PAUSED' },
        tasks: [{ id: 'a', type: 'noop' }],
      },
    });
    const result = await rondo(
      'backfill',
      'create',
      id,
      '--from',
      '2026-01-01T00:00:00Z',
      '--to',
      '2026-01-03T00:00:00Z',
      '--wait',
      '--json',
    );
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toMatchObject({ status: 'SUCCESS', progress: { done: 3, failed: 0 } });
  }, 60_000);

  it('answers bad usage with 2 and an unreachable API with 3', async () => {
    expect((await rondo()).code).toBe(EXIT.usage);
    expect((await rondo('instances', 'teleport')).code).toBe(EXIT.usage);
    expect((await rondo('instances', 'list', '--colour')).code).toBe(EXIT.usage);
    expect((await rondo('instances', 'get')).code).toBe(EXIT.usage);
    const missing = await rondo('instances', 'get', 'nope.20260101T0000Z.x');
    expect(missing.code).toBe(EXIT.refused);
    expect(missing.err).toContain('404 NOT_FOUND');
    let out = '';
    const code = await main(['instances', 'list'], {
      out: {
        write: (t) => {
          out += t;
        },
      },
      err: {
        write: (t) => {
          out += t;
        },
      },
      env: { RONDO_API_URL: 'http://127.0.0.1:9' },
    });
    expect(code).toBe(EXIT.unreachable);
    expect(out).toContain('cannot reach');
    expect((await rondo('--help')).code).toBe(EXIT.ok);
  });
});
