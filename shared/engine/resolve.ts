// Handling a finished instance: decide each downstream instance by the all-upstreams rule
// and close the run when nothing is left. Work is proportional to the downstream edges.
import { ConflictError } from '../errors.ts';
import { instanceId as idOf } from '../model/ids.ts';
import { FINISHED_STATUSES, type Instance } from '../model/instance.ts';
import { deriveRunStatus } from '../model/run.ts';
import type { EngineDeps } from './deps.ts';
import { readiness } from './readiness.ts';

type ResolveDeps = Pick<EngineDeps, 'store' | 'clock' | 'dispatchQueue' | 'completionQueue'>;

export async function resolveFinishedInstance(deps: ResolveDeps, finishedId: string): Promise<void> {
  const finished = await deps.store.getInstance(finishedId);
  if (!finished || !FINISHED_STATUSES.has(finished.status)) return;
  const downstream = await deps.store.getInstances(
    finished.downstream.map((d) => idOf(finished.runId, d.taskId)),
  );
  for (const next of downstream) await decide(deps, next);
  const run = await deps.store.getRun(finished.runId);
  if (run && run.status === 'RUNNING' && run.unfinished <= 0) {
    await deps.store.closeRun(run.id, deriveRunStatus(run), deps.clock.now().toISOString());
  }
}

async function decide(deps: ResolveDeps, instance: Instance): Promise<void> {
  if (instance.status !== 'WAITING_UPSTREAM') return;
  const upstream = await deps.store.getInstances(
    instance.upstream.map((u) => idOf(instance.runId, u.taskId)),
  );
  const statusOf = new Map(upstream.map((u) => [u.taskId, u.status]));
  const verdict = readiness(
    instance.upstream.map((u) => ({
      condition: u.condition,
      status: statusOf.get(u.taskId) ?? 'WAITING_UPSTREAM',
    })),
  );
  if (verdict === 'RUN') {
    await deps.dispatchQueue.send([{ instanceId: instance.id }]);
  } else if (verdict === 'SKIP') {
    try {
      await deps.store.transitionInstance(instance, 'SKIPPED', deps.clock.now().toISOString());
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
    await deps.completionQueue.send([{ instanceId: instance.id }]);
  }
}
