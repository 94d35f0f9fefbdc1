// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the '${…}' strings are Rondo templates, not JavaScript ones.
// For-each tasks end to end on an embedded runtime of their own, every queue message
// delivered twice: the loop runs in the for-each state machine (a Map state whose slots wait
// on task tokens), the same ASL document CDK deploys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime.ts';
import {
  apiClient,
  eventually,
  runHelpers,
  scriptedCalls,
  startFaultInjectingRuntime,
} from '../support/fault-runtime.ts';
import { unique } from './support.ts';

type Attempt = { number: number; status: string; error?: { code: string } };
type Instance = {
  id: string;
  status: string;
  blocked?: boolean;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  attempts: Attempt[];
  transitions: { status: string; at: string }[];
};
type Iteration = {
  id: string;
  index: number;
  item: unknown;
  status: string;
  attempts: Attempt[];
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  childRunId?: string;
};
type IterationPage = { attempt: number; items: Iteration[]; cursor?: string };
type Run = { id: string; status: string; parent?: { instanceId: string }; instances: Instance[] };

let runtime: Runtime;
const api = apiClient(() => runtime.apiUrl);

beforeAll(async () => {
  runtime = await startFaultInjectingRuntime();
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

const { save, fire, finishedRun: runEnded } = runHelpers(() => runtime, api, '2026-03-01T10:00:00Z');
const finishedRun = (runId: string) => runEnded<Run>(runId);

const instance = async (runId: string, taskId: string) =>
  (await api<Instance>('GET', `/v1/instances/${runId}.${taskId}`)).body;

/** The whole traversal list of a for-each instance, page by page. */
async function iterations(foreachId: string, limit = 100): Promise<Iteration[]> {
  const all: Iteration[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const { status, body } = await api<IterationPage>(
      'GET',
      `/v1/instances/${foreachId}/iterations?${query}`,
    );
    expect(status).toBe(200);
    all.push(...body.items);
    cursor = body.cursor;
  } while (cursor);
  return all;
}

/** The most iterations that were RUNNING at one moment, from their recorded transitions. */
function maxConcurrentlyRunning(list: Instance[]): number {
  const edges: { at: number; delta: number }[] = [];
  for (const iteration of list) {
    iteration.transitions.forEach((t, i) => {
      if (t.status !== 'RUNNING') return;
      const end = iteration.transitions[i + 1];
      edges.push({ at: Date.parse(t.at), delta: 1 });
      edges.push({ at: end ? Date.parse(end.at) : Number.POSITIVE_INFINITY, delta: -1 });
    });
  }
  // At one instant, an end frees its slot before a start takes it.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const edge of edges) {
    running += edge.delta;
    most = Math.max(most, running);
  }
  return most;
}

const scriptedBody = (payload: Record<string, unknown>, maxRetries = 0) => ({
  type: 'lambda',
  config: { function: 'scripted', payload },
  retry: { maxRetries, intervalSeconds: 0, backoffRate: 1 },
});

describe('foreach', () => {
  it('runs 200 items with never more than maxConcurrency iterations RUNNING and collects the outputs in order', async () => {
    const id = unique('loop200');
    const items = Array.from({ length: 200 }, (_, i) => ({ n: i, label: `item-${i}` }));
    await save({
      id,
      name: id,
      tasks: [
        {
          id: 'each',
          type: 'foreach',
          config: {
            items,
            maxConcurrency: 10,
            body: scriptedBody({ sleepMs: 25, outputs: { label: '${item.label}', index: '${itemIndex}' } }),
          },
        },
        { id: 'after', type: 'noop' },
      ],
      edges: [{ from: 'each', to: 'after' }],
    });
    const runId = await fire(id);
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
    const each = await instance(runId, 'each');
    const outputs = each.outputs as {
      count: number;
      failed: number;
      outputs: { label: string; index: number }[];
    };
    expect(outputs.count).toBe(200);
    expect(outputs.failed).toBe(0);
    expect(outputs.outputs.map((o) => o.label)).toEqual(items.map((i) => i.label));
    expect(outputs.outputs.map((o) => o.index)).toEqual(items.map((i) => i.n));

    const list = await iterations(each.id, 64);
    expect(list.map((i) => i.index)).toEqual(items.map((i) => i.n));
    expect(list.map((i) => i.item)).toEqual(items);
    expect(new Set(list.map((i) => i.status))).toEqual(new Set(['SUCCESS']));
    // Each iteration is an instance of its own: readable by id, with its transitions.
    const detailed = await Promise.all(
      list.map(async (i) => (await api<Instance>('GET', `/v1/instances/${i.id}`)).body),
    );
    const most = maxConcurrentlyRunning(detailed);
    expect(most).toBeLessThanOrEqual(10);
    expect(most).toBeGreaterThan(1);
    // Every iteration ran exactly once, although every message was delivered twice.
    const calls = scriptedCalls(runtime, runId);
    expect(calls.size).toBe(200);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect((await instance(runId, 'after')).status).toBe('SUCCESS');
  }, 120_000);

  it('retries an iteration by the body policy: failing twice then succeeding shows 3 attempts', async () => {
    const id = unique('loopretry');
    await save({
      id,
      name: id,
      tasks: [
        {
          id: 'each',
          type: 'foreach',
          config: {
            items: [{ fail: 0 }, { fail: 2 }, { fail: 0 }],
            maxConcurrency: 2,
            body: scriptedBody({ failAttempts: '${item.fail}' }, 2),
          },
        },
      ],
    });
    const runId = await fire(id);
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
    const list = await iterations(`${runId}.each`);
    expect(list.map((i) => i.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(list[1]?.attempts.map((a) => a.status)).toEqual(['FAILED', 'FAILED', 'SUCCESS']);
    expect(list[0]?.attempts).toHaveLength(1);
    const calls = scriptedCalls(runtime, runId);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(calls.size).toBe(5);
  }, 60_000);

  it('fails the loop when an iteration finally fails, and blocks its downstream', async () => {
    const id = unique('loopfail');
    await save({
      id,
      name: id,
      tasks: [
        {
          id: 'each',
          type: 'foreach',
          config: {
            items: [0, 1, 2, 3],
            maxConcurrency: 1,
            body: scriptedBody({ failAttempts: -1 }),
          },
        },
        { id: 'after', type: 'noop' },
      ],
      edges: [{ from: 'each', to: 'after' }],
    });
    const runId = await fire(id);
    expect((await finishedRun(runId)).status).toBe('FAILED');
    const each = await instance(runId, 'each');
    expect(each.status).toBe('FAILED');
    expect(each.error?.code).toBe('ITERATION_FAILED');
    expect(each.error?.message).toContain('iteration 0');
    const list = await iterations(each.id);
    expect(list[0]?.status).toBe('FAILED');
    // The loop stopped at the first failure: later iterations never ran.
    expect(list.slice(1).every((i) => i.attempts.length === 0)).toBe(true);
    expect(list.slice(1).every((i) => i.status === 'TERMINATED' || i.status === 'WAITING_UPSTREAM')).toBe(
      true,
    );
    const after = await instance(runId, 'after');
    expect(after).toMatchObject({ status: 'WAITING_UPSTREAM', blocked: true });
  }, 60_000);

  it('tolerates up to toleratedFailures failed iterations, with null outputs in their places', async () => {
    const id = unique('looptolerate');
    await save({
      id,
      name: id,
      tasks: [
        {
          id: 'each',
          type: 'foreach',
          config: {
            items: [{ fail: -1 }, { fail: 0 }, { fail: -1 }, { fail: 0 }],
            toleratedFailures: 2,
            body: scriptedBody({ failAttempts: '${item.fail}', outputs: { ok: true } }),
          },
        },
      ],
    });
    const runId = await fire(id);
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
    const each = await instance(runId, 'each');
    expect(each.outputs).toMatchObject({ count: 4, failed: 2 });
    const outputs = (each.outputs as { outputs: unknown[] }).outputs;
    expect(outputs.map((o) => (o === null ? null : 'ok'))).toEqual([null, 'ok', null, 'ok']);
  }, 60_000);

  it('takes its items from an upstream output or a parameter, and renders the item into a shell body', async () => {
    const id = unique('loopsources');
    await save({
      id,
      name: id,
      parameters: [{ name: 'regions', type: 'text', default: '["eu","us"]' }],
      tasks: [
        scriptedTask('list', { outputs: { partitions: ['p1', 'p2', 'p3'] } }),
        {
          id: 'byOutput',
          type: 'foreach',
          config: {
            items: '${outputs.list.partitions}',
            body: {
              type: 'shell',
              config: { command: 'echo "::output::{\\"p\\":\\"${item}-${yyyyMMdd}\\"}"' },
            },
          },
        },
        {
          id: 'byParameter',
          type: 'foreach',
          config: { items: '[DYNAMIC_PARAMS.regions]', body: { type: 'noop' } },
        },
        {
          id: 'notAList',
          type: 'foreach',
          config: { items: '${yyyyMMdd}', body: { type: 'noop' } },
        },
      ],
      edges: [{ from: 'list', to: 'byOutput' }],
    });
    const runId = await fire(id);
    await finishedRun(runId);
    const byOutput = await instance(runId, 'byOutput');
    expect((byOutput.outputs as { outputs: { p: string }[] }).outputs.map((o) => o.p)).toEqual([
      'p1-20260301',
      'p2-20260301',
      'p3-20260301',
    ]);
    expect(byOutput.outputs).toMatchObject({ count: 3 });
    expect((await instance(runId, 'byParameter')).outputs).toMatchObject({ count: 2, failed: 0 });
    const notAList = await instance(runId, 'notAList');
    expect(notAList).toMatchObject({ status: 'FAILED', error: { code: 'ITEMS_NOT_A_LIST' } });
    // Not retried: the same items would fail the same way.
    expect(notAList.attempts).toHaveLength(1);
  }, 60_000);

  it('does not deadlock a limited resource group it shares with its body', async () => {
    const id = unique('loopgroup');
    const group = unique('lg');
    expect((await api('PUT', `/v1/resource-groups/${group}`, { limit: 1 })).status).toBe(200);
    await save({
      id,
      name: id,
      tasks: [
        {
          id: 'each',
          type: 'foreach',
          resourceGroup: group,
          config: { items: [1, 2, 3], maxConcurrency: 3, body: scriptedBody({ sleepMs: 50 }) },
        },
      ],
    });
    const runId = await fire(id);
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
    // The iterations took the group's one slot in turn.
    const detailed = await Promise.all(
      (await iterations(`${runId}.each`)).map(
        async (i) => (await api<Instance>('GET', `/v1/instances/${i.id}`)).body,
      ),
    );
    expect(maxConcurrentlyRunning(detailed)).toBe(1);
  }, 60_000);

  it('refuses a list longer than 10,000 items with a clear error, iterating over none of them', async () => {
    const id = unique('loopbig');
    const big = JSON.stringify(Array.from({ length: 10_001 }, (_, i) => i));
    await save({
      id,
      name: id,
      parameters: [{ name: 'big', type: 'text', default: big }],
      tasks: [
        { id: 'each', type: 'foreach', config: { items: '[DYNAMIC_PARAMS.big]', body: { type: 'noop' } } },
      ],
    });
    const runId = await fire(id);
    expect((await finishedRun(runId)).status).toBe('FAILED');
    const each = await instance(runId, 'each');
    expect(each.error?.code).toBe('TOO_MANY_ITEMS');
    expect(each.error?.message).toContain('10001 items');
    expect(await iterations(each.id)).toEqual([]);
  });

  it('runs a whole subworkflow per item: each iteration opens its child run, which names its parent', async () => {
    const child = unique('loopchild');
    const parent = unique('loopparent');
    await save({
      id: child,
      name: child,
      parameters: [{ name: 'region', type: 'text', default: 'none' }],
      tasks: [
        {
          id: 'work',
          type: 'shell',
          config: { command: 'echo "::output::{\\"region\\":\\"[DYNAMIC_PARAMS.region]\\"}"' },
        },
        { id: 'then', type: 'noop' },
      ],
      edges: [{ from: 'work', to: 'then' }],
    });
    await save({
      id: parent,
      name: parent,
      tasks: [
        {
          id: 'each',
          type: 'foreach',
          config: {
            items: ['eu', 'us'],
            body: { type: 'subworkflow', config: { workflow: child, parameters: { region: '${item}' } } },
          },
        },
      ],
    });
    const runId = await fire(parent);
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
    const list = await iterations(`${runId}.each`);
    expect(list.map((i) => i.status)).toEqual(['SUCCESS', 'SUCCESS']);
    for (const [index, region] of ['eu', 'us'].entries()) {
      const iteration = list[index];
      const { body: childRun } = await api<Run>('GET', `/v1/runs/${iteration?.childRunId}`);
      expect(childRun.status).toBe('SUCCESS');
      expect(childRun.parent?.instanceId).toBe(iteration?.id);
      const work = childRun.instances.find((i) => i.id.endsWith('.work'));
      expect(work?.outputs).toMatchObject({ region });
    }
  }, 60_000);

  it('refuses, when saved, a foreach without a body type and an ${item} outside a foreach body', async () => {
    const id = unique('loopbad');
    const { status, body } = await api<{
      error: { code: string; details: { path: string; code: string }[] };
    }>('PUT', `/v1/workflows/${id}`, {
      id,
      name: id,
      tasks: [
        { id: 'each', type: 'foreach', config: { items: [1], body: { config: {} } } },
        { id: 'plain', type: 'shell', config: { command: 'echo ${item}' } },
      ],
    });
    expect(status).toBe(400);
    expect(body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'tasks[0].config.body.type', code: 'INVALID_TASK_CONFIG' }),
        expect.objectContaining({ path: 'tasks[1].config.command', code: 'UNKNOWN_ITEM' }),
      ]),
    );
    const { status: notForeach, body: notForeachBody } = await api<{ error: { code: string } }>(
      'GET',
      `/v1/instances/${id}.20260301T1000Z.plain/iterations`,
    );
    expect(notForeach, JSON.stringify(notForeachBody)).toBe(404);
  });
});

function scriptedTask(id: string, payload: Record<string, unknown>) {
  return { id, ...scriptedBody(payload) };
}

describe('terminate and rerun across subworkflows and loops', () => {
  const childWith = async (tasks: Record<string, unknown>[]) => {
    const child = unique('opchild');
    await save({ id: child, name: child, tasks });
    return child;
  };

  it('terminating a running subworkflow instance terminates its child run, and the parent run ends TERMINATED', async () => {
    const child = await childWith([scriptedTask('slow', { sleepMs: 3000 })]);
    const parent = unique('opparent');
    await save({
      id: parent,
      name: parent,
      tasks: [
        { id: 'sub', type: 'subworkflow', config: { workflow: child } },
        { id: 'after', type: 'noop' },
      ],
      edges: [{ from: 'sub', to: 'after' }],
    });
    const runId = await fire(parent);
    const childRunId = await eventually(async () => {
      const { body: runs } = await api<{ items: { id: string; status: string }[] }>(
        'GET',
        `/v1/runs?workflowId=${child}`,
      );
      const run = runs.items[0];
      if (!run) return undefined;
      const slow = await api<Instance>('GET', `/v1/instances/${run.id}.slow`);
      return slow.body.status === 'RUNNING' ? run.id : undefined;
    }, 'the child task to run');
    const { status, body } = await api<Instance>('POST', `/v1/instances/${runId}.sub/terminate`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('TERMINATED');
    expect(body.transitions.map((t) => t.status).slice(-2)).toEqual(['TERMINATING', 'TERMINATED']);
    expect(body.error?.code).toBe('TERMINATED_BY_OPERATOR');
    expect((await finishedRun(childRunId)).status).toBe('TERMINATED');
    expect((await api<Instance>('GET', `/v1/instances/${childRunId}.slow`)).body.status).toBe('TERMINATED');
    expect((await finishedRun(runId)).status).toBe('TERMINATED');
    // Lineage shows the nesting: the parent's node names its child run, the child's its parent.
    const { body: parentLineage } = await api<{ nodes: { id: string; childRunId?: string }[] }>(
      'GET',
      `/v1/instances/${runId}.sub/lineage`,
    );
    expect(parentLineage.nodes.find((n) => n.id === `${runId}.sub`)?.childRunId).toBe(childRunId);
    const { body: childLineage } = await api<{ parent?: { instanceId: string } }>(
      'GET',
      `/v1/instances/${childRunId}.slow/lineage`,
    );
    expect(childLineage.parent?.instanceId).toBe(`${runId}.sub`);
    // TERMINATED counts as a failure for its edges: the downstream is blocked, not run.
    expect(await instance(runId, 'after')).toMatchObject({ status: 'WAITING_UPSTREAM', blocked: true });
    // Terminating again answers the same; a finished instance of another kind cannot be terminated.
    expect((await api<Instance>('POST', `/v1/instances/${runId}.sub/terminate`)).body.status).toBe(
      'TERMINATED',
    );
  }, 60_000);

  it('a failed child fails its parent task; rerunning the parent runs a new child run and reopens the run', async () => {
    const marker = `/tmp/rondo-rerun-${unique('m')}`;
    const child = await childWith([
      {
        id: 'flaky',
        type: 'shell',
        // Fails the first time only: the marker file remembers.
        config: { command: `if [ -f ${marker} ]; then echo fine; else touch ${marker}; exit 4; fi` },
        retry: { maxRetries: 0 },
      },
    ]);
    const parent = unique('opparent');
    await save({
      id: parent,
      name: parent,
      tasks: [{ id: 'sub', type: 'subworkflow', config: { workflow: child }, retry: { maxRetries: 0 } }],
    });
    const runId = await fire(parent);
    expect((await finishedRun(runId)).status).toBe('FAILED');
    const failed = await instance(runId, 'sub');
    expect(failed.error?.code).toBe('SUBWORKFLOW_FAILED');

    const { status, body } = await api<{ reset: { id: string; status: string }[] }>(
      'POST',
      `/v1/instances/${runId}.sub/rerun`,
      {},
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.reset).toEqual([expect.objectContaining({ id: `${runId}.sub`, status: 'FAILED' })]);
    expect((await finishedRun(runId)).status).toBe('SUCCESS');
    const rerun = await instance(runId, 'sub');
    expect(rerun.status).toBe('SUCCESS');
    expect(rerun.attempts.map((a) => [a.number, a.status])).toEqual([
      [1, 'FAILED'],
      [2, 'SUCCESS'],
    ]);
    const { body: runs } = await api<{ items: { id: string; status: string }[] }>(
      'GET',
      `/v1/runs?workflowId=${child}`,
    );
    expect(runs.items.map((r) => r.status).sort()).toEqual(['FAILED', 'SUCCESS']);
    expect(rerun.outputs?.runId).toBe(runs.items.find((r) => r.status === 'SUCCESS')?.id);
  }, 60_000);

  it('terminating a running foreach stops its loop and terminates the iterations under way', async () => {
    const id = unique('opforeach');
    await save({
      id,
      name: id,
      tasks: [
        {
          id: 'each',
          type: 'foreach',
          config: { items: [1, 2, 3, 4, 5, 6], maxConcurrency: 2, body: scriptedBody({ sleepMs: 2000 }) },
        },
      ],
    });
    const runId = await fire(id);
    await eventually(async () => {
      const list = await iterations(`${runId}.each`).catch(() => []);
      return list.some((i) => i.status === 'RUNNING') ? true : undefined;
    }, 'an iteration to run');
    const { status } = await api<Instance>('POST', `/v1/instances/${runId}.each/terminate`);
    expect(status).toBe(200);
    expect((await finishedRun(runId)).status).toBe('TERMINATED');
    const list = await iterations(`${runId}.each`);
    expect(new Set(list.map((i) => i.status))).toEqual(new Set(['TERMINATED']));
    // Nothing new starts once the loop is stopped.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(scriptedCalls(runtime, runId).size).toBeLessThanOrEqual(2);
  }, 60_000);

  it('refuses actions that do not apply to the instance status, with 409 and a code', async () => {
    const id = unique('opbad');
    await save({ id, name: id, tasks: [{ id: 'only', type: 'noop' }] });
    const runId = await fire(id);
    await finishedRun(runId);
    const { status, body } = await api<{ error: { code: string; message: string } }>(
      'POST',
      `/v1/instances/${runId}.only/terminate`,
    );
    expect(status).toBe(409);
    expect(body.error.code).toBe('ACTION_NOT_ALLOWED');
    expect(body.error.message).toContain('SUCCESS');
    expect((await api('POST', `/v1/instances/${runId}.nothing/rerun`)).status).toBe(404);
  });
});
