// Operator actions end to end on an embedded runtime of their own, every queue message
// delivered twice: rerun (scopes, ranges, dry run), mark success, remove dependency, batch
// actions, and the operation records they leave, driven through HTTP as an operator would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime.ts';
import { eventually, runHelpers, startFaultInjectingRuntime } from '../support/fault-runtime.ts';
import { unique } from './support.ts';

type Report = { outcome: string; revision: number };
type Instance = {
  id: string;
  status: string;
  blocked?: boolean;
  accumulatedRuns: number;
  outputs?: Record<string, unknown>;
  attempts: { number: number; status: string }[];
  transitions: { status: string; at: string }[];
  upstreamOutcomes: Record<string, Report>;
};
type Run = { id: string; status: string };
type Planned = { id: string; workflowId: string; taskId: string; status: string };
type Plan = { root: string; reset: Planned[]; skipped: (Planned & { reason: string })[]; dryRun: boolean };
type Operation = {
  actor: string;
  action: string;
  target: { kind: string; id: string };
  workflowId?: string;
  parameters: Record<string, unknown>;
  result: { status: string; code?: string; affected?: string[] };
};
type Lineage = {
  root: string;
  nodes: { id: string; taskId: string; status: string; layer: number; workflowId: string }[];
  edges: { from: string; to: string; condition: string; removed: boolean; crossRun: boolean }[];
};
type Diagnostics = { summary: string; chain: { instanceId: string; status: string; message: string }[] };
type ErrorBody = { error: { code: string; message: string; details: { path: string }[] } };

let runtime: Runtime;
const OPERATOR = 'alice@example.com';

beforeAll(async () => {
  runtime = await startFaultInjectingRuntime();
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-rondo-user': OPERATOR },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

const helpers = runHelpers(() => runtime, api, '2026-04-01T10:00:00Z');
const { save, fire } = helpers;
const finishedRun = async (runId: string) => (await helpers.finishedRun<Run>(runId)).status;
const get = async (id: string) => (await api<Instance>('GET', `/v1/instances/${id}`)).body;
const settled = (id: string, status: string) =>
  eventually(async () => ((await get(id)).status === status ? true : undefined), `${id} to be ${status}`);

/** A shell task that fails until the marker file exists (an operator "fixes" it by creating it). */
function fixable(id: string, marker: string) {
  return {
    id,
    type: 'shell',
    config: { command: `test -f ${marker} && echo fixed || exit 3` },
    retry: { maxRetries: 0 },
  };
}

const markerPath = () => `/tmp/rondo-op-${unique('m')}`;
const fix = async (marker: string) => {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(marker, 'fixed');
};

describe('releasing what a failure blocked', () => {
  it('rerunning a failed upstream to success releases its blocked downstream and the run succeeds', async () => {
    const id = unique('oprerun');
    const marker = markerPath();
    await save({
      id,
      name: id,
      tasks: [fixable('a', marker), { id: 'b', type: 'noop' }, { id: 'c', type: 'noop' }],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
      ],
    });
    const runId = await fire(id);
    expect(await finishedRun(runId)).toBe('FAILED');
    expect(await get(`${runId}.b`)).toMatchObject({ status: 'WAITING_UPSTREAM', blocked: true });
    expect(await get(`${runId}.c`)).toMatchObject({ status: 'WAITING_UPSTREAM', blocked: true });
    // Why c waits, down to the root cause.
    const { body: waiting } = await api<Instance & { diagnostics: Diagnostics }>(
      'GET',
      `/v1/instances/${runId}.c`,
    );
    expect(waiting.diagnostics.chain.map((step) => [step.instanceId, step.status])).toEqual([
      [`${runId}.c`, 'WAITING_UPSTREAM'],
      [`${runId}.b`, 'WAITING_UPSTREAM'],
      [`${runId}.a`, 'FAILED'],
    ]);
    expect(waiting.diagnostics.summary).toMatch(
      /^is blocked by a@2026-04-01 \(through 1 more\), which FAILED at \d\d:\d\d after 1 attempt: /,
    );
    const { body: failedA } = await api<
      Instance & { diagnostics: Diagnostics & { error: { code: string } } }
    >('GET', `/v1/instances/${runId}.a`);
    expect(failedA.diagnostics.error.code).toBeTruthy();

    await fix(marker);
    const { status, body } = await api<Plan>('POST', `/v1/instances/${runId}.a/rerun`, {});
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.reset.map((i) => i.id)).toEqual([`${runId}.a`]);
    expect(await finishedRun(runId)).toBe('SUCCESS');
    for (const task of ['a', 'b', 'c']) expect((await get(`${runId}.${task}`)).status).toBe('SUCCESS');
    const a = await get(`${runId}.a`);
    expect(a.attempts.map((x) => [x.number, x.status])).toEqual([
      [1, 'FAILED'],
      [2, 'SUCCESS'],
    ]);
    // The downstream keeps the later report, with the upstream's later revision.
    const b = await get(`${runId}.b`);
    expect(b.upstreamOutcomes[`${runId}.a`]?.outcome).toBe('SUCCESS');

    const { body: records } = await api<{ items: Operation[] }>('GET', `/v1/instances/${runId}.a/operations`);
    expect(records.items).toEqual([
      expect.objectContaining({
        actor: OPERATOR,
        action: 'rerun',
        target: { kind: 'instance', id: `${runId}.a` },
        workflowId: id,
        parameters: expect.objectContaining({ scope: 'instance' }),
        result: { status: 'SUCCESS', affected: [`${runId}.a`] },
      }),
    ]);
  }, 60_000);

  it('marking a failed instance successful releases its downstream like a real success', async () => {
    const id = unique('opmark');
    await save({
      id,
      name: id,
      tasks: [fixable('a', markerPath()), { id: 'b', type: 'noop' }],
      edges: [{ from: 'a', to: 'b' }],
    });
    const runId = await fire(id);
    expect(await finishedRun(runId)).toBe('FAILED');
    const { status, body } = await api<Instance>('POST', `/v1/instances/${runId}.a/mark-success`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('SUCCESS');
    expect(body.transitions.map((t) => t.status).slice(-2)).toEqual(['FAILED', 'SUCCESS']);
    expect(await finishedRun(runId)).toBe('SUCCESS');
    expect((await get(`${runId}.b`)).status).toBe('SUCCESS');
    // Again: the same answer, nothing changes.
    expect((await api<Instance>('POST', `/v1/instances/${runId}.a/mark-success`)).body.status).toBe(
      'SUCCESS',
    );
  }, 60_000);

  it('removing a dependency releases the instance for good: later reruns do not wait for it', async () => {
    const id = unique('opremove');
    await save({
      id,
      name: id,
      tasks: [fixable('a', markerPath()), { id: 'c', type: 'noop' }, { id: 'b', type: 'noop' }],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'c', to: 'b' },
      ],
    });
    const runId = await fire(id);
    expect(await finishedRun(runId)).toBe('FAILED');
    const { status, body } = await api<Instance>(
      'POST',
      `/v1/instances/${runId}.b/dependencies/${runId}.a/remove`,
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.upstreamOutcomes[`${runId}.a`]?.outcome).toBe('REMOVED');
    await settled(`${runId}.b`, 'SUCCESS');
    const { body: lineage } = await api<Lineage>('GET', `/v1/instances/${runId}.b/lineage?direction=up`);
    expect(lineage.nodes.map((n) => [n.taskId, n.status, n.layer]).sort()).toEqual([
      ['a', 'FAILED', -1],
      ['b', 'SUCCESS', 0],
      ['c', 'SUCCESS', -1],
    ]);
    expect(lineage.edges.map((e) => [e.from, e.to, e.condition, e.removed]).sort()).toEqual([
      [`${runId}.a`, `${runId}.b`, 'SUCCESS', true],
      [`${runId}.c`, `${runId}.b`, 'SUCCESS', false],
    ]);
    // The run still failed: a is FAILED; b ran without it.
    expect(await finishedRun(runId)).toBe('FAILED');
    // Rerunning a (still failing) with its downstream resets b, which no longer waits for a.
    const { body: plan } = await api<Plan>('POST', `/v1/instances/${runId}.a/rerun`, {
      scope: 'instance_and_downstream',
    });
    expect(plan.reset.map((i) => i.id)).toEqual([`${runId}.a`, `${runId}.b`]);
    await eventually(async () => {
      const b = await get(`${runId}.b`);
      return b.accumulatedRuns === 2 && b.status === 'SUCCESS' ? true : undefined;
    }, 'b to succeed again');
    expect(await finishedRun(runId)).toBe('FAILED');
    // Removing it again answers the same; a task that is no upstream is not found.
    expect((await api('POST', `/v1/instances/${runId}.b/dependencies/${runId}.a/remove`)).status).toBe(200);
    const missing = await api<ErrorBody>(
      'POST',
      `/v1/instances/${runId}.b/dependencies/${runId}.nope/remove`,
    );
    expect(missing.status).toBe(404);
  }, 60_000);
});

describe('rerun scopes and ranges', () => {
  let w1 = '';
  let w2 = '';
  let w3 = '';
  let run1 = '';
  let run2 = '';
  let run3 = '';

  beforeAll(async () => {
    w1 = unique('opscope');
    w2 = unique('opscopeother');
    w3 = unique('opscopeproj');
    // w2 and w3 depend on w1's last task; w3 is in w1's project, w2 in another.
    await save({
      id: w2,
      name: w2,
      folder: '/other',
      tasks: [{ id: 'd', type: 'noop', dependsOn: [{ workflow: w1, task: 'c' }] }],
    });
    await save({
      id: w3,
      name: w3,
      folder: '/proj/b',
      tasks: [{ id: 'e', type: 'noop', dependsOn: [{ workflow: w1, task: 'c' }] }],
    });
    await save({
      id: w1,
      name: w1,
      folder: '/proj/a',
      tasks: [
        { id: 'a', type: 'noop' },
        { id: 'b', type: 'noop' },
        { id: 'c', type: 'noop' },
        { id: 'x', type: 'noop' },
      ],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
      ],
    });
    run1 = await fire(w1);
    run2 = await fire(w2);
    run3 = await fire(w3);
    for (const run of [run1, run2, run3]) expect(await finishedRun(run)).toBe('SUCCESS');
  }, 60_000);

  const dryRun = async (body: Record<string, unknown>) => {
    const { status, body: plan } = await api<Plan>('POST', `/v1/instances/${run1}.a/rerun`, {
      ...body,
      dryRun: true,
    });
    expect(status, JSON.stringify(plan)).toBe(200);
    expect(plan.dryRun).toBe(true);
    return plan.reset.map((i) => i.id).sort();
  };

  it('answers in a dry run exactly what each scope and range would reset, and touches nothing', async () => {
    const [a, b, c, d, e] = [`${run1}.a`, `${run1}.b`, `${run1}.c`, `${run2}.d`, `${run3}.e`];
    expect(await dryRun({ scope: 'instance' })).toEqual([a]);
    expect(await dryRun({ scope: 'instance_and_downstream' })).toEqual([a, b, c].sort());
    expect(await dryRun({ scope: 'downstream' })).toEqual([b, c].sort());
    expect(await dryRun({ scope: 'instance_and_downstream', downstreamRange: 'project' })).toEqual(
      [a, b, c, e].sort(),
    );
    expect(await dryRun({ scope: 'instance_and_downstream', downstreamRange: 'all' })).toEqual(
      [a, b, c, d, e].sort(),
    );
    expect(await dryRun({ scope: 'downstream', downstreamRange: 'specified', instanceIds: [c, d] })).toEqual(
      [c, d].sort(),
    );
    for (const id of [a, b, c, d, e]) expect((await get(id)).accumulatedRuns).toBe(1);
  });

  it('reruns the instance and everything downstream in range, in dependency order, each once more', async () => {
    const request = { scope: 'instance_and_downstream', downstreamRange: 'all' };
    const { body: preview } = await api<Plan>('POST', `/v1/instances/${run1}.a/rerun`, {
      ...request,
      dryRun: true,
    });
    const { body: plan } = await api<Plan>('POST', `/v1/instances/${run1}.a/rerun`, request);
    expect(plan.dryRun).toBe(false);
    expect(plan.reset).toHaveLength(5);
    // The dry run named exactly what the rerun reset.
    expect(plan.reset.map((i) => i.id).sort()).toEqual(preview.reset.map((i) => i.id).sort());
    const ids = [`${run1}.a`, `${run1}.b`, `${run1}.c`, `${run2}.d`, `${run3}.e`];
    await eventually(async () => {
      const all = await Promise.all(ids.map(get));
      return all.every((i) => i.status === 'SUCCESS' && i.accumulatedRuns === 2) ? true : undefined;
    }, 'the rerun to finish');
    // x is not downstream of a: untouched.
    expect((await get(`${run1}.x`)).accumulatedRuns).toBe(1);
    // Each ran after its upstream's second success.
    const lastAt = async (id: string, status: string) =>
      Date.parse((await get(id)).transitions.filter((t) => t.status === status).at(-1)?.at ?? '');
    expect(await lastAt(`${run1}.b`, 'RUNNING')).toBeGreaterThanOrEqual(await lastAt(`${run1}.a`, 'SUCCESS'));
    expect(await lastAt(`${run1}.c`, 'RUNNING')).toBeGreaterThanOrEqual(await lastAt(`${run1}.b`, 'SUCCESS'));
    expect(await lastAt(`${run2}.d`, 'RUNNING')).toBeGreaterThanOrEqual(await lastAt(`${run1}.c`, 'SUCCESS'));
    for (const run of [run1, run2, run3]) expect(await finishedRun(run)).toBe('SUCCESS');
    const { body: byWorkflow } = await api<{ items: Operation[] }>('GET', `/v1/workflows/${w1}/operations`);
    expect(byWorkflow.items[0]).toMatchObject({ action: 'rerun', result: { status: 'SUCCESS' } });
    expect(byWorkflow.items[0]?.result.affected?.sort()).toEqual([...ids].sort());
  }, 60_000);

  it('walks lineage down across runs, layer by layer', async () => {
    const { body } = await api<Lineage>('GET', `/v1/instances/${run1}.a/lineage?direction=down&depth=3`);
    expect(body.nodes.map((n) => [n.id, n.layer]).sort()).toEqual(
      [
        [`${run1}.a`, 0],
        [`${run1}.b`, 1],
        [`${run1}.c`, 2],
        [`${run2}.d`, 3],
        [`${run3}.e`, 3],
      ].sort(),
    );
    const crossRun = body.edges
      .filter((e) => e.crossRun)
      .map((e) => e.to)
      .sort();
    expect(crossRun).toEqual([`${run2}.d`, `${run3}.e`].sort());
    const shallow = await api<Lineage>('GET', `/v1/instances/${run1}.c/lineage?depth=1`);
    expect(shallow.body.nodes.map((n) => n.id).sort()).toEqual(
      [`${run1}.b`, `${run1}.c`, `${run2}.d`, `${run3}.e`].sort(),
    );
    expect((await api('GET', `/v1/instances/${run1}.a/lineage?depth=11`)).status).toBe(400);
  });

  it('refuses listed instances that are not downstream, and a specified range without a list', async () => {
    const notDownstream = await api<ErrorBody>('POST', `/v1/instances/${run1}.a/rerun`, {
      scope: 'downstream',
      downstreamRange: 'specified',
      instanceIds: [`${run1}.x`],
    });
    expect(notDownstream.status).toBe(400);
    expect(notDownstream.body.error.details[0]?.path).toBe('instanceIds');
    const noList = await api<ErrorBody>('POST', `/v1/instances/${run1}.a/rerun`, {
      scope: 'downstream',
      downstreamRange: 'specified',
    });
    expect(noList.status).toBe(400);
  });
});

describe('status rules, batch actions and records', () => {
  it('refuses each action outside its statuses with 409, the allowed statuses, and a FAILED record', async () => {
    const id = unique('oprules');
    await save({ id, name: id, tasks: [{ id: 'only', type: 'noop' }] });
    const runId = await fire(id);
    await finishedRun(runId);
    const only = `${runId}.only`;
    const terminate = await api<ErrorBody>('POST', `/v1/instances/${only}/terminate`);
    expect(terminate.status).toBe(409);
    expect(terminate.body.error).toMatchObject({ code: 'ACTION_NOT_ALLOWED' });
    expect(terminate.body.error.message).toContain(
      'WAITING_EVENT, WAITING_UPSTREAM, WAITING_EXECUTION, RUNNING, RETRYING',
    );
    const remove = await api<ErrorBody>('POST', `/v1/instances/${only}/dependencies/${runId}.x/remove`);
    expect(remove.status).toBe(404);
    const { body: records } = await api<{ items: Operation[] }>('GET', `/v1/instances/${only}/operations`);
    // A refused action on an existing instance is recorded; an unknown target or bad input is not.
    expect(records.items.map((r) => [r.action, r.result.status, r.result.code])).toEqual([
      ['terminate', 'FAILED', 'ACTION_NOT_ALLOWED'],
    ]);
  });

  it('applies a batch action to each id and reports each result', async () => {
    const id = unique('opbatch');
    await save({
      id,
      name: id,
      tasks: [
        { id: 'wait1', type: 'noop', event: { name: `${id}-never` } },
        { id: 'wait2', type: 'noop', event: { name: `${id}-never` } },
        { id: 'done', type: 'noop' },
      ],
    });
    const runId = await fire(id);
    await settled(`${runId}.done`, 'SUCCESS');
    const ids = [`${runId}.wait1`, `${runId}.wait2`, `${runId}.done`, `${runId}.missing`];
    const { status, body } = await api<{
      succeeded: number;
      failed: number;
      results: { id: string; status: string; httpStatus?: number; error?: { code: string } }[];
    }>('POST', '/v1/instances/batch/terminate', { ids });
    expect(status).toBe(200);
    expect(body).toMatchObject({ succeeded: 2, failed: 2 });
    expect(body.results.map((r) => [r.id, r.status, r.httpStatus, r.error?.code])).toEqual([
      [ids[0], 'SUCCESS', undefined, undefined],
      [ids[1], 'SUCCESS', undefined, undefined],
      [ids[2], 'FAILED', 409, 'ACTION_NOT_ALLOWED'],
      [ids[3], 'FAILED', 404, 'NOT_FOUND'],
    ]);
    expect(await finishedRun(runId)).toBe('TERMINATED');
    const marked = await api<{ succeeded: number }>('POST', '/v1/instances/batch/mark-success', {
      ids: ids.slice(0, 2),
    });
    expect(marked.body.succeeded).toBe(2);
    expect(await finishedRun(runId)).toBe('SUCCESS');
    const bad = await api<ErrorBody>('POST', '/v1/instances/batch/explode', { ids });
    expect(bad.status).toBe(400);
    const tooMany = await api<ErrorBody>('POST', '/v1/instances/batch/terminate', {
      ids: Array.from({ length: 101 }, (_, i) => `x.${i}`),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0]?.path).toBe('ids');
  });

  it('lists instances with the filters of seed 000, paged, and downloads them as CSV', async () => {
    const id = unique('opfilter');
    await save({
      id,
      name: id,
      folder: '/filters/daily',
      tasks: [
        { ...fixable('load', markerPath()), name: 'Load, then check "quotes"' },
        { id: 'publish', type: 'noop', resourceGroup: 'reports' },
        { id: 'notify', type: 'noop' },
      ],
    });
    const runId = await fire(id);
    expect(await finishedRun(runId)).toBe('FAILED');
    const list = async (query: string) => {
      const { status, body } = await api<{ items: { taskId: string }[]; cursor?: string }>(
        'GET',
        `/v1/instances?workflowId=${id}&${query}`,
      );
      expect(status, JSON.stringify(body)).toBe(200);
      return body.items.map((i) => i.taskId).sort();
    };
    const all = ['load', 'notify', 'publish'];
    expect(await list('')).toEqual(all);
    expect(await list('status=FAILED')).toEqual(['load']);
    expect(await list('status=FAILED,SUCCESS')).toEqual(all);
    expect(await list('status=FAILED&status=SUCCESS')).toEqual(all);
    expect(await list('q=LOAD')).toEqual(['load']);
    expect(await list('q=then%20check')).toEqual(['load']);
    expect(await list('taskType=shell')).toEqual(['load']);
    expect(await list('resourceGroup=reports')).toEqual(['publish']);
    expect(await list('folder=/filters')).toEqual(all);
    expect(await list('folder=/filter')).toEqual([]);
    expect(await list(`owner=${OPERATOR}`)).toEqual(all);
    expect(await list('owner=someone-else')).toEqual([]);
    expect(await list('type=PERIODIC&startFrom=2000-01-01T00:00:00Z')).toEqual(all);
    expect(await list('type=ONE_TIME')).toEqual([]);
    // One at a time, with the cursor: the same three, each once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const { body } = await api<{ items: { taskId: string }[]; cursor?: string }>(
        'GET',
        `/v1/instances?workflowId=${id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...body.items.map((i) => i.taskId));
      cursor = body.cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(all);
    const bad = await api<ErrorBody>('GET', `/v1/instances?workflowId=${id}&status=BROKEN`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.path).toMatch(/^status/);

    const response = await fetch(
      `${runtime.apiUrl}/v1/instances.csv?workflowId=${id}&status=FAILED,SUCCESS`,
      {
        headers: { 'x-rondo-user': OPERATOR },
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'taskName,id,dataTime,status,type,owner,workflowId,taskType,plannedTime,startTime,endTime,durationMs,resourceGroup,retries,accumulatedRuns,folder,cycleType',
    );
    expect(lines).toHaveLength(4);
    const load = lines.find((line) => line.includes(`${runId}.load`));
    expect(load?.startsWith('"Load, then check ""quotes""",')).toBe(true);
    expect(load).toContain(',FAILED,PERIODIC,');
  });

  it('searches an attempt log across its pages, with match positions, and downloads it whole', async () => {
    const id = unique('oplogs');
    await save({
      id,
      name: id,
      tasks: [
        {
          id: 'talk',
          type: 'shell',
          config: {
            command:
              'for i in $(seq 1 1200); do echo "line $i"; done; echo "a Needle here and a needle there"; echo "line 999 again"',
          },
        },
      ],
    });
    const runId = await fire(id);
    expect(await finishedRun(runId)).toBe('SUCCESS');
    type LogPage = {
      pages: number;
      lines: string[];
      search?: { total: number; matches: { page: number; line: number; positions: [number, number][] }[] };
    };
    const base = `/v1/instances/${runId}.talk/attempts/1/logs`;
    const { body: page3 } = await api<LogPage>('GET', `${base}?stream=stdout&page=3`);
    expect(page3.pages).toBe(3);
    expect(page3.lines).toEqual([
      ...Array.from({ length: 200 }, (_, i) => `line ${i + 1001}`),
      'a Needle here and a needle there',
      'line 999 again',
    ]);
    const { body: found } = await api<LogPage>('GET', `${base}?q=NEEDLE`);
    expect(found.search).toEqual({
      q: 'NEEDLE',
      total: 1,
      truncated: false,
      matches: [
        {
          page: 3,
          line: 201,
          positions: [
            [2, 8],
            [20, 26],
          ],
        },
      ],
    });
    const { body: twice } = await api<LogPage>('GET', `${base}?q=line%20999`);
    expect(twice.search?.matches.map((m) => [m.page, m.line])).toEqual([
      [2, 499],
      [3, 202],
    ]);
    const download = await fetch(`${runtime.apiUrl}${base}/download?stream=stdout`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain(`${runId}.talk-attempt-1-stdout.log`);
    const text = await download.text();
    expect(text.split('\n').filter(Boolean)).toHaveLength(1202);
    expect((await api('GET', `/v1/instances/${runId}.talk/attempts/9/logs`)).status).toBe(404);
  });

  it('lists event instances by name or by received time, with the instances each released', async () => {
    const id = unique('opevents');
    const event = `${id}-ready`;
    await save({ id, name: id, tasks: [{ id: 'waits', type: 'noop', event: { name: event } }] });
    const runId = await fire(id);
    const dataTime = '2026-04-01T10:00:00.000Z';
    const { status } = await api('POST', '/v1/events', {
      Source: 'acme.files',
      DetailType: event,
      Detail: JSON.stringify({ dataTime, cycleType: 'DAY' }),
    });
    expect(status).toBe(202);
    await settled(`${runId}.waits`, 'SUCCESS');
    type Events = { items: { id: string; name: string; status: string; dataTime: string }[] };
    const consumed = await eventually(async () => {
      const { body } = await api<Events>('GET', `/v1/event-instances?name=${event}`);
      return body.items[0]?.status === 'CONSUMED' ? body.items : undefined;
    }, 'the event to be consumed');
    expect(consumed.map((e) => [e.name, e.dataTime])).toEqual([[event, dataTime]]);
    const eventId = consumed[0]?.id ?? '';
    const { body: all } = await api<Events>('GET', '/v1/event-instances?status=CONSUMED&limit=500');
    expect(all.items.map((e) => e.id)).toContain(eventId);
    const { body: pending } = await api<Events>('GET', `/v1/event-instances?name=${event}&status=PENDING`);
    expect(pending.items).toEqual([]);
    const byCycle = async (cycle: string) =>
      (await api<Events>('GET', `/v1/event-instances?name=${event}&cycleType=${cycle}`)).body.items.length;
    expect(await byCycle('DAY')).toBe(1);
    expect(await byCycle('HOUR')).toBe(0);
    const byTrigger = async (query: string) =>
      (await api<Events>('GET', `/v1/event-instances?name=${event}&${query}`)).body.items.length;
    expect(await byTrigger('triggerTimeFrom=2000-01-01T00:00:00Z')).toBe(1);
    expect(await byTrigger('triggerTimeTo=2000-01-01T00:00:00Z')).toBe(0);
    const { body: consumers } = await api<{ items: { id: string; status: string }[] }>(
      'GET',
      `/v1/event-instances/${eventId}/consumers`,
    );
    expect(consumers.items).toEqual([expect.objectContaining({ id: `${runId}.waits`, status: 'SUCCESS' })]);
    expect((await api('GET', '/v1/event-instances/nope/consumers')).status).toBe(404);
    expect((await api('GET', '/v1/event-instances?status=LOST')).status).toBe(400);
  });

  it('serves its OpenAPI document', async () => {
    const { status, body } = await api<{ openapi: string; paths: Record<string, unknown> }>(
      'GET',
      '/v1/openapi.json',
    );
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toContain('/v1/instances/{id}/rerun');
  });

  it('reruns with parameter overrides checked against the workflow, rerun > run > default', async () => {
    const id = unique('opparams');
    await save({
      id,
      name: id,
      parameters: [{ name: 'mode', type: 'text', default: 'first' }],
      tasks: [
        {
          id: 'say',
          type: 'shell',
          config: { command: 'echo "::output::{\\"mode\\":\\"[DYNAMIC_PARAMS.mode]\\"}"' },
        },
      ],
    });
    const runId = await fire(id);
    expect(await finishedRun(runId)).toBe('SUCCESS');
    expect((await get(`${runId}.say`)).outputs).toMatchObject({ mode: 'first' });
    const bad = await api<ErrorBody>('POST', `/v1/instances/${runId}.say/rerun`, { parameters: { nope: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.path).toBe('parameters.nope');
    expect((await get(`${runId}.say`)).accumulatedRuns).toBe(1);
    const { status } = await api('POST', `/v1/instances/${runId}.say/rerun`, {
      parameters: { mode: 'second' },
    });
    expect(status).toBe(200);
    await eventually(async () => {
      const say = await get(`${runId}.say`);
      return say.status === 'SUCCESS' && say.accumulatedRuns === 2 ? true : undefined;
    }, 'the rerun');
    expect((await get(`${runId}.say`)).outputs).toMatchObject({ mode: 'second' });
  });

  it('reruns an event listener without its event by default, or waiting for a new one with ignoreEvent false', async () => {
    const id = unique('opignore');
    const event = `${id}-ready`;
    await save({ id, name: id, tasks: [{ id: 'waits', type: 'noop', event: { name: event } }] });
    const runId = await fire(id);
    const emit = async () => {
      const { status } = await api('POST', '/v1/events', {
        Source: 'acme.files',
        DetailType: event,
        Detail: JSON.stringify({ dataTime: '2026-04-01T10:00:00.000Z' }),
      });
      expect(status).toBe(202);
    };
    await emit();
    await settled(`${runId}.waits`, 'SUCCESS');
    // Waiting for a new event: the consumed one does not count.
    expect((await api('POST', `/v1/instances/${runId}.waits/rerun`, { ignoreEvent: false })).status).toBe(
      200,
    );
    expect((await get(`${runId}.waits`)).status).toBe('WAITING_EVENT');
    await emit();
    await eventually(async () => {
      const waits = await get(`${runId}.waits`);
      return waits.status === 'SUCCESS' && waits.accumulatedRuns === 2 ? true : undefined;
    }, 'the rerun released by the new event');
    // By default the event is ignored: it runs at once.
    expect((await api('POST', `/v1/instances/${runId}.waits/rerun`, {})).status).toBe(200);
    await eventually(async () => {
      const waits = await get(`${runId}.waits`);
      return waits.status === 'SUCCESS' && waits.accumulatedRuns === 3 ? true : undefined;
    }, 'the rerun that ignores its event');
  });

  it('runs a rerun whatever its parents did, unless checkParent asks to respect them', async () => {
    const id = unique('opparent');
    await save({
      id,
      name: id,
      tasks: [fixable('a', markerPath()), { id: 'b', type: 'noop' }],
      edges: [{ from: 'a', to: 'b' }],
    });
    const runId = await fire(id);
    expect(await finishedRun(runId)).toBe('FAILED');
    expect((await api('POST', `/v1/instances/${runId}.b/mark-success`)).status).toBe(200);
    await settled(`${runId}.b`, 'SUCCESS');
    // Without checkParent: b runs, although a failed.
    expect((await api('POST', `/v1/instances/${runId}.b/rerun`, {})).status).toBe(200);
    await eventually(async () => {
      const b = await get(`${runId}.b`);
      return b.status === 'SUCCESS' && b.accumulatedRuns === 1 ? true : undefined;
    }, 'b to run');
    // With it: a's failure blocks b, as in a first run.
    expect((await api('POST', `/v1/instances/${runId}.b/rerun`, { checkParent: true })).status).toBe(200);
    await eventually(async () => ((await get(`${runId}.b`)).blocked ? true : undefined), 'b to be blocked');
    expect(await get(`${runId}.b`)).toMatchObject({
      status: 'WAITING_UPSTREAM',
      blocked: true,
      accumulatedRuns: 1,
    });
    expect(await finishedRun(runId)).toBe('FAILED');
  });

  it('lists an instance attempts', async () => {
    const id = unique('opattempts');
    await save({ id, name: id, tasks: [{ id: 'only', type: 'noop' }] });
    const runId = await fire(id);
    await finishedRun(runId);
    const { body } = await api<{ items: { number: number; status: string }[] }>(
      'GET',
      `/v1/instances/${runId}.only/attempts`,
    );
    expect(body.items.map((a) => [a.number, a.status])).toEqual([[1, 'SUCCESS']]);
  });
});
describe('workflows', () => {
  it('creates, lists by folder, versions, copies, transfers, deletes and re-creates a workflow, with records', async () => {
    const id = unique('opwf');
    const folder = `/${unique('proj')}`;
    const definition = {
      id,
      name: 'Sales',
      folder: `${folder}/daily`,
      schedule: { cycle: 'DAY', expression: 'cron(0 2 * * ? *)' },
      tasks: [{ id: 'only', type: 'noop' }],
    };
    expect((await api('POST', '/v1/workflows', definition)).status).toBe(201);
    const again = await api<ErrorBody>('POST', '/v1/workflows', definition);
    expect(again.status).toBe(409);
    expect((await api('PUT', `/v1/workflows/${id}`, { ...definition, name: 'Sales v2' })).status).toBe(200);

    type Stored = {
      definition: { id: string; name: string; folder: string; schedule?: { status: string } };
      version: number;
      owner: string;
    };
    const { body: inFolder } = await api<{ items: Stored[] }>('GET', `/v1/workflows?folder=${folder}`);
    expect(inFolder.items.map((w) => w.definition.id)).toEqual([id]);
    expect(
      (await api<{ items: Stored[] }>('GET', `/v1/workflows?folder=${folder}/other`)).body.items,
    ).toEqual([]);
    const { body: versions } = await api<{ items: Stored[] }>('GET', `/v1/workflows/${id}/versions`);
    expect(versions.items.map((v) => [v.version, v.definition.name])).toEqual([
      [2, 'Sales v2'],
      [1, 'Sales'],
    ]);

    const copyId = `${id}-copy`;
    const copy = await api<Stored>('POST', `/v1/workflows/${id}/copy`, {
      id: copyId,
      folder: `${folder}/copies`,
    });
    expect(copy.status, JSON.stringify(copy.body)).toBe(201);
    expect(copy.body.definition).toMatchObject({
      id: copyId,
      name: 'Sales v2 (copy)',
      folder: `${folder}/copies`,
      schedule: { status: 'PAUSED' },
    });
    expect((await api('POST', `/v1/workflows/${id}/copy`, { id: copyId })).status).toBe(409);
    expect((await api('POST', `/v1/workflows/${id}/copy`, { id: 'Not An Id' })).status).toBe(400);

    const deleted = await api('DELETE', `/v1/workflows/${id}`);
    expect(deleted.status).toBe(200);
    expect((await api('GET', `/v1/workflows/${id}`)).status).toBe(404);
    expect((await api('DELETE', `/v1/workflows/${id}`)).status).toBe(404);
    const { body: afterDelete } = await api<{ items: Stored[] }>('GET', `/v1/workflows?folder=${folder}`);
    expect(afterDelete.items.map((w) => w.definition.id)).toEqual([copyId]);
    // Its schedule went with it.
    const schedules = runtime.scheduler.list().map((s) => s.Name);
    expect(schedules.some((name) => name.includes(id) && !name.includes('copy'))).toBe(false);

    // Saved again: created again, numbered after its last version.
    const recreated = await api<Stored>('PUT', `/v1/workflows/${id}`, definition);
    expect(recreated.status).toBe(201);
    expect(recreated.body.version).toBe(3);
    expect(recreated.body.owner).toBe(OPERATOR);

    const { body: records } = await api<{ items: Operation[] }>('GET', `/v1/workflows/${id}/operations`);
    expect(records.items.map((r) => [r.action, r.result.status])).toEqual([
      ['save-workflow', 'SUCCESS'],
      ['delete-workflow', 'SUCCESS'],
      ['copy-workflow', 'FAILED'],
      ['copy-workflow', 'SUCCESS'],
      ['save-workflow', 'SUCCESS'],
      ['create-workflow', 'FAILED'],
      ['create-workflow', 'SUCCESS'],
    ]);

    // Given away, it is no longer the operator's to delete; as the owner of its folder (made
    // when it first created a workflow there) the operator still sees it: 403, not 404.
    const transferred = await api<Stored>('POST', `/v1/workflows/${id}/owner`, { owner: 'bob@example.com' });
    expect(transferred.body.owner).toBe('bob@example.com');
    const refused = await api<ErrorBody>('DELETE', `/v1/workflows/${id}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
  });
});
