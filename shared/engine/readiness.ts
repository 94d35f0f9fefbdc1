// The all-upstreams rule of PRODUCT.md §3, two ways: as a verdict over all upstream
// states (the reference), and as the counter effect of one upstream report, which is what
// the engine applies so that releasing an instance costs work proportional to its edges.
import type { InstanceStatus, UpstreamOutcome } from '../model/instance.ts';
import { FINISHED_STATUSES } from '../model/instance.ts';
import type { EdgeCondition } from '../model/workflow.ts';
import type { UpstreamEffect } from '../ports/store.ts';

export type UpstreamState = { condition: EdgeCondition; status: InstanceStatus | 'BLOCKED' };
export type Readiness = 'WAIT' | 'BLOCKED' | 'SKIP' | 'RUN';

const failedLike = (status: UpstreamOutcome) => status === 'FAILED' || status === 'TERMINATED';

function conditionMet(condition: EdgeCondition, status: UpstreamOutcome): boolean {
  switch (condition) {
    case 'SUCCESS':
      return status === 'SUCCESS';
    case 'FAILURE':
      return failedLike(status);
    case 'ALWAYS':
      return true;
  }
}

/** What one upstream's final report contributes to its downstream's counters. */
export function upstreamEffect(condition: EdgeCondition, outcome: UpstreamOutcome): UpstreamEffect {
  const blocking = outcome === 'BLOCKED' || (condition === 'SUCCESS' && failedLike(outcome));
  return { blocking: blocking ? 1 : 0, unmet: !blocking && !conditionMet(condition, outcome) ? 1 : 0 };
}

/** The verdict once counters are known: what the engine does when the last upstream reports. */
export function verdictOf(counters: {
  waitingUpstreams: number;
  blockingUpstreams: number;
  unmetUpstreams: number;
}): Readiness {
  if (counters.waitingUpstreams > 0) return 'WAIT';
  if (counters.blockingUpstreams > 0) return 'BLOCKED';
  if (counters.unmetUpstreams > 0) return 'SKIP';
  return 'RUN';
}

/**
 * In order: wait while any upstream is unfinished (a blocked upstream counts as finished
 * but blocks); blocked if a SUCCESS edge's upstream failed or was terminated, or an
 * upstream is blocked; skipped if any edge's condition is unmet (SKIPPED upstreams
 * propagate through SUCCESS and FAILURE edges, ALWAYS treats them as finished); else run.
 */
export function readiness(upstream: readonly UpstreamState[]): Readiness {
  if (upstream.some((u) => u.status !== 'BLOCKED' && !FINISHED_STATUSES.has(u.status))) return 'WAIT';
  const effects = upstream.map((u) => upstreamEffect(u.condition, u.status));
  return verdictOf({
    waitingUpstreams: 0,
    blockingUpstreams: effects.reduce((n, e) => n + e.blocking, 0),
    unmetUpstreams: effects.reduce((n, e) => n + e.unmet, 0),
  });
}
