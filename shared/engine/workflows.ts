// Saving a workflow: validate, store a new immutable version (none when nothing changed),
// and keep its schedule in step with its scheduling setting.
import { isDeepStrictEqual } from 'node:util';
import { ConflictError, type ErrorDetail, NotFoundError, ValidationError } from '../errors.ts';
import { ExpressionSyntaxError, parseExpression, referencedRoots } from '../expressions/expression.ts';
import {
  conditionConfigSchema,
  foreachConfigSchema,
  issuePath,
  parseWorkflowDefinition,
  subworkflowConfigSchema,
  type TaskDefinition,
  type WorkflowDefinition,
} from '../model/workflow.ts';
import { parseDataTimeOffset, templateFaults } from '../params/template.ts';
import type { StoredWorkflow } from '../ports/store.ts';
import {
  InvalidScheduleExpressionError,
  isValidTimeZone,
  parseScheduleExpression,
} from '../scheduling/schedule-expression.ts';
import type { EngineDeps } from './deps.ts';

export type SaveResult = { workflow: StoredWorkflow; created: boolean; changed: boolean };

export async function saveWorkflow(
  deps: Pick<EngineDeps, 'store' | 'clock' | 'scheduler'>,
  input: unknown,
  actor: string,
): Promise<SaveResult> {
  const definition = validateWorkflowDefinition(input);
  // A deleted workflow saved again is created again: a new version after its last one.
  const latest = await deps.store.getWorkflow(definition.id, { includeDeleted: true });
  const existing = latest?.deletedAt ? undefined : latest;
  if (existing && isDeepStrictEqual(existing.definition, definition)) {
    return { workflow: existing, created: false, changed: false };
  }
  const workflow = await deps.store.putWorkflowVersion(definition, {
    owner: existing?.owner ?? actor,
    at: deps.clock.now().toISOString(),
    expectedVersion: latest?.version ?? 0,
  });
  // Runs of the workflows it depends on look these marks up, so their instances know they have dependents.
  for (const task of definition.tasks) {
    for (const dependency of task.dependsOn) {
      await deps.store.putWorkflowDependency(dependency.workflow, dependency.task, definition.id);
    }
  }
  // A paused schedule stays, disabled: enabling it again fires from the next time on, with
  // no silent catch-up of what was missed (that is what a backfill is for).
  if (definition.schedule) {
    await deps.scheduler.upsert(definition.id, definition.schedule);
  } else if (existing?.definition.schedule) {
    await deps.scheduler.remove(definition.id);
  }
  return { workflow, created: !existing, changed: true };
}

/**
 * Every check a save makes before it writes, offline: the schema, the graph, the schedule,
 * templates and task configs. `rondo validate`, `rondo apply` and the `RondoWorkflow` CDK
 * construct run it before anything reaches a deployment. Answers the definition with its
 * defaults; throws ValidationError listing every fault with its path.
 */
export function validateWorkflowDefinition(input: unknown): WorkflowDefinition {
  const definition = parseWorkflowDefinition(input);
  validateSchedule(definition);
  validateReferences(definition);
  return definition;
}

/** Templates name declared parameters and existing tasks; dependency offsets are offsets. */
function validateReferences(definition: WorkflowDefinition): void {
  const parameters = new Set(definition.parameters.map((p) => p.name));
  const tasks = new Set(definition.tasks.map((t) => t.id));
  const faults: ErrorDetail[] = definition.tasks.flatMap((task, i) => [
    ...configTemplateFaults(task, parameters, tasks).map((fault) => ({
      ...fault,
      path: `tasks[${i}].config${fault.path ? `.${fault.path}` : ''}`,
    })),
    ...task.dependsOn.flatMap((dependency, j) =>
      parseDataTimeOffset(dependency.offset)
        ? []
        : [
            {
              path: `tasks[${i}].dependsOn[${j}].offset`,
              code: 'INVALID_OFFSET',
              message: `'${dependency.offset}' is not an offset such as 0d, -1d, +2h or -1M`,
            },
          ],
    ),
  ]);
  definition.tasks.forEach((task, i) => {
    if (task.type === 'condition') faults.push(...conditionFaults(task.config, i, parameters, tasks));
    if (task.type === 'subworkflow')
      faults.push(...subworkflowFaults(task.config, `tasks[${i}].config`, definition.id));
    if (task.type === 'foreach') {
      const config = foreachConfigSchema.safeParse(task.config);
      if (!config.success) {
        for (const issue of config.error.issues) {
          const inner = issuePath(issue.path);
          faults.push({
            path: `tasks[${i}].config${inner ? `.${inner}` : ''}`,
            code: 'INVALID_TASK_CONFIG',
            message: `foreach: ${issue.message}`,
          });
        }
      } else if (config.data.body.type === 'subworkflow') {
        faults.push(
          ...subworkflowFaults(config.data.body.config, `tasks[${i}].config.body.config`, definition.id),
        );
      }
    }
  });
  if (faults.length > 0) {
    throw new ValidationError('The workflow references are not valid', faults, 'INVALID_WORKFLOW');
  }
}

/**
 * Template faults of a task's config. A callback task's notification may name its token
 * ([DYNAMIC_PARAMS.callbackToken]); a foreach's body may name its item (${item}).
 */
function configTemplateFaults(
  task: TaskDefinition,
  parameters: ReadonlySet<string>,
  tasks: ReadonlySet<string>,
): ErrorDetail[] {
  if (task.type === 'callback') return templateFaults(task.config, [...parameters, 'callbackToken'], tasks);
  if (task.type !== 'foreach') return templateFaults(task.config, parameters, tasks);
  const { body, ...rest } = task.config;
  const bodyConfig = (body as { config?: unknown } | undefined)?.config;
  return [
    ...templateFaults(rest, parameters, tasks),
    ...templateFaults(bodyConfig ?? {}, parameters, tasks, { item: true }).map((fault) => ({
      ...fault,
      path: `body.config${fault.path ? `.${fault.path}` : ''}`,
    })),
  ];
}

function subworkflowFaults(config: unknown, path: string, workflowId: string): ErrorDetail[] {
  const parsed = subworkflowConfigSchema.safeParse(config);
  if (!parsed.success) {
    const message = 'a subworkflow names the `workflow` to run, and optionally its `parameters`';
    return [{ path, code: 'INVALID_TASK_CONFIG', message }];
  }
  if (parsed.data.workflow === workflowId) {
    const message = 'a workflow cannot run itself as a subworkflow';
    return [{ path: `${path}.workflow`, code: 'RECURSIVE_SUBWORKFLOW', message }];
  }
  return [];
}

/** A condition's expression parses, and names only declared parameters and existing tasks. */
function conditionFaults(
  config: Record<string, unknown>,
  index: number,
  parameters: ReadonlySet<string>,
  tasks: ReadonlySet<string>,
): ErrorDetail[] {
  const parsed = conditionConfigSchema.safeParse(config);
  if (!parsed.success) {
    const message = 'a condition needs `if`, or `switch` with `cases`';
    return [{ path: `tasks[${index}].config`, code: 'INVALID_TASK_CONFIG', message }];
  }
  const path = `tasks[${index}].config.${'if' in parsed.data ? 'if' : 'switch'}`;
  try {
    const expression = parseExpression('if' in parsed.data ? parsed.data.if : parsed.data.switch);
    const faults: ErrorDetail[] = [];
    for (const [root, name] of referencedRoots(expression).paths) {
      if (root === 'params' && name !== undefined && !parameters.has(name)) {
        faults.push({ path, code: 'UNKNOWN_PARAMETER', message: `no parameter '${name}'` });
      } else if (root === 'outputs' && name !== undefined && !tasks.has(name)) {
        faults.push({ path, code: 'UNKNOWN_OUTPUT', message: `no task '${name}'` });
      } else if (root !== 'params' && root !== 'outputs' && root !== 'dataTime') {
        faults.push({ path, code: 'UNKNOWN_NAME', message: `'${root}' is not params, outputs or dataTime` });
      }
    }
    return faults;
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    return [{ path, code: error.code, message: error.message }];
  }
}

function validateSchedule(definition: WorkflowDefinition): void {
  const schedule = definition.schedule;
  if (!schedule) return;
  try {
    parseScheduleExpression(schedule.expression);
  } catch (error) {
    if (error instanceof InvalidScheduleExpressionError) {
      throw new ValidationError('The schedule expression is not valid', [
        {
          path: 'schedule.expression',
          message: error.message,
          code: error.code,
          position: error.position,
        },
      ]);
    }
    throw error;
  }
  if (!isValidTimeZone(schedule.timezone)) {
    throw new ValidationError('The schedule time zone is not valid', [
      {
        path: 'schedule.timezone',
        message: `unknown time zone '${schedule.timezone}'`,
        code: 'INVALID_TIME_ZONE',
      },
    ]);
  }
}

/** Replaces the workflow's scheduling setting (a new version); `undefined` removes it. */
export async function setSchedule(
  deps: Pick<EngineDeps, 'store' | 'clock' | 'scheduler'>,
  workflowId: string,
  schedule: unknown,
  actor: string,
): Promise<SaveResult> {
  const existing = await deps.store.getWorkflow(workflowId);
  if (!existing) throw new NotFoundError('workflow', workflowId);
  const { schedule: _previous, ...rest } = existing.definition;
  return saveWorkflow(deps, schedule === undefined ? rest : { ...rest, schedule }, actor);
}

/** Creates a workflow that does not exist yet (`POST /v1/workflows`); 409 when it does. */
export async function createWorkflow(
  deps: Pick<EngineDeps, 'store' | 'clock' | 'scheduler'>,
  input: unknown,
  actor: string,
): Promise<SaveResult> {
  const id = (input as { id?: unknown } | null)?.id;
  if (typeof id === 'string' && (await deps.store.getWorkflow(id))) {
    throw new ConflictError(`workflow '${id}' exists: update it with PUT /v1/workflows/${id}`);
  }
  return saveWorkflow(deps, input, actor);
}

/** Deletes a workflow: its schedule goes, it is listed no more; its versions and runs stay. */
export async function deleteWorkflow(deps: Pick<EngineDeps, 'store' | 'clock' | 'scheduler'>, id: string) {
  const existing = await deps.store.getWorkflow(id);
  if (!existing) throw new NotFoundError('workflow', id);
  if (existing.definition.schedule) await deps.scheduler.remove(id);
  await deps.store.deleteWorkflow(id, existing.version, deps.clock.now().toISOString());
  return { id, deleted: true, version: existing.version };
}

/**
 * Saves a copy under a new id ("save as"): same tasks and edges, a new name and folder if
 * given; a copied schedule starts PAUSED, so a copy never fires next to its original by surprise.
 */
export async function copyWorkflow(
  deps: Pick<EngineDeps, 'store' | 'clock' | 'scheduler'>,
  sourceId: string,
  target: { id: string; name?: string; folder?: string },
  actor: string,
): Promise<SaveResult> {
  const source = await deps.store.getWorkflow(sourceId);
  if (!source) throw new NotFoundError('workflow', sourceId);
  const { schedule, ...rest } = source.definition;
  return createWorkflow(
    deps,
    {
      ...rest,
      id: target.id,
      name: target.name ?? `${rest.name} (copy)`,
      folder: target.folder ?? rest.folder,
      ...(schedule ? { schedule: { ...schedule, status: 'PAUSED' } } : {}),
    },
    actor,
  );
}

/** Gives a workflow to another owner. */
export async function transferOwner(deps: Pick<EngineDeps, 'store' | 'clock'>, id: string, owner: string) {
  const existing = await deps.store.getWorkflow(id);
  if (!existing) throw new NotFoundError('workflow', id);
  return deps.store.setWorkflowOwner(id, owner, existing.version, deps.clock.now().toISOString());
}
