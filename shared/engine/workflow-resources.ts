// A workflow declared as a CloudFormation resource (the `RondoWorkflow` CDK construct):
// create and update save it through the very path the API takes (same validation, a new
// version only on change, the schedule kept in step); delete removes it, pauses its
// schedule, or leaves it, as the resource says. Every request may arrive more than once.
import { NotFoundError } from '../errors.ts';
import type { EngineDeps } from './deps.ts';
import { deleteWorkflow, saveWorkflow, setSchedule } from './workflows.ts';

/** What a stack deletion (or a replacement under a new id) does to the workflow. */
export const ON_DELETE = ['DELETE', 'PAUSE', 'RETAIN'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

export type WorkflowResourceRequest =
  | { type: 'Create' | 'Update'; definition: unknown; actor: string }
  | { type: 'Delete'; workflowId: string; onDelete: OnDelete; actor: string };

export type WorkflowResourceResult = {
  /** The workflow id: a new id on update means a replacement, and CloudFormation deletes the old one. */
  physicalResourceId: string;
  version?: number;
  changed: boolean;
};

export async function applyWorkflowResource(
  deps: Pick<EngineDeps, 'store' | 'clock' | 'scheduler'>,
  request: WorkflowResourceRequest,
): Promise<WorkflowResourceResult> {
  if (request.type !== 'Delete') {
    const saved = await saveWorkflow(deps, request.definition, request.actor);
    return {
      physicalResourceId: saved.workflow.definition.id,
      version: saved.workflow.version,
      changed: saved.changed,
    };
  }
  const { workflowId, onDelete } = request;
  const existing = await deps.store.getWorkflow(workflowId);
  // Gone already (a repeated delete, a create that failed before saving): nothing to do.
  if (!existing || onDelete === 'RETAIN') return { physicalResourceId: workflowId, changed: false };
  if (onDelete === 'DELETE') {
    try {
      await deleteWorkflow(deps, workflowId);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      return { physicalResourceId: workflowId, changed: false };
    }
    return { physicalResourceId: workflowId, version: existing.version, changed: true };
  }
  const schedule = existing.definition.schedule;
  if (!schedule || schedule.status === 'PAUSED') {
    return { physicalResourceId: workflowId, version: existing.version, changed: false };
  }
  const paused = await setSchedule(deps, workflowId, { ...schedule, status: 'PAUSED' }, request.actor);
  return { physicalResourceId: workflowId, version: paused.workflow.version, changed: paused.changed };
}
