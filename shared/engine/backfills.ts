// Backfills: supplementary runs over a data-time range of the workflow's cycle, started in
// the requested order with at most `parallelism` active; each closing run starts the next.
// Runs are created as they start (not all up front), so a year of daily runs costs a handful
// of writes to plan, and pausing or cancelling stops at once.
import { randomBytes } from 'node:crypto';
import { NotFoundError, ValidationError } from '../errors.ts';
import { type Backfill, type BackfillSlot, MAX_BACKFILL_RUNS } from '../model/backfill.ts';
import { compactTime } from '../model/ids.ts';
import type { Run } from '../model/run.ts';
import type { WorkflowDefinition } from '../model/workflow.ts';
import { resolveParameters } from '../params/parameters.ts';
import { dataTimeFor } from '../scheduling/data-time.ts';
import { fireTimesBetween, parseScheduleExpression } from '../scheduling/schedule-expression.ts';
import type { EngineDeps } from './deps.ts';
import { createSupplementaryRun } from './runs.ts';

export type BackfillRequest = {
  from: string;
  to: string;
  order: 'ASC' | 'DESC';
  parallelism: number;
  tasks?: string[];
  includeDownstream?: boolean;
  parameters?: Record<string, unknown>;
  parameterSets?: Record<string, unknown>[];
};

/** How far around the range fire times are looked for: data times trail planned times by a cycle. */
const MARGIN_MS = 62 * 86_400_000;

export async function createBackfill(
  deps: EngineDeps,
  workflowId: string,
  request: BackfillRequest,
  actor: string,
): Promise<Backfill> {
  const workflow = await deps.store.getWorkflow(workflowId);
  if (!workflow) throw new NotFoundError('workflow', workflowId);
  const { definition } = workflow;
  const dataTimes = backfillDataTimes(definition, request.from, request.to);
  const sets = request.parameterSets?.length ? request.parameterSets : [{}];
  // Every parameter set must be valid before anything is written.
  for (const set of sets) resolveParameters(definition.parameters, [request.parameters, set]);
  const ordered = request.order === 'DESC' ? [...dataTimes].reverse() : dataTimes;
  const slots: BackfillSlot[] = ordered.flatMap((dataTime) =>
    sets.map((_, parameterSet) => ({ dataTime, parameterSet })),
  );
  if (slots.length > MAX_BACKFILL_RUNS) {
    throw new ValidationError('The backfill is too large', [
      {
        path: 'to',
        code: 'BACKFILL_TOO_LARGE',
        message: `${slots.length} runs; at most ${MAX_BACKFILL_RUNS}`,
      },
    ]);
  }
  const tasks = request.tasks && selectTasks(definition, request.tasks, request.includeDownstream ?? false);
  const now = deps.clock.now();
  const backfill: Backfill = {
    id: `bf${compactTime(now.toISOString()).replace(/[TZ]/g, '')}${randomBytes(3).toString('hex')}`,
    workflowId,
    status: slots.length > 0 ? 'RUNNING' : 'SUCCESS',
    from: new Date(request.from).toISOString(),
    to: new Date(request.to).toISOString(),
    order: request.order,
    parallelism: request.parallelism,
    includeDownstream: request.includeDownstream ?? false,
    ...(tasks ? { tasks } : {}),
    ...(request.parameters ? { parameters: request.parameters } : {}),
    ...(request.parameterSets ? { parameterSets: request.parameterSets } : {}),
    slots,
    next: 0,
    progress: { total: slots.length, done: 0, failed: 0, running: 0 },
    createdAt: now.toISOString(),
    createdBy: actor,
  };
  await deps.store.putBackfill(backfill);
  await startRuns(deps, backfill.id);
  return (await deps.store.getBackfill(backfill.id)) ?? backfill;
}

/** Every data time of the workflow's cycle from `from` to `to`, both included, ascending. */
export function backfillDataTimes(definition: WorkflowDefinition, from: string, to: string): string[] {
  const schedule = definition.schedule;
  if (!schedule) {
    throw new ValidationError('A backfill follows the workflow cycle; this workflow has no schedule', [
      { path: 'schedule', code: 'NO_SCHEDULE', message: 'set a schedule (it may be PAUSED) to backfill' },
    ]);
  }
  const start = new Date(from);
  const end = new Date(to);
  if (!(start <= end)) {
    throw new ValidationError('The range is empty', [
      { path: 'to', code: 'EMPTY_RANGE', message: '`to` is before `from`' },
    ]);
  }
  const expression = parseScheduleExpression(schedule.expression);
  const fires = fireTimesBetween(expression, {
    from: new Date(start.getTime() - MARGIN_MS),
    to: new Date(end.getTime() + MARGIN_MS),
    timezone: schedule.timezone,
    limit: MAX_BACKFILL_RUNS * 4,
  });
  const times = new Set<string>();
  for (const fire of fires) {
    const dataTime = dataTimeFor(fire, schedule.cycle, schedule.timezone);
    if (dataTime >= start && dataTime <= end) times.add(dataTime.toISOString());
  }
  return [...times].sort();
}

/** The named tasks, with everything downstream of them when asked. */
function selectTasks(definition: WorkflowDefinition, tasks: string[], includeDownstream: boolean): string[] {
  const known = new Set(definition.tasks.map((t) => t.id));
  const unknown = tasks.map((t, i) => ({ t, i })).filter(({ t }) => !known.has(t));
  if (unknown.length > 0) {
    throw new ValidationError(
      'The backfill names tasks the workflow does not have',
      unknown.map(({ t, i }) => ({ path: `tasks[${i}]`, code: 'UNKNOWN_TASK', message: `no task '${t}'` })),
    );
  }
  const selected = new Set(tasks);
  if (includeDownstream) {
    for (let grew = true; grew; ) {
      grew = false;
      for (const edge of definition.edges) {
        if (selected.has(edge.from) && !selected.has(edge.to)) {
          selected.add(edge.to);
          grew = true;
        }
      }
    }
  }
  return definition.tasks.map((t) => t.id).filter((id) => selected.has(id));
}

const runIdOf = (backfill: Backfill, slot: BackfillSlot) =>
  `${backfill.workflowId}.B${backfill.id}${compactTime(slot.dataTime)}${backfill.parameterSets ? `p${slot.parameterSet}` : ''}`;

/** Starts runs while the backfill is RUNNING, has slots left and is under its parallelism. */
export async function startRuns(deps: EngineDeps, backfillId: string, read?: Backfill): Promise<void> {
  for (let current = read; ; current = undefined) {
    current ??= await deps.store.getBackfill(backfillId);
    if (current?.status !== 'RUNNING' || current.next >= current.progress.total) return;
    if (current.progress.running >= current.parallelism) return;
    const claimed = await deps.store.claimBackfillSlot(backfillId, current.next);
    if (!claimed) continue; // another handler took it: look again
    await createSlotRun(deps, claimed, claimed.next - 1);
  }
}

/** Creates the run of one claimed slot (idempotent: the run id derives from the slot). */
async function createSlotRun(deps: EngineDeps, backfill: Backfill, index: number): Promise<void> {
  const slot = backfill.slots[index];
  if (!slot) return;
  await createSupplementaryRun(deps, {
    runId: runIdOf(backfill, slot),
    workflowId: backfill.workflowId,
    plannedTime: deps.clock.now().toISOString(),
    dataTime: slot.dataTime,
    parameters: { ...backfill.parameters, ...backfill.parameterSets?.[slot.parameterSet] },
    backfillId: backfill.id,
    backfillSlot: index,
    ...(backfill.tasks ? { tasks: backfill.tasks } : {}),
  });
}

/**
 * Creates the runs of claimed slots that have none: a stop between a slot's claim and its
 * run's creation leaves the slot counted as running with no run to close it. Only while
 * every count marked its slot, so that the claimed slots not counted are the running ones.
 */
async function createMissingRuns(deps: EngineDeps, backfill: Backfill): Promise<void> {
  const counted = new Set(backfill.countedSlots ?? []);
  if (backfill.progress.done !== counted.size) return;
  for (let index = 0; index < backfill.next; index++) {
    if (counted.has(index)) continue;
    const slot = backfill.slots[index];
    if (slot && !(await deps.store.getRun(runIdOf(backfill, slot))))
      await createSlotRun(deps, backfill, index);
  }
}

/**
 * When one of its runs closes: count it (once), then finish the backfill or start the next
 * runs. `close`: FIRST, its first close, counts it; a later close (AGAIN, after a rerun) or a
 * later look at a closed run (BEFORE: a redelivery, a late resolution, the reconciler after a
 * stop between the close and the count) counts it only if its slot is not counted yet, and
 * only while every count so far marked its slot: a run counted by an earlier release, which
 * did not mark, would otherwise be counted twice. A run without a slot was counted, unmarked,
 * at its first close.
 */
export async function onBackfillRunClosed(
  deps: EngineDeps,
  run: Run,
  close: 'FIRST' | 'AGAIN' | 'BEFORE',
): Promise<void> {
  const { backfillId, backfillSlot: slot } = run;
  if (!backfillId) return;
  const failed = run.status !== 'SUCCESS';
  let backfill: Backfill | undefined;
  if (close === 'FIRST') {
    backfill =
      (await deps.store.countBackfillRunClosed(backfillId, { slot, failed })) ??
      (await deps.store.getBackfill(backfillId));
  } else {
    if (slot === undefined) return;
    // Read first: a refused write is billed at the item's size, a read at a quarter of it.
    backfill = await deps.store.getBackfill(backfillId);
    const counted = backfill?.countedSlots ?? [];
    if (backfill && !counted.includes(slot) && backfill.progress.done === counted.length) {
      backfill =
        (await deps.store.countBackfillRunClosed(backfillId, { slot, failed, ifEveryCountMarked: true })) ??
        backfill;
    }
    // The stop this later look makes good may also have come between a claim and its run.
    if (backfill?.status === 'RUNNING' || backfill?.status === 'PAUSED')
      await createMissingRuns(deps, backfill);
  }
  if (!backfill) return;
  if (backfill.progress.done >= backfill.progress.total) {
    if (backfill.status === 'RUNNING' || backfill.status === 'PAUSED') {
      await deps.store.setBackfillStatus(
        backfill.id,
        ['RUNNING', 'PAUSED'],
        backfill.progress.failed > 0 ? 'FAILED' : 'SUCCESS',
      );
    }
    return;
  }
  await startRuns(deps, backfill.id, backfill);
}

export async function getBackfill(deps: Pick<EngineDeps, 'store'>, id: string): Promise<Backfill> {
  const backfill = await deps.store.getBackfill(id);
  if (!backfill) throw new NotFoundError('backfill', id);
  return backfill;
}

/** Pause stops new runs (active ones go on), resume starts them again, cancel ends it. */
export async function controlBackfill(deps: EngineDeps, id: string, action: 'pause' | 'resume' | 'cancel') {
  const backfill = await getBackfill(deps, id);
  const moves = {
    pause: { from: ['RUNNING'], to: 'PAUSED' },
    resume: { from: ['PAUSED'], to: 'RUNNING' },
    cancel: { from: ['RUNNING', 'PAUSED'], to: 'CANCELLED' },
  } as const;
  const move = moves[action];
  if (!(await deps.store.setBackfillStatus(id, [...move.from], move.to))) {
    throw new ValidationError(`A ${backfill.status} backfill cannot ${action}`, [
      { path: 'status', code: 'INVALID_BACKFILL_STATE', message: `it is ${backfill.status}` },
    ]);
  }
  if (action === 'resume') await startRuns(deps, id);
  return getBackfill(deps, id);
}

/** What the API shows: the backfill without its slot list. */
export function backfillView(backfill: Backfill) {
  const { slots: _slots, next: _next, countedSlots: _counted, ...view } = backfill;
  return view;
}
