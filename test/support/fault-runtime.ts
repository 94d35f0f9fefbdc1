// An embedded runtime with faults injected (every batch delivered twice, short visibility
// and grace) and what the engine tests read from it.
import { join } from 'node:path';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PROJECT_ROOT, type Runtime, startRuntime } from '#local/runtime.ts';

export function startFaultInjectingRuntime(): Promise<Runtime> {
  return startRuntime({
    port: 0,
    functionsDirs: [join(PROJECT_ROOT, 'test', 'fixtures', 'functions')],
    visibilityTimeoutSeconds: 2,
    // Messages come back while still being handled: five receives are not five failures.
    maxReceiveCount: 50,
    graceSeconds: 1,
    duplicateDelivery: true,
    recordInvocations: true,
    logLevel: 'ERROR',
    onError: () => {},
  });
}

/** Messages in the runtime's dead-letter queues: work SQS stopped redelivering. */
export async function deadLetteredMessages(runtime: Runtime, client: SQSClient): Promise<number> {
  let count = 0;
  for (const url of Object.values(runtime.deadLetterQueueUrls)) {
    const out = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    count +=
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }
  return count;
}

/** A JSON client of the runtime's API. */
export function apiClient(apiUrl: () => string) {
  return async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${apiUrl()}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };
}

/** Calls of the `scripted` task function for a run, by `instanceId#attempt`. */
export function scriptedCalls(runtime: Runtime, runId: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const { name, event } of runtime.lambda.invocations) {
    const e = event as { instance?: { id: string; attempt: number } };
    if (name !== 'scripted' || !e.instance?.id.startsWith(`${runId}.`)) continue;
    const key = `${e.instance.id}#${e.instance.attempt}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
  }
  return calls;
}

/** Polls `probe` every 100 ms until it answers something, or fails naming `what`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/**
 * What the tests of a runtime of their own do over and over: save a workflow (asserting it
 * took), fire its run for `scheduledTime` as its schedule would, and wait for the run to end.
 */
export function runHelpers(runtime: () => Runtime, api: Call, scheduledTime: string) {
  return {
    async save(definition: Record<string, unknown>) {
      const { status, body } = await api('PUT', `/v1/workflows/${definition.id}`, definition);
      if (status >= 300) throw new Error(`saving ${definition.id}: ${status} ${JSON.stringify(body)}`);
    },
    async fire(workflowId: string): Promise<string> {
      const out = (await runtime().lambda.invoke('rondo-create-run', { workflowId, scheduledTime })) as {
        runId: string;
      };
      return out.runId;
    },
    finishedRun<R extends { status: string }>(runId: string): Promise<R> {
      return eventually(async () => {
        const { body } = await api<R>('GET', `/v1/runs/${runId}`);
        return body.status !== 'RUNNING' ? body : undefined;
      }, `run ${runId} to finish`);
    },
  };
}
