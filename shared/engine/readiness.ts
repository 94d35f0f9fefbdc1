// The all-upstreams rule of PRODUCT.md §3, as a pure function over the upstream edges.

import type { InstanceStatus } from '../model/instance.ts';
import { FINISHED_STATUSES } from '../model/instance.ts';
import type { EdgeCondition } from '../model/workflow.ts';

export type UpstreamState = { condition: EdgeCondition; status: InstanceStatus };
export type Readiness = 'WAIT' | 'BLOCKED' | 'SKIP' | 'RUN';

const failedLike = (status: InstanceStatus) => status === 'FAILED' || status === 'TERMINATED';

function conditionMet({ condition, status }: UpstreamState): boolean {
  switch (condition) {
    case 'SUCCESS':
      return status === 'SUCCESS';
    case 'FAILURE':
      return failedLike(status);
    case 'ALWAYS':
      return true;
  }
}

/**
 * In order: wait while any upstream is unfinished; blocked if a SUCCESS edge's upstream
 * failed or was terminated; skipped if any edge's condition is unmet (SKIPPED upstreams
 * propagate through SUCCESS and FAILURE edges, ALWAYS treats them as finished); else run.
 */
export function readiness(upstream: readonly UpstreamState[]): Readiness {
  if (upstream.some((u) => !FINISHED_STATUSES.has(u.status))) return 'WAIT';
  if (upstream.some((u) => u.condition === 'SUCCESS' && failedLike(u.status))) return 'BLOCKED';
  if (upstream.some((u) => !conditionMet(u))) return 'SKIP';
  return 'RUN';
}
