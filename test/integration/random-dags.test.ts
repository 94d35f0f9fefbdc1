// Random DAGs end to end on an embedded runtime of its own, every queue message delivered
// twice: the same generator and reference model of PRODUCT.md §3 as the engine's property
// test (test/unit/engine/engine-property.test.ts), with real Lambda, SQS, DynamoDB and the
// local Step Functions retry machine instead of the in-memory harness.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime.ts';
import { apiClient, scriptedCalls, startFaultInjectingRuntime } from '../support/fault-runtime.ts';
import {
  type Dag,
  dagArbitrary,
  expectedRunStatus,
  expectedStatus,
  referenceModel,
  taskId,
  workflowDefinitionOf,
} from '../support/reference-model.ts';
import { unique } from './support.ts';

type Instance = {
  id: string;
  status: string;
  blocked?: boolean;
  attempts: { number: number }[];
};
type Run = { id: string; status: string; unfinished: number; failed: number; blocked: number };

let runtime: Runtime;
const api = apiClient(() => runtime.apiUrl);

beforeAll(async () => {
  runtime = await startFaultInjectingRuntime();
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

async function finishedRun(runId: string, timeoutMs = 30_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<Run>('GET', `/v1/runs/${runId}`);
    if (body.status !== 'RUNNING') return body;
    if (Date.now() > deadline) throw new Error(`timed out waiting for run ${runId}: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every task is the `scripted` fixture function, failing as its script says (-1: always). */
const definitionOf = (dag: Dag, id: string) =>
  workflowDefinitionOf(dag, {
    id,
    name: id,
    task: (script) => ({
      type: 'lambda',
      config: {
        function: 'scripted',
        payload: { failAttempts: script.failures === 'ALWAYS' ? -1 : script.failures },
      },
      retry: { maxRetries: script.maxRetries, intervalSeconds: 0, backoffRate: 1 },
    }),
  });

/** Few and small, for run time: each attempt is a real Lambda call, each retry a state machine. */
const DAGS = fc.sample(dagArbitrary({ maxTasks: 15, maxRetries: 2 }), { seed: 20_260_303, numRuns: 4 });

/** After the run finishes, how long late duplicates get to show up as extra executor calls. */
const SETTLE_MS = 500;

describe('random DAGs on the embedded runtime, every message delivered twice', () => {
  it.each(DAGS.map((dag, index) => [index, dag] as const))(
    'DAG %i ends as the reference model says, each attempt run once',
    async (_index, dag) => {
      const id = unique('random-dag');
      const definition = definitionOf(dag, id);
      const saved = await api('PUT', `/v1/workflows/${id}`, definition);
      expect(saved.status, JSON.stringify(saved.body)).toBeLessThan(300);
      const { runId } = (await runtime.lambda.invoke('rondo-create-run', {
        workflowId: id,
        scheduledTime: '2026-03-01T10:00:00Z',
      })) as { runId: string };
      const run = await finishedRun(runId);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

      const reference = referenceModel(dag);
      const context = JSON.stringify({ dag, reference });
      const instanceOf = (index: number) => `${runId}.${taskId(index)}`;
      const instances = await Promise.all(
        dag.tasks.map(async (_t, i) => {
          const { status, body } = await api<Instance>('GET', `/v1/instances/${instanceOf(i)}`);
          expect(status, JSON.stringify(body)).toBe(200);
          return body;
        }),
      );
      const actual = instances.map(
        (instance, i) => `${taskId(i)}:${instance.status}${instance.blocked ? '(blocked)' : ''}`,
      );
      const expected = reference.map(
        (r, i) => `${taskId(i)}:${expectedStatus(r.outcome)}${r.outcome === 'BLOCKED' ? '(blocked)' : ''}`,
      );
      expect(actual, context).toEqual(expected);
      expect(
        { status: run.status, unfinished: run.unfinished, failed: run.failed, blocked: run.blocked },
        context,
      ).toEqual({
        status: expectedRunStatus(reference),
        unfinished: 0,
        failed: reference.filter((r) => r.outcome === 'FAILED').length,
        blocked: reference.filter((r) => r.outcome === 'BLOCKED').length,
      });

      // Each attempt the reference makes called the function exactly once; no other attempt ran.
      const calls = scriptedCalls(runtime, runId);
      const expectedCalls = reference.flatMap((r, i) =>
        Array.from({ length: r.attempts }, (_x, a) => `${instanceOf(i)}#${a + 1}`),
      );
      expect([...calls.keys()].sort(), context).toEqual(expectedCalls.sort());
      expect(
        [...calls.entries()].filter(([, n]) => n !== 1),
        context,
      ).toEqual([]);
      instances.forEach((instance, i) => {
        expect(
          instance.attempts.map((a) => a.number),
          `${taskId(i)} ${context}`,
        ).toEqual(Array.from({ length: reference[i]?.attempts ?? 0 }, (_x, a) => a + 1));
      });
    },
  );

  it('draws DAGs that exercise every outcome of the reference model', () => {
    const outcomes = new Set(DAGS.flatMap((dag) => referenceModel(dag).map((r) => r.outcome)));
    expect([...outcomes].sort()).toEqual(['BLOCKED', 'FAILED', 'SKIPPED', 'SUCCESS']);
    expect(DAGS.some((dag) => referenceModel(dag).some((r) => r.attempts > 1))).toBe(true);
  });
});
