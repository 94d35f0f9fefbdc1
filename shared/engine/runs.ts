// Creating a run and its instances. Ids are deterministic and every write is conditional,
// so a duplicated schedule fire (or a crash half-way and a redelivery) creates nothing twice.
import { NotFoundError } from '../errors.ts';
import { childRunId, instanceId, oneTimeRunId, periodicRunId } from '../model/ids.ts';
import type { EdgeRef, ExternalUpstream, Instance, RunType } from '../model/instance.ts';
import type { Run, RunParent } from '../model/run.ts';
import type { WorkflowDefinition } from '../model/workflow.ts';
import { resolveParameters } from '../params/parameters.ts';
import { parseDataTimeOffset, shiftDataTime } from '../params/template.ts';
import type { StoredWorkflow } from '../ports/store.ts';
import { dataTimeFor } from '../scheduling/data-time.ts';
import {
  fireTimesBetween,
  nextFireTime,
  parseScheduleExpression,
} from '../scheduling/schedule-expression.ts';
import type { EngineDeps } from './deps.ts';
import { releaseWaitingEvent } from './events.ts';
import { externalOutcome, outcomeOf, reportOutcome } from './resolve.ts';

export type CreateRunRequest = {
  workflowId: string;
  /** The time the run was planned for: the schedule's fire time, or now for a run started by hand. */
  plannedTime: string;
  type: RunType;
  /** The data time to process; by default the one a periodic run planned at `plannedTime` has. */
  dataTime?: string;
  /** Overrides of the workflow's parameter defaults. */
  parameters?: Record<string, unknown>;
  /** For a child run (a `subworkflow` task): the instance and attempt waiting for it. */
  parent?: RunParent;
  /** For a supplementary run: its backfill and slot, and the tasks it runs (all when absent). */
  backfillId?: string;
  backfillSlot?: number;
  tasks?: string[];
};

type CreateRunDeps = EngineDeps;

/** A periodic run: its id comes from (workflow, data time), so a duplicated fire creates nothing. */
export function createPeriodicRun(
  deps: CreateRunDeps,
  request: Omit<CreateRunRequest, 'parent' | 'parameters'>,
) {
  return createRun(deps, request, (definition, dataTime) => periodicRunId(definition.id, dataTime));
}

/** A one-time run started by hand (run now, URL trigger): a new run each call. */
export function createOneTimeRun(deps: CreateRunDeps, request: Omit<CreateRunRequest, 'type' | 'parent'>) {
  return createRun(deps, { ...request, type: 'ONE_TIME' }, (definition) =>
    oneTimeRunId(definition.id, deps.clock.now()),
  );
}

/** A supplementary run of a backfill: its id derives from the backfill and the slot. */
export function createSupplementaryRun(
  deps: CreateRunDeps,
  request: Omit<CreateRunRequest, 'type'> & { runId: string },
) {
  return createRun(deps, { ...request, type: 'SUPPLEMENTARY' }, () => request.runId);
}

/** A child run for one attempt of a `subworkflow` task: a duplicated start names the same run. */
export function createChildRun(deps: CreateRunDeps, request: CreateRunRequest & { parent: RunParent }) {
  return createRun(deps, request, (definition) =>
    childRunId(definition.id, request.parent.instanceId, request.parent.attempt),
  );
}

async function createRun(
  deps: CreateRunDeps,
  request: CreateRunRequest,
  runIdOf: (definition: WorkflowDefinition, dataTime: string) => string,
): Promise<{ run: Run; created: boolean }> {
  const workflow = await deps.store.getWorkflow(request.workflowId);
  if (!workflow) throw new NotFoundError('workflow', request.workflowId);
  const definition = request.tasks ? restrictTo(workflow.definition, request.tasks) : workflow.definition;
  const schedule = definition.schedule;
  const dataTime = (
    request.dataTime
      ? new Date(request.dataTime)
      : dataTimeFor(new Date(request.plannedTime), schedule?.cycle ?? 'CRON', timezoneOf(definition))
  ).toISOString();
  const now = deps.clock.now();
  const run: Run = {
    id: runIdOf(definition, dataTime),
    workflowId: definition.id,
    workflowVersion: workflow.version,
    dataTime,
    plannedTime: request.plannedTime,
    type: request.type,
    status: 'RUNNING',
    createdAt: now.toISOString(),
    // Workflow defaults, then the run's overrides (a rerun's come later: rerun > run > default).
    parameters: resolveParameters(definition.parameters, [request.parameters]),
    taskCount: definition.tasks.length,
    unfinished: definition.tasks.length,
    failed: 0,
    terminated: 0,
    blocked: 0,
    ...(request.parent ? { parent: request.parent } : {}),
    ...(request.backfillId ? { backfillId: request.backfillId } : {}),
    ...(request.backfillSlot === undefined ? {} : { backfillSlot: request.backfillSlot }),
    ...(request.tasks ? { tasks: request.tasks } : {}),
  };
  const created = await deps.store.createRun(run);
  const stored = created ? run : ((await deps.store.getRun(run.id)) ?? run);
  // A redelivery completes the run with the version it was created with, not a newer one.
  const version =
    stored.workflowVersion === workflow.version
      ? workflow
      : ((await deps.store.getWorkflowVersion(definition.id, stored.workflowVersion)) ?? workflow);
  // Instances are (re)written even for an existing run: a crash may have left it half-made.
  // Their writes are conditional, so nothing that already exists changes.
  const dependedOn = await deps.store.listDependedOnTasks(definition.id);
  const instances = buildInstances(
    stored,
    stored.tasks ? { ...version, definition: restrictTo(version.definition, stored.tasks) } : version,
    now,
    dependedOn,
  );
  await deps.store.putInstances(instances);
  await subscribeToExternalUpstreams(deps, instances);
  await waitForEvents(deps, instances);
  const ready = instances.filter((i) => i.waitingUpstreams === 0 && i.status === 'WAITING_UPSTREAM');
  await deps.dispatchQueue.send(ready.map((i) => ({ instanceId: i.id })));
  return { run: stored, created };
}

/** The workflow with only `tasks` and the edges between them. */
export function restrictTo(definition: WorkflowDefinition, tasks: readonly string[]): WorkflowDefinition {
  const kept = new Set(tasks);
  return {
    ...definition,
    tasks: definition.tasks.filter((t) => kept.has(t.id)),
    edges: definition.edges.filter((e) => kept.has(e.from) && kept.has(e.to)),
  };
}

const timezoneOf = (definition: WorkflowDefinition) => definition.schedule?.timezone ?? 'UTC';

export function buildInstances(
  run: Run,
  workflow: StoredWorkflow,
  now: Date,
  dependedOn: ReadonlySet<string> = new Set(),
): Instance[] {
  const { definition } = workflow;
  const upstream = new Map<string, EdgeRef[]>(definition.tasks.map((t) => [t.id, []]));
  const downstream = new Map<string, EdgeRef[]>(definition.tasks.map((t) => [t.id, []]));
  for (const edge of definition.edges) {
    upstream.get(edge.to)?.push({ taskId: edge.from, condition: edge.condition });
    downstream.get(edge.from)?.push({
      taskId: edge.to,
      condition: edge.condition,
      ...(edge.branch ? { branch: edge.branch } : {}),
    });
  }
  const timezone = timezoneOf(definition);
  return definition.tasks.map((task) => {
    const status = task.event ? 'WAITING_EVENT' : 'WAITING_UPSTREAM';
    const inRun = upstream.get(task.id) ?? [];
    const external = externalUpstreamsOf(task, run, definition, new Date(workflow.createdAt));
    const waiting = inRun.length + external.length;
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
      owner: workflow.owner,
      folder: definition.folder,
      resourceGroup: task.resourceGroup,
      cycleType: definition.schedule?.cycle ?? null,
      plannedTime: run.plannedTime,
      retries: 0,
      accumulatedRuns: 0,
      transitions: [{ status, at: now.toISOString() }],
      upstream: inRun,
      downstream: downstream.get(task.id) ?? [],
      externalUpstream: external,
      waitingUpstreams: waiting,
      blockingUpstreams: 0,
      unmetUpstreams: 0,
      upstreamOutcomes: {},
      task,
      timezone,
      parameters: run.parameters,
      attempts: [],
      // Its next cycle (self-dependency) or another workflow waits for it.
      ...(task.selfDependent || dependedOn.has(task.id) ? { hasExternalDependents: true } : {}),
      // An event listener waits at most its validity: then the reconciler ends it (EVENT_TIMEOUT).
      ...(task.event?.validitySeconds
        ? { dueAt: new Date(now.getTime() + task.event.validitySeconds * 1000).toISOString() }
        : {}),
      revision: 0,
    };
  });
}

/** Self-dependency (the previous cycle of the same task) and dependencies on other workflows. */
function externalUpstreamsOf(
  task: WorkflowDefinition['tasks'][number],
  run: Run,
  definition: WorkflowDefinition,
  createdAt: Date,
): ExternalUpstream[] {
  const dataTime = new Date(run.dataTime);
  const timezone = timezoneOf(definition);
  const external: ExternalUpstream[] = [];
  if (task.selfDependent) {
    const previous = previousDataTime(dataTime, definition, createdAt);
    if (previous) {
      external.push({
        instanceId: instanceId(periodicRunId(definition.id, previous.toISOString()), task.id),
        kind: 'SELF',
        condition: 'SUCCESS',
      });
    }
  }
  for (const dependency of task.dependsOn) {
    const offset = parseDataTimeOffset(dependency.offset);
    const at = offset ? shiftDataTime(dataTime, offset, timezone) : dataTime;
    if (!at) continue;
    external.push({
      instanceId: instanceId(periodicRunId(dependency.workflow, at.toISOString()), dependency.task),
      kind: 'WORKFLOW',
      condition: 'SUCCESS',
    });
  }
  return external;
}

/**
 * The data time of the previous cycle, or undefined when there was none: before the
 * schedule's first cycle (its first fire after its start and after the workflow was
 * created), or for a workflow without a schedule.
 */
export function previousDataTime(
  dataTime: Date,
  definition: WorkflowDefinition,
  createdAt: Date,
): Date | undefined {
  const schedule = definition.schedule;
  if (!schedule) return undefined;
  const timezone = schedule.timezone;
  const expression = parseScheduleExpression(schedule.expression);
  let previous: Date | undefined;
  if (schedule.cycle === 'CRON') {
    // The fire before this one: look back in growing windows (minutes … a year).
    for (const span of [3_600_000, 86_400_000, 32 * 86_400_000, 366 * 86_400_000]) {
      const times = fireTimesBetween(expression, {
        from: new Date(dataTime.getTime() - span),
        to: new Date(dataTime.getTime() - 1),
        timezone,
        limit: 100_000,
      });
      previous = times.at(-1);
      if (previous) break;
    }
  } else {
    const unit = { MINUTE: '-1m', HOUR: '-1h', DAY: '-1d', WEEK: '-1w', MONTH: '-1M' }[schedule.cycle];
    const offset = parseDataTimeOffset(unit);
    previous = offset && shiftDataTime(dataTime, offset, timezone);
  }
  const start = schedule.start ? new Date(schedule.start) : undefined;
  const anchor = start && start > createdAt ? start : createdAt;
  const firstFire = nextFireTime(expression, {
    after: new Date(anchor.getTime() - 1),
    timezone,
    ...(start ? { start } : {}),
  });
  const first = firstFire && dataTimeFor(firstFire, schedule.cycle, timezone);
  return previous && first && previous >= first ? previous : undefined;
}

/**
 * Registers each event-waiting instance under its event's name and data time, then
 * releases it if that event has arrived already. Registration comes first, so an event
 * arriving in between finds the registration, or this lookup finds the event.
 */
async function waitForEvents(deps: CreateRunDeps, instances: Instance[]) {
  for (const instance of instances) {
    const event = instance.task.event;
    if (!event) continue;
    await deps.store.putEventWaiter(event.name, instance.dataTime, instance.id);
    const arrived = await deps.store.listEventIds(event.name, instance.dataTime);
    if (arrived.length > 0 && (await releaseWaitingEvent(deps, instance.id)) === 'RELEASED') {
      // The event was kept PENDING for it: now it is consumed.
      const at = deps.clock.now().toISOString();
      for (const eventId of arrived)
        await deps.store.setEventStatus(eventId, ['PENDING'], 'CONSUMED', at, [instance.id]);
    }
  }
}

/**
 * Registers each instance with the instances of other runs it waits for, then reports
 * the outcome of those already finished. Registration comes first, so an upstream that
 * finishes in between is reported by its own resolver or here; reports count once.
 */
async function subscribeToExternalUpstreams(deps: CreateRunDeps, instances: Instance[]) {
  const links = instances.flatMap((instance) => instance.externalUpstream.map((up) => ({ instance, up })));
  if (links.length === 0) return;
  for (const { instance, up } of links) await deps.store.putDependent(up.instanceId, instance.id);
  const upstreams = new Map(
    (await deps.store.getInstances(links.map((l) => l.up.instanceId))).map((u) => [u.id, u]),
  );
  for (const { instance, up } of links) {
    const found = upstreams.get(up.instanceId);
    const outcome = found && outcomeOf(found);
    if (found && outcome) {
      await reportOutcome(deps, instance.id, up.instanceId, up.condition, {
        outcome: externalOutcome(outcome),
        revision: found.revision,
      });
    }
  }
}
