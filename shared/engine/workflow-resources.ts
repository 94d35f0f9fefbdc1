// A workflow declared as a CloudFormation resource (the `RondoWorkflow` CDK construct):
// create and update save it through the very path the API takes (same validation, a new
// version only on change, the schedule kept in step); delete removes it, pauses its
// schedule, or leaves it, as the resource says. Every request may arrive more than once.
//
// The resource that last created or updated a workflow manages it: a deletion by any other
// resource (a renamed construct, a workflow moved to another stack, the old half of a
// replacement) leaves it alone.
import { NotFoundError } from '../errors.ts';
import type { WorkflowManager, WorkflowManagers } from '../ports/workflow-managers.ts';
import type { EngineDeps } from './deps.ts';
import { deleteWorkflow, saveWorkflow, setSchedule } from './workflows.ts';

/** What a stack deletion (or a replacement under a new id) does to the workflow. */
export const ON_DELETE = ['DELETE', 'PAUSE', 'RETAIN'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

export type WorkflowResourceRequest = { resource: WorkflowManager; actor: string } & (
  | { type: 'Create' | 'Update'; definition: unknown }
  | { type: 'Delete'; workflowId: string; onDelete: OnDelete }
);

export type WorkflowResourceResult = {
  /** The workflow id: a new id on update means a replacement, and CloudFormation deletes the old one. */
  physicalResourceId: string;
  version?: number;
  changed: boolean;
  /** Delete only: why nothing was done (another resource manages it now, it is gone). */
  skipped?: string;
};

type Deps = Pick<EngineDeps, 'store' | 'clock' | 'scheduler'> & { managers: WorkflowManagers };

const sameResource = (a: WorkflowManager | undefined, b: WorkflowManager) =>
  a?.stackId === b.stackId && a.logicalResourceId === b.logicalResourceId;

export async function applyWorkflowResource(
  deps: Deps,
  request: WorkflowResourceRequest,
): Promise<WorkflowResourceResult> {
  if (request.type !== 'Delete') {
    const saved = await saveWorkflow(deps, request.definition, request.actor);
    const { definition } = saved.workflow;
    // An unchanged save writes nothing, schedule included: a schedule a failed deployment
    // left behind (or none at all) is put right here, idempotently.
    if (!saved.changed) {
      if (definition.schedule) await deps.scheduler.upsert(definition.id, definition.schedule);
      else await deps.scheduler.remove(definition.id);
    }
    await deps.managers.put(definition.id, request.resource);
    return { physicalResourceId: definition.id, version: saved.workflow.version, changed: saved.changed };
  }
  const { workflowId, onDelete } = request;
  const manager = await deps.managers.get(workflowId);
  if (manager && !sameResource(manager, request.resource)) {
    return {
      physicalResourceId: workflowId,
      changed: false,
      skipped: `managed by ${manager.logicalResourceId} in ${manager.stackId}`,
    };
  }
  const existing = await deps.store.getWorkflow(workflowId);
  // Gone already (a repeated delete, a create that failed before saving): nothing to do.
  if (!existing || onDelete === 'RETAIN') {
    await deps.managers.release(workflowId, request.resource);
    return {
      physicalResourceId: workflowId,
      changed: false,
      ...(existing ? {} : { skipped: 'no such workflow' }),
    };
  }
  if (onDelete === 'DELETE') {
    try {
      await deleteWorkflow(deps, workflowId);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      return { physicalResourceId: workflowId, changed: false, skipped: 'no such workflow' };
    }
    await deps.managers.release(workflowId, request.resource);
    return { physicalResourceId: workflowId, version: existing.version, changed: true };
  }
  await deps.managers.release(workflowId, request.resource);
  const schedule = existing.definition.schedule;
  if (!schedule || schedule.status === 'PAUSED') {
    return { physicalResourceId: workflowId, version: existing.version, changed: false };
  }
  const paused = await setSchedule(deps, workflowId, { ...schedule, status: 'PAUSED' }, request.actor);
  return { physicalResourceId: workflowId, version: paused.workflow.version, changed: paused.changed };
}
