// Rerun with a scope (PRODUCT.md §4, seed 000): the instance, the instance and its
// downstream, or the downstream only, over a range (its workflow, its project, everything,
// or listed instances). A dry run answers the exact instances a rerun would reset.
//
// Order matters under concurrency: every downstream instance is reset (back to waiting for
// the upstreams that are rerun with it) before anything is dispatched, so no report of a
// rerun instance can reach a downstream that has not been reset yet.
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { instanceId as idOf, parseInstanceId, workflowIdOfRun } from '../model/ids.ts';
import {
  FINISHED_STATUSES,
  type Instance,
  type InstanceStatus,
  type UpstreamReport,
} from '../model/instance.ts';
import type { EdgeCondition } from '../model/workflow.ts';
import { resolveParameters } from '../params/parameters.ts';
import { mapWithConcurrency } from '../util/concurrency.ts';
import type { EngineDeps } from './deps.ts';
import {
  ActionNotAllowedError,
  awaitNewEvent,
  FRESH_START,
  holdingRun,
  RERUNNABLE,
  rerunInstance,
  waitsForNewEvent,
} from './operations.ts';
import { authorizeWorkflow, type Caller } from './permissions.ts';
import { upstreamEffect } from './readiness.ts';
import { decide } from './resolve.ts';
import { dueAfter } from './timing.ts';

export const RERUN_SCOPES = ['instance', 'instance_and_downstream', 'downstream'] as const;
export const DOWNSTREAM_RANGES = ['workflow', 'project', 'all', 'specified'] as const;
export type RerunScope = (typeof RERUN_SCOPES)[number];
export type DownstreamRange = (typeof DOWNSTREAM_RANGES)[number];

export type RerunRequest = {
  scope: RerunScope;
  downstreamRange: DownstreamRange;
  /** With range `specified`: the downstream instances to rerun (others are left alone). */
  instanceIds?: string[];
  dryRun: boolean;
  /** Overrides of the parameters of the instances of the root's workflow (rerun > run > default). */
  parameters?: Record<string, unknown>;
  /** false: instances that listen for an event wait for a new one (see RerunOptions). Default true. */
  ignoreEvent?: boolean;
  /** The instance respects its upstreams (parents, previous cycle) as they stand. Default false. */
  checkParent?: boolean;
};

export type PlannedInstance = {
  id: string;
  workflowId: string;
  taskId: string;
  dataTime: string;
  status: InstanceStatus;
};
export type RerunPlan = {
  root: string;
  scope: RerunScope;
  downstreamRange: DownstreamRange;
  /** What the rerun resets (or, in a dry run, would reset), the root first. */
  reset: PlannedInstance[];
  /** Downstream instances in range that it leaves alone, and why. */
  skipped: (PlannedInstance & { reason: string })[];
  dryRun: boolean;
};

/** The most downstream instances one rerun resets (a larger closure is refused, not cut). */
export const MAX_RERUN_INSTANCES = 5_000;
const CONCURRENCY = 8;

/** Downstream members that are still moving are left alone: they will receive the new reports. */
const LEFT_WAITING: ReadonlySet<InstanceStatus> = new Set(['WAITING_UPSTREAM', 'WAITING_EVENT']);

export async function rerun(deps: EngineDeps, rootId: string, request: RerunRequest): Promise<RerunPlan> {
  const root = await deps.store.getInstance(rootId);
  if (!root) throw new NotFoundError('instance', rootId);
  if (request.downstreamRange === 'specified' && !request.instanceIds?.length) {
    throw new ValidationError('A specified range lists its instances', [
      { path: 'instanceIds', code: 'REQUIRED', message: 'downstreamRange specified needs instanceIds' },
    ]);
  }
  const includesRoot = request.scope !== 'downstream';
  // Every check on the root comes before anything moves: a refusal leaves nothing reset.
  if (root.iteration) {
    throw new ActionNotAllowedError(
      `rerun the foreach instance ${root.iteration.foreachInstanceId}, not one of its iterations`,
      {
        path: 'id',
        message: 'iterations are rerun through their foreach instance',
      },
    );
  }
  if (includesRoot && !RERUNNABLE.has(root.status))
    throw ActionNotAllowedError.forStatus('rerun', root, RERUNNABLE);
  if (!includesRoot && !FINISHED_STATUSES.has(root.status)) {
    throw ActionNotAllowedError.forStatus('rerun the downstream of', root, FINISHED_STATUSES);
  }
  // Parameters are checked against the root workflow's declarations before anything moves.
  let parameters: Record<string, unknown> | undefined;
  if (request.parameters) {
    const version = await deps.store.getWorkflowVersion(root.workflowId, root.workflowVersion);
    if (!version) throw new NotFoundError('workflow', root.workflowId);
    parameters = resolveParameters(version.definition.parameters, [root.parameters, request.parameters]);
  }
  const downstream = request.scope === 'instance' ? [] : await downstreamInRange(deps, root, request);
  const members = downstream.filter((i) => FINISHED_STATUSES.has(i.status));
  const skipped = downstream
    .filter((i) => !FINISHED_STATUSES.has(i.status))
    .map((i) => ({
      ...planned(i),
      reason: LEFT_WAITING.has(i.status)
        ? 'still waiting: it takes the new reports'
        : `under way (${i.status})`,
    }));
  const plan: RerunPlan = {
    root: root.id,
    scope: request.scope,
    downstreamRange: request.downstreamRange,
    reset: [...(includesRoot ? [planned(root)] : []), ...members.map(planned)],
    skipped,
    dryRun: request.dryRun,
  };
  if (request.dryRun) return plan;

  const rerunIds = new Set([...(includesRoot ? [root.id] : []), ...members.map((m) => m.id)]);
  const reset = await mapWithConcurrency(members, CONCURRENCY, (member) =>
    resetMember(deps, member, rerunIds, {
      ...(parameters && member.workflowId === root.workflowId ? { parameters } : {}),
      ...(request.ignoreEvent === false ? { ignoreEvent: false } : {}),
    }),
  );
  if (includesRoot) {
    await rerunInstance(deps, root.id, {
      ...(parameters ? { parameters } : {}),
      ...(request.ignoreEvent === false ? { ignoreEvent: false } : {}),
      ...(request.checkParent ? { checkParent: true } : {}),
    });
  }
  // Now that every member waits for the rerun upstreams, decide those that wait for none.
  await mapWithConcurrency(
    reset.filter((m): m is Instance => m !== undefined && m.waitingUpstreams === 0),
    CONCURRENCY,
    (member) => decide(deps, member),
  );
  // Those that wait for a new event: registered now, released if one came already.
  await mapWithConcurrency(
    reset.filter((m): m is Instance => m?.status === 'WAITING_EVENT'),
    CONCURRENCY,
    (member) => awaitNewEvent(deps, member),
  );
  return plan;
}

const planned = (i: Instance): PlannedInstance => ({
  id: i.id,
  workflowId: i.workflowId,
  taskId: i.taskId,
  dataTime: i.dataTime,
  status: i.status,
});

const projectOf = (folder: string) => folder.split('/')[1] ?? '';

/** The downstream closure of `root` (edges in its run, dependents in other runs) within the range. */
async function downstreamInRange(
  deps: EngineDeps,
  root: Instance,
  request: RerunRequest,
): Promise<Instance[]> {
  const inRange = (i: Instance): boolean => {
    switch (request.downstreamRange) {
      case 'workflow':
        return i.workflowId === root.workflowId;
      case 'project':
        return projectOf(i.folder) === projectOf(root.folder);
      case 'all':
      case 'specified':
        return true;
    }
  };
  const seen = new Set<string>([root.id]);
  const found: Instance[] = [];
  let frontier: Instance[] = [root];
  while (frontier.length > 0) {
    const nextIds: string[] = [];
    for (const instance of frontier) {
      for (const edge of instance.downstream) nextIds.push(idOf(instance.runId, edge.taskId));
      if (instance.hasExternalDependents) nextIds.push(...(await deps.store.listDependents(instance.id)));
    }
    const fresh = [...new Set(nextIds)].filter((id) => !seen.has(id));
    for (const id of fresh) seen.add(id);
    frontier = (await deps.store.getInstances(fresh)).filter(inRange);
    found.push(...frontier);
    if (found.length > MAX_RERUN_INSTANCES) {
      throw new ValidationError(`The rerun would reach more than ${MAX_RERUN_INSTANCES} instances`, [
        {
          path: 'downstreamRange',
          code: 'TOO_MANY_INSTANCES',
          message: 'narrow the range or list the instances',
        },
      ]);
    }
  }
  if (request.downstreamRange !== 'specified') return found;
  const listed = new Set(request.instanceIds);
  const unknown = [...listed].filter((id) => !seen.has(id));
  if (unknown.length > 0) {
    throw new ValidationError('Listed instances must be downstream of the instance', [
      { path: 'instanceIds', code: 'NOT_DOWNSTREAM', message: `not downstream: ${unknown.join(', ')}` },
    ]);
  }
  return found.filter((i) => listed.has(i.id));
}

/** The upstreams an instance has, by instance id, with their edge's condition. */
function upstreamsOf(instance: Instance): Map<string, EdgeCondition> {
  return new Map([
    ...instance.upstream.map((edge) => [idOf(instance.runId, edge.taskId), edge.condition] as const),
    ...instance.externalUpstream.map((up) => [up.instanceId, up.condition] as const),
  ]);
}

/**
 * Puts a finished downstream instance back to waiting: for each upstream that is rerun with
 * it (except a removed dependency), its earlier report is forgotten and awaited again; the
 * reports of the others stay, and its counters are recomputed from them.
 */
async function resetMember(
  deps: EngineDeps,
  initial: Instance,
  rerunIds: ReadonlySet<string>,
  options: { parameters?: Record<string, unknown>; ignoreEvent?: boolean },
) {
  let member: Instance | undefined = initial;
  for (let tries = 0; member; tries++) {
    if (!FINISHED_STATUSES.has(member.status)) return undefined;
    const outcomes: Record<string, UpstreamReport> = {};
    let waiting = 0;
    let blocking = 0;
    let unmet = 0;
    for (const [upstreamId, condition] of upstreamsOf(member)) {
      const report = member.upstreamOutcomes[upstreamId];
      if (report?.outcome === 'REMOVED') {
        outcomes[upstreamId] = report;
      } else if (rerunIds.has(upstreamId) || !report) {
        waiting++;
      } else {
        outcomes[upstreamId] = report;
        const effect = upstreamEffect(condition, report.outcome);
        blocking += effect.blocking;
        unmet += effect.unmet;
      }
    }
    const now = deps.clock.now();
    try {
      const forEvent = waitsForNewEvent(member, options);
      const validity = member.task.event?.validitySeconds;
      if (forEvent && member.task.event) {
        await deps.store.putEventWaiter(member.task.event.name, member.dataTime, member.id);
      }
      return await deps.store.transitionInstance(
        member,
        forEvent ? 'WAITING_EVENT' : 'WAITING_UPSTREAM',
        now.toISOString(),
        {
          ...FRESH_START,
          upstreamOutcomes: outcomes,
          waitingUpstreams: waiting,
          blockingUpstreams: blocking,
          unmetUpstreams: unmet,
          // Waiting for nothing: due, so that a decision lost below is made by the reconciler;
          // waiting for an event: due when its validity ends.
          dueAt: forEvent
            ? validity
              ? new Date(now.getTime() + validity * 1000).toISOString()
              : undefined
            : waiting === 0
              ? dueAfter(now, 0, deps.settings)
              : undefined,
          ...(options.parameters ? { parameters: options.parameters } : {}),
          ...holdingRun(member).patch,
        },
        holdingRun(member).options,
      );
    } catch (error) {
      if (!(error instanceof ConflictError) || tries >= 5) throw error;
      member = await deps.store.getInstance(member.id);
    }
  }
  return undefined;
}

/**
 * A rerun needs the right to operate the instance's workflow, and, reaching downstream into
 * other workflows, each of them (checked on the dry-run plan, before anything moves).
 */
export async function authorizeRerun(
  deps: EngineDeps,
  caller: Caller,
  rootId: string,
  request: RerunRequest,
) {
  const root = parseInstanceId(rootId);
  if (!root) throw new NotFoundError('instance', rootId);
  await authorizeWorkflow(deps, caller, workflowIdOfRun(root.runId), 'operate');
  if (request.scope === 'instance') return;
  // A dry run too: its plan names instances of every workflow it reaches.
  const plan = await rerun(deps, rootId, { ...request, dryRun: true });
  for (const workflowId of new Set(plan.reset.map((i) => i.workflowId))) {
    await authorizeWorkflow(deps, caller, workflowId, 'operate');
  }
}
