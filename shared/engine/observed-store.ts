// The store, reporting what it records: every instance created and every status it enters
// (instances by status), and every retry. A decorator, so no code path can change a status
// without it being counted.
import { METRIC, type Metrics } from '../ports/metrics.ts';
import type { Store } from '../ports/store.ts';

export function observeTransitions(store: Store, metrics: Metrics): Store {
  return {
    ...store,
    async putInstances(instances) {
      await store.putInstances(instances);
      // A redelivered creation counts again: metrics are at-least-once, as their delivery is.
      for (const instance of instances) {
        metrics.add(METRIC.instanceStatus, 'Count', 1, { status: instance.status });
      }
    },
    async transitionInstance(instance, to, at, patch, options) {
      const moved = await store.transitionInstance(instance, to, at, patch, options);
      metrics.add(METRIC.instanceStatus, 'Count', 1, { status: to });
      if (to === 'RETRYING') metrics.add(METRIC.retries, 'Count', 1);
      return moved;
    },
  };
}
