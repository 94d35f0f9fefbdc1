// Handling an instance that reached its final state for its dependents (finished, or
// blocked): report it once to each downstream instance, in its run and in other runs;
// release, skip or block each downstream whose last upstream this was; close the run when
// nothing in it can move. Work is proportional to the instance's edges.
import { ConflictError } from '../errors.ts';
import { instanceId as idOf } from '../model/ids.ts';
import {
  type EdgeRef,
  FINISHED_STATUSES,
  type Instance,
  type UpstreamOutcome,
  type UpstreamReport,
} from '../model/instance.ts';
import { deriveRunStatus, type Run } from '../model/run.ts';
import type { EdgeCondition } from '../model/workflow.ts';
import { onBackfillRunClosed } from './backfills.ts';
import type { EngineDeps } from './deps.ts';
import { reportIterationToLoop } from './loops.ts';
import { upstreamEffect, verdictOf } from './readiness.ts';
import { finishParentOfChild } from './subworkflows.ts';
import { dueAfter } from './timing.ts';

type ResolveDeps = EngineDeps;

/** The outcome an instance reports to its dependents, if it has one yet. */
export function outcomeOf(instance: Instance): UpstreamOutcome | undefined {
  if (FINISHED_STATUSES.has(instance.status)) return instance.status;
  return instance.blocked ? 'BLOCKED' : undefined;
}

/**
 * A condition task that succeeded reports SKIPPED along the branches it did not choose, so
 * they are skipped and the skip propagates (PRODUCT.md §3).
 */
function outcomeAlong(finished: Instance, edge: EdgeRef, outcome: UpstreamOutcome): UpstreamOutcome {
  if (finished.taskType !== 'condition' || outcome !== 'SUCCESS' || edge.branch === undefined) return outcome;
  return finished.outputs?.branch === edge.branch ? 'SUCCESS' : 'SKIPPED';
}

/**
 * What a run's instance means to instances of other runs waiting for it: a skipped cycle
 * counts as done (else one skipped cycle would skip every later one of a self-dependent task).
 */
export function externalOutcome(outcome: UpstreamOutcome): UpstreamOutcome {
  return outcome === 'SKIPPED' ? 'SUCCESS' : outcome;
}

export async function resolveFinishedInstance(deps: ResolveDeps, finishedId: string): Promise<void> {
  const finished = await deps.store.getInstance(finishedId);
  const outcome = finished && outcomeOf(finished);
  if (!finished || !outcome) return;
  if (finished.iteration) {
    // An iteration has no edges: its for-each's loop waits for it.
    await reportIterationToLoop(deps, finished);
    await settle(deps, finished, { keepDue: false });
    return;
  }
  for (const edge of finished.downstream) {
    await reportOutcome(deps, idOf(finished.runId, edge.taskId), finished.id, edge.condition, {
      outcome: outcomeAlong(finished, edge, outcome),
      revision: finished.revision,
    });
  }
  if (finished.hasExternalDependents) {
    for (const dependentId of await deps.store.listDependents(finished.id)) {
      await reportOutcome(deps, dependentId, finished.id, 'SUCCESS', {
        outcome: externalOutcome(outcome),
        revision: finished.revision,
      });
    }
  }
  // The run closes while the instance is still due: should this stop before the run closed,
  // the reconciler resolves the instance again, and nothing else would close the run. Only an
  // operator's hold on the run, which would keep it open, is released first.
  const released = finished.holdsRunOpen ? await settle(deps, finished, { keepDue: true }) : finished;
  await closeRunIfDone(deps, finished.runId);
  if (released) await settle(deps, released, { keepDue: false });
}

/**
 * Reported: an operator's move no longer holds its run open, and (unless `keepDue`) the
 * reconciler need not report it again. Answers the instance as it now stands, or undefined
 * once it has moved on to a later finish (a rerun, an operator's move), which its own
 * resolution settles: its hold and due time are not this one's to take.
 */
async function settle(
  deps: ResolveDeps,
  finished: Instance,
  { keepDue }: { keepDue: boolean },
): Promise<Instance | undefined> {
  let current = finished;
  for (let tries = 0; ; tries++) {
    if ((keepDue || !current.dueAt) && !current.holdsRunOpen) return current;
    try {
      return await deps.store.patchInstance(
        current,
        {
          ...(keepDue ? {} : { dueAt: undefined }),
          ...(current.holdsRunOpen ? { holdsRunOpen: undefined } : {}),
        },
        current.holdsRunOpen ? { counters: { held: -1 }, reopen: false } : undefined,
      );
    } catch (error) {
      if (!(error instanceof ConflictError) || tries >= REPLACE_TRIES) throw error;
      const fresh = await deps.store.getInstance(finished.id);
      if (!fresh || !sameFinish(fresh, finished)) return undefined;
      // A due time a concurrent duplicate cleared (or the reconciler moved) is fine; a hold
      // must be released for sure.
      if (!fresh.holdsRunOpen) return fresh;
      current = fresh;
    }
  }
}

/** Whether `now` is still the finish `then` was, not a later one. */
const sameFinish = (now: Instance, then: Instance) =>
  outcomeOf(now) === outcomeOf(then) && now.transitions.length === then.transitions.length;

export async function closeRunIfDone(deps: ResolveDeps, runId: string): Promise<void> {
  const run = await deps.store.getRun(runId);
  if (!run) return;
  if (run.status !== 'RUNNING') {
    // Closed before: a stop right after the close may have left what follows it undone.
    await afterClose(deps, run, 'BEFORE');
    return;
  }
  if (run.unfinished > 0) return;
  const status = deriveRunStatus(run);
  const closed = await deps.store.closeRun(run.id, status, deps.clock.now().toISOString(), run);
  if (!closed) {
    // Its counters moved since they were read (another report, an operator's move): read again.
    const fresh = await deps.store.getRun(runId);
    if (fresh?.status === 'RUNNING' && fresh.unfinished === 0 && !fresh.held && !sameCounters(fresh, run)) {
      await closeRunIfDone(deps, runId);
    }
    return;
  }
  await afterClose(deps, { ...run, status }, closed);
}

/**
 * What follows a run's close, made again whenever a resolution finds the run closed, and so
 * idempotent step by step: the parent's attempt hears of its child run once it is still
 * waiting for it; a backfill counts each run once (a rerun that closes a run again leaves
 * its progress be), then starts what is next.
 */
async function afterClose(deps: ResolveDeps, run: Run, close: 'FIRST' | 'AGAIN' | 'BEFORE'): Promise<void> {
  if (run.parent) await finishParentOfChild(deps, run);
  if (run.backfillId) await onBackfillRunClosed(deps, run, close);
}

const sameCounters = (a: Run, b: Run) =>
  a.failed === b.failed && a.terminated === b.terminated && a.blocked === b.blocked;

/**
 * Reports the outcome of upstream `upstreamId` to `targetId`, once, then decides the target
 * if that was its last upstream. A report already counted (a redelivered message, or a
 * crash after the count and before the decision) re-reads the target and decides again:
 * every decision is itself idempotent. A later report of the same upstream (it was rerun,
 * or marked successful: a higher revision) replaces the earlier one.
 */
export async function reportOutcome(
  deps: ResolveDeps,
  targetId: string,
  upstreamId: string,
  condition: EdgeCondition,
  report: { outcome: UpstreamOutcome; revision: number },
): Promise<void> {
  const recorded = await deps.store.recordUpstreamOutcome(
    targetId,
    upstreamId,
    report,
    upstreamEffect(condition, report.outcome),
  );
  let target = recorded ?? (await deps.store.getInstance(targetId));
  if (!recorded && target) target = await replaceOutcome(deps, target, upstreamId, condition, report);
  if (target) await decide(deps, target);
}

const REPLACE_TRIES = 5;

/**
 * What unblocking a blocked instance writes: it counts unfinished again (its run reopens if it
 * had closed), and it holds the run open until its own resolution has reported it, so that the
 * run cannot close FAILED in between on the strength of the instances it will unblock.
 */
export function unblocking(deps: Pick<ResolveDeps, 'clock' | 'settings'>, instance: Instance) {
  const hold = !instance.holdsRunOpen;
  return {
    patch: {
      blocked: undefined,
      dueAt: dueAfter(deps.clock.now(), 0, deps.settings),
      ...(hold ? { holdsRunOpen: true } : {}),
    },
    run: { counters: { blocked: -1, unfinished: 1, ...(hold ? { held: 1 } : {}) }, reopen: true },
  };
}

/**
 * Replaces an upstream's earlier report on a waiting instance with a later one: its counters
 * move by the difference, and an instance that was blocked and has no blocking upstream left
 * is unblocked (its run counts it unfinished again, and runs again if it had closed).
 */
async function replaceOutcome(
  deps: ResolveDeps,
  initial: Instance,
  upstreamId: string,
  condition: EdgeCondition,
  report: { outcome: UpstreamOutcome; revision: number },
): Promise<Instance | undefined> {
  let target: Instance | undefined = initial;
  for (let tries = 0; target; tries++) {
    const previous: UpstreamReport | undefined = target.upstreamOutcomes[upstreamId];
    if (
      !previous ||
      previous.outcome === 'REMOVED' ||
      previous.revision >= report.revision ||
      previous.outcome === report.outcome ||
      target.status !== 'WAITING_UPSTREAM'
    ) {
      return target;
    }
    const before = upstreamEffect(condition, previous.outcome);
    const after = upstreamEffect(condition, report.outcome);
    // At least zero: a rerun ran this instance whatever its upstreams had reported.
    const blockingUpstreams = Math.max(0, target.blockingUpstreams - before.blocking + after.blocking);
    const unblock = target.blocked === true && blockingUpstreams === 0;
    try {
      return await deps.store.patchInstance(
        target,
        {
          upstreamOutcomes: { ...target.upstreamOutcomes, [upstreamId]: report },
          blockingUpstreams,
          unmetUpstreams: Math.max(0, target.unmetUpstreams - before.unmet + after.unmet),
          // Unblocked: due, so that a lost decision below is made by the reconciler; and it
          // holds the run open until its own resolution, which may unblock more.
          ...(unblock ? unblocking(deps, target).patch : {}),
        },
        unblock ? unblocking(deps, target).run : undefined,
      );
    } catch (error) {
      if (!(error instanceof ConflictError) || tries >= REPLACE_TRIES) throw error;
      target = await deps.store.getInstance(target.id);
    }
  }
  return target;
}

/** Acts on a waiting instance whose upstreams have all reported. */
export async function decide(deps: ResolveDeps, instance: Instance): Promise<void> {
  if (instance.status !== 'WAITING_UPSTREAM') return;
  const verdict = verdictOf(instance);
  const now = deps.clock.now().toISOString();
  if (verdict === 'RUN') {
    await deps.dispatchQueue.send([{ instanceId: instance.id }]);
  } else if (verdict === 'BLOCKED') {
    // Only the call that marks it reports it: a redelivered report must not send it again
    // (each level of a blocked region would double the messages). If this handler stops
    // between the mark and the send, the mark's due time brings the reconciler.
    if (await deps.store.markBlocked(instance, now, dueAfter(deps.clock.now(), 0, deps.settings))) {
      await deps.completionQueue.send([{ instanceId: instance.id }]);
    }
  } else if (verdict === 'SKIP') {
    try {
      // Due until its own resolution reports it (see resolveFinishedInstance).
      await deps.store.transitionInstance(instance, 'SKIPPED', now, {
        dueAt: dueAfter(deps.clock.now(), 0, deps.settings),
      });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const current = await deps.store.getInstance(instance.id);
      if (current?.status !== 'SKIPPED') return;
    }
    await deps.completionQueue.send([{ instanceId: instance.id }]);
  }
}
