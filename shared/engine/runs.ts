// Creating a run and its instances. Ids are deterministic, every write is conditional, so a
// duplicated schedule fire (or a crash half-way and a redelivery) creates nothing twice.
import { NotFoundError } from '../errors.ts';
import { instanceId, periodicRunId } from '../model/ids.ts';
import type { EdgeRef, Instance, RunType } from '../model/instance.ts';
import type { Run } from '../model/run.ts';
import type { WorkflowDefinition } from '../model/workflow.ts';
import { dataTimeFor } from '../scheduling/data-time.ts';
import type { EngineDeps } from './deps.ts';

export type CreateRunRequest = {
  workflowId: string;
  /** The time the schedule planned this run for (EventBridge Scheduler's scheduled time). */
  plannedTime: string;
  type: RunType;
};

export async function createPeriodicRun(
  deps: Pick<EngineDeps, 'store' | 'clock' | 'dispatchQueue'>,
  request: CreateRunRequest,
): Promise<{ run: Run; created: boolean }> {
  const workflow = await deps.store.getWorkflow(request.workflowId);
  if (!workflow) throw new NotFoundError('workflow', request.workflowId);
  const { definition } = workflow;
  const schedule = definition.schedule;
  const cycle = schedule?.cycle ?? 'CRON';
  const dataTime = dataTimeFor(
    new Date(request.plannedTime),
    cycle,
    schedule?.timezone ?? 'UTC',
  ).toISOString();
  const now = deps.clock.now().toISOString();
  const run: Run = {
    id: periodicRunId(definition.id, dataTime),
    workflowId: definition.id,
    workflowVersion: workflow.version,
    dataTime,
    plannedTime: request.plannedTime,
    type: request.type,
    status: 'RUNNING',
    createdAt: now,
    parameters: defaultParameters(definition),
    taskCount: definition.tasks.length,
    unfinished: definition.tasks.length,
    failed: 0,
    terminated: 0,
  };
  const created = await deps.store.createRun(run);
  const stored = created ? run : ((await deps.store.getRun(run.id)) ?? run);
  // Instances are (re)written even for an existing run: a crash may have left it half-made.
  // Their writes are conditional, so nothing that already exists changes.
  const instances = buildInstances(stored, definition, workflow.owner, now);
  await deps.store.putInstances(instances);
  const roots = instances.filter((i) => i.upstream.length === 0);
  await deps.dispatchQueue.send(roots.map((i) => ({ instanceId: i.id })));
  return { run: stored, created };
}

function defaultParameters(definition: WorkflowDefinition): Record<string, unknown> {
  return Object.fromEntries(
    definition.parameters.flatMap((p) => (p.default === undefined ? [] : [[p.name, p.default]])),
  );
}

export function buildInstances(
  run: Run,
  definition: WorkflowDefinition,
  owner: string,
  now: string,
): Instance[] {
  const upstream = new Map<string, EdgeRef[]>(definition.tasks.map((t) => [t.id, []]));
  const downstream = new Map<string, EdgeRef[]>(definition.tasks.map((t) => [t.id, []]));
  for (const edge of definition.edges) {
    upstream.get(edge.to)?.push({ taskId: edge.from, condition: edge.condition });
    downstream.get(edge.from)?.push({ taskId: edge.to, condition: edge.condition });
  }
  return definition.tasks.map((task) => {
    const status = task.event ? 'WAITING_EVENT' : 'WAITING_UPSTREAM';
    return {
      id: instanceId(run.id, task.id),
      runId: run.id,
      workflowId: run.workflowId,
      workflowVersion: run.workflowVersion,
      taskId: task.id,
      taskName: task.name ?? task.id,
      taskType: task.type,
      dataTime: run.dataTime,
      type: run.type,
      status,
      owner,
      folder: definition.folder,
      resourceGroup: task.resourceGroup,
      cycleType: definition.schedule?.cycle ?? null,
      plannedTime: run.plannedTime,
      retries: 0,
      accumulatedRuns: 0,
      transitions: [{ status, at: now }],
      upstream: upstream.get(task.id) ?? [],
      downstream: downstream.get(task.id) ?? [],
      task,
      parameters: run.parameters,
      revision: 0,
    };
  });
}
