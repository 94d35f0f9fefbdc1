// An embedded runtime with faults injected (every batch delivered twice, short visibility
// and grace) and what the engine tests read from it.
import { join } from 'node:path';
import { PROJECT_ROOT, type Runtime, startRuntime } from '#local/runtime.ts';

export function startFaultInjectingRuntime(): Promise<Runtime> {
  return startRuntime({
    port: 0,
    functionsDirs: [join(PROJECT_ROOT, 'test', 'fixtures', 'functions')],
    visibilityTimeoutSeconds: 2,
    graceSeconds: 1,
    duplicateDelivery: true,
    recordInvocations: true,
    logLevel: 'ERROR',
    onError: () => {},
  });
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
