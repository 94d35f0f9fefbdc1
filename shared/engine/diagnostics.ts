// Why an instance is where it is (seed 000's "diagnostics"): for a waiting instance, the
// chain of what holds it down to the root cause ("waits for load@2026-11-20, which FAILED at
// 03:12 after 6 attempts: …"); for a failed one, its error. Reads only the instances on
// the chain, a bounded number of them.
import { instanceId as idOf } from '../model/ids.ts';
import { currentAttempt, type Instance } from '../model/instance.ts';
import type { EngineDeps } from './deps.ts';

export type DiagnosticStep = {
  instanceId: string;
  taskId: string;
  dataTime: string;
  status: Instance['status'] | 'MISSING';
  /** One line for people: what this step waits for, or how it ended. */
  message: string;
};

export type Diagnostics = {
  /** The first line: the root cause for a waiting instance, the error for a failed one. */
  summary: string;
  /** From the instance itself down to the root cause (the last step). */
  chain: DiagnosticStep[];
  /** For a failed or terminated instance. */
  error?: { code: string; message: string };
};

/** How far a chain is followed (each step one read). */
export const MAX_CHAIN = 12;

const at = (iso: string | undefined) => (iso ? iso.slice(11, 16) : '?');
const day = (iso: string) => iso.slice(0, 10);
const label = (i: Pick<Instance, 'taskId' | 'dataTime'>) => `${i.taskId}@${day(i.dataTime)}`;

/** The upstream ids of an instance that hold it: blocking ones first, then those not reported yet. */
function holdingUpstreams(instance: Instance): string[] {
  const all = [
    ...instance.upstream.map((edge) => idOf(instance.runId, edge.taskId)),
    ...instance.externalUpstream.map((up) => up.instanceId),
  ];
  const blocking = all.filter((id) => {
    const outcome = instance.upstreamOutcomes[id]?.outcome;
    return outcome === 'BLOCKED' || outcome === 'FAILED' || outcome === 'TERMINATED';
  });
  const unreported = all.filter((id) => instance.upstreamOutcomes[id] === undefined);
  return [...blocking, ...unreported];
}

function describe(instance: Instance): string {
  const attempts = instance.attempts.length;
  const error = instance.error ? `: ${instance.error.code}: ${instance.error.message}` : '';
  switch (instance.status) {
    case 'FAILED':
      return `FAILED at ${at(instance.endTime)} after ${attempts} attempt${attempts === 1 ? '' : 's'}${error}`;
    case 'TERMINATED':
      return `was TERMINATED at ${at(instance.endTime)}${error}`;
    case 'RUNNING':
      return `is RUNNING attempt ${currentAttempt(instance)} since ${at(instance.startTime)}`;
    case 'RETRYING':
      return `is RETRYING after attempt ${currentAttempt(instance)} failed${error}; next attempt due by ${at(instance.dueAt)}`;
    case 'WAITING_EVENT':
      return `waits for event '${instance.task.event?.name}' for data time ${instance.dataTime}`;
    case 'WAITING_EXECUTION':
      return `waits for a free slot of resource group '${instance.resourceGroup}'`;
    case 'TERMINATING':
      return 'is TERMINATING';
    case 'SKIPPED':
      return 'was SKIPPED';
    case 'SUCCESS':
      return `succeeded at ${at(instance.endTime)}`;
    case 'WAITING_UPSTREAM':
      return instance.blocked ? 'is blocked by a failed upstream' : 'waits for its upstreams';
  }
}

/** The diagnostics of one instance. */
export async function diagnose(deps: Pick<EngineDeps, 'store'>, instance: Instance): Promise<Diagnostics> {
  if (instance.status === 'FAILED' || instance.status === 'TERMINATED') {
    const step = { ...stepOf(instance), message: describe(instance) };
    return {
      summary: `${label(instance)} ${step.message}`,
      chain: [step],
      ...(instance.error ? { error: instance.error } : {}),
    };
  }
  const chain: DiagnosticStep[] = [];
  let current: Instance | undefined = instance;
  const seen = new Set<string>();
  while (current && chain.length < MAX_CHAIN && !seen.has(current.id)) {
    seen.add(current.id);
    if (current.status !== 'WAITING_UPSTREAM') {
      chain.push({ ...stepOf(current), message: describe(current) });
      break;
    }
    const [next] = holdingUpstreams(current);
    if (!next) {
      chain.push({ ...stepOf(current), message: describe(current) });
      break;
    }
    const upstream = await deps.store.getInstance(next);
    const verb = current.blocked ? 'is blocked by' : 'waits for';
    const target = upstream ? label(upstream) : next;
    chain.push({ ...stepOf(current), message: `${verb} ${target}` });
    if (!upstream) {
      // Another workflow's run that does not exist yet (its schedule has not fired).
      const runId = next.slice(0, next.lastIndexOf('.'));
      chain.push({
        instanceId: next,
        taskId: next.slice(next.lastIndexOf('.') + 1),
        dataTime: instance.dataTime,
        status: 'MISSING',
        message: `does not exist yet (run ${runId} has not been created)`,
      });
      break;
    }
    current = upstream;
  }
  return { summary: summaryOf(chain), chain };
}

const stepOf = (i: Instance) => ({
  instanceId: i.id,
  taskId: i.taskId,
  dataTime: i.dataTime,
  status: i.status,
});

/** "waits for B@2026-11-20, which FAILED at 03:12 after 6 attempts: …" */
function summaryOf(chain: DiagnosticStep[]): string {
  const [first] = chain;
  const last = chain.at(-1);
  if (!first || !last) return '';
  if (chain.length === 1) return `${first.taskId}@${day(first.dataTime)} ${first.message}`;
  const via = chain.length > 2 ? ` (through ${chain.length - 2} more)` : '';
  const verb = first.message.startsWith('is blocked') ? 'is blocked by' : 'waits for';
  return `${verb} ${last.taskId}@${day(last.dataTime)}${via}, which ${last.message}`;
}
