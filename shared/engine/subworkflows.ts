// `subworkflow` tasks: an attempt starts a child run of another workflow (same data time,
// mapped parameters) and waits; the child's closing finishes the attempt with its status.
import { ConflictError } from '../errors.ts';
import { childRunId } from '../model/ids.ts';
import { currentAttempt, type Instance } from '../model/instance.ts';
import type { Run } from '../model/run.ts';
import { subworkflowConfigSchema } from '../model/workflow.ts';
import type { AttemptResult } from '../ports/executor.ts';
import { finishAttempt } from './attempts.ts';
import type { EngineDeps } from './deps.ts';
import { createChildRun } from './runs.ts';

/** Starts the child run of the instance's current attempt (idempotent: its id is derived). */
export async function startChildRun(deps: EngineDeps, instance: Instance, config: Record<string, unknown>) {
  const parsed = subworkflowConfigSchema.safeParse(config);
  if (!parsed.success) {
    await finishAttempt(deps, instance, notRetried('INVALID_TASK_CONFIG', 'a subworkflow needs `workflow`'));
    return;
  }
  const { workflow, parameters } = parsed.data;
  const parent = { runId: instance.runId, instanceId: instance.id, attempt: currentAttempt(instance) };
  try {
    await createChildRun(deps, {
      workflowId: workflow,
      type: instance.type,
      plannedTime: instance.plannedTime,
      dataTime: instance.dataTime,
      parameters,
      parent,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: string }).code ?? 'SUBWORKFLOW_NOT_STARTED';
    await finishAttempt(
      deps,
      instance,
      notRetried(code, `the child run of '${workflow}' could not start: ${message}`),
    );
  }
}

/** When a child run closes: its parent attempt succeeds or fails with it. */
export async function finishParentOfChild(deps: EngineDeps, child: Run): Promise<void> {
  const parent = child.parent;
  if (!parent) return;
  const waiting = async () => {
    const instance = await deps.store.getInstance(parent.instanceId);
    return instance?.status === 'RUNNING' && currentAttempt(instance) === parent.attempt
      ? instance
      : undefined;
  };
  const instance = await waiting();
  if (!instance) return;
  try {
    await finishAttempt(deps, instance, childResult(child));
  } catch (error) {
    // Another call reported the same child first (a duplicate, a late resolution): done.
    if (!(error instanceof ConflictError) || (await waiting())) throw error;
  }
}

/** The reconciler's question for a silent subworkflow attempt: has its child closed? */
export async function closedChildOf(deps: EngineDeps, instance: Instance): Promise<Run | undefined> {
  const workflow = subworkflowConfigSchema.safeParse(instance.task.config);
  if (!workflow.success) return undefined;
  const child = await deps.store.getRun(
    childRunId(workflow.data.workflow, instance.id, currentAttempt(instance)),
  );
  return child && child.status !== 'RUNNING' ? child : undefined;
}

export function childResult(child: Run): AttemptResult {
  if (child.status === 'SUCCESS') {
    return { status: 'SUCCESS', outputs: { runId: child.id, status: child.status }, metrics: {} };
  }
  return {
    status: 'FAILED',
    error: { code: 'SUBWORKFLOW_FAILED', message: `child run ${child.id} ended ${child.status}` },
    metrics: {},
  };
}

const notRetried = (code: string, message: string): AttemptResult => ({
  status: 'FAILED',
  error: { code, message },
  metrics: {},
  retryable: false,
});
