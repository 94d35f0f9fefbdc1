// The reconciler: a scheduled sweep of the due index that heals instances nothing else
// will move: a lost message, a crashed handler, an executor silent past its timeout.
// Bounded work per sweep: at most `perShard` instances from each shard of the index.
import { ConflictError } from '../errors.ts';
import { currentAttempt, FINISHED_STATUSES, type Instance } from '../model/instance.ts';
import { DUE_SHARDS } from '../ports/store.ts';
import { finishAttempt } from './attempts.ts';
import type { EngineDeps } from './deps.ts';
import { stopLoop } from './loops.ts';
import { completeTermination } from './operations.ts';
import { decide } from './resolve.ts';
import { childResult, closedChildOf } from './subworkflows.ts';
import { dueAfter } from './timing.ts';

export type HealAction =
  | 'FAILED_LOST_ATTEMPT'
  | 'RESTARTED_RETRY'
  | 'REDISPATCHED'
  | 'REDECIDED'
  | 'RERESOLVED'
  | 'EXPIRED_EVENT_WAIT'
  | 'COMPLETED_TERMINATION'
  | 'CLEARED';
export type SweepReport = {
  examined: number;
  healed: Partial<Record<HealAction, number>>;
  errors: { instanceId: string; message: string }[];
};

export async function reconcile(deps: EngineDeps, options: { perShard: number }): Promise<SweepReport> {
  const now = deps.clock.now().toISOString();
  const report: SweepReport = { examined: 0, healed: {}, errors: [] };
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    for (const instance of await deps.store.listDueInstances(now, shard, options.perShard)) {
      report.examined++;
      try {
        const action = await heal(deps, instance);
        report.healed[action] = (report.healed[action] ?? 0) + 1;
      } catch (error) {
        // Another handler moved it meanwhile: it is no longer stuck. Any other failure is
        // counted and the sweep goes on: one bad instance must not stop the healing of the rest.
        if (!(error instanceof ConflictError)) {
          report.errors.push({
            instanceId: instance.id,
            message: error instanceof Error ? error.message : String(error),
          });
        }
      }
    }
  }
  return report;
}

async function heal(deps: EngineDeps, instance: Instance): Promise<HealAction> {
  const now = deps.clock.now();
  if (FINISHED_STATUSES.has(instance.status)) {
    // Still due (later), so that a send lost here is made again; resolution clears it.
    await deps.store.patchInstance(instance, { dueAt: dueAfter(now, 0, deps.settings) });
    await deps.completionQueue.send([{ instanceId: instance.id }]);
    return 'RERESOLVED';
  }
  switch (instance.status) {
    case 'RUNNING': {
      if (instance.taskType === 'foreach') {
        // Past its timeout: stop the loop and what it runs.
        await stopLoop(deps, instance, {
          code: 'TIMEOUT',
          message: `the loop did not finish within ${instance.task.timeoutSeconds}s`,
        });
        return 'FAILED_LOST_ATTEMPT';
      }
      if (instance.taskType === 'subworkflow') {
        // The child closed but its report to this attempt was lost: finish with its result.
        const child = await closedChildOf(deps, instance);
        if (child) {
          await finishAttempt(deps, instance, childResult(child));
          return 'FAILED_LOST_ATTEMPT';
        }
      }
      const callback = instance.taskType === 'callback';
      await finishAttempt(deps, instance, {
        status: 'FAILED',
        error: callback
          ? { code: 'HEARTBEAT_TIMEOUT', message: 'no callback or heartbeat arrived in time' }
          : {
              code: 'ATTEMPT_LOST',
              message: `no result ${deps.settings.graceSeconds}s past the ${instance.task.timeoutSeconds}s timeout: the executor or its handler stopped`,
            },
        metrics: {},
      });
      return 'FAILED_LOST_ATTEMPT';
    }
    case 'RETRYING': {
      const healed = await deps.store.patchInstance(instance, { dueAt: dueAfter(now, 0, deps.settings) });
      await deps.retryRunner.startRetry({
        instanceId: healed.id,
        attempt: currentAttempt(healed) + 1,
        waitSeconds: 0,
        restart: healed.revision,
      });
      return 'RESTARTED_RETRY';
    }
    case 'TERMINATING': {
      // Its termination stopped half-way: complete it.
      await completeTermination(deps, instance);
      return 'COMPLETED_TERMINATION';
    }
    case 'WAITING_EVENT': {
      // Its event did not come within its validity.
      const validity = instance.task.event?.validitySeconds ?? 0;
      await deps.store.transitionInstance(instance, 'TERMINATED', now.toISOString(), {
        endTime: now.toISOString(),
        error: {
          code: 'EVENT_TIMEOUT',
          message: `event '${instance.task.event?.name}' did not arrive within ${validity}s`,
        },
        dueAt: dueAfter(now, 0, deps.settings),
      });
      await deps.completionQueue.send([{ instanceId: instance.id }]);
      return 'EXPIRED_EVENT_WAIT';
    }
    case 'WAITING_EXECUTION': {
      await deps.store.patchInstance(instance, { dueAt: dueAfter(now, 0, deps.settings) });
      await deps.dispatchQueue.send([{ instanceId: instance.id }]);
      return 'REDISPATCHED';
    }
    case 'WAITING_UPSTREAM': {
      if (instance.blocked) {
        // Marked blocked, but its dependents may never have heard: report it (again).
        await deps.store.patchInstance(instance, { dueAt: dueAfter(now, 0, deps.settings) });
        await deps.completionQueue.send([{ instanceId: instance.id }]);
        return 'RERESOLVED';
      }
      if (instance.waitingUpstreams > 0) {
        // Legitimately waiting for upstreams: nothing can be late until they report.
        await deps.store.patchInstance(instance, { dueAt: undefined });
        return 'CLEARED';
      }
      const refreshed = await deps.store.patchInstance(instance, { dueAt: dueAfter(now, 0, deps.settings) });
      await decide(deps, refreshed);
      return 'REDECIDED';
    }
    default:
      await deps.store.patchInstance(instance, { dueAt: undefined });
      return 'CLEARED';
  }
}
