// The store decorator that counts instances by status: every creation and every
// transition, retries on their own, and nothing for a transition the store refused.
import { describe, expect, it } from 'vitest';
import { observeTransitions } from '../../../shared/engine/observed-store.ts';
import { ConflictError } from '../../../shared/errors.ts';
import type { Instance } from '../../../shared/model/instance.ts';
import { METRIC, type Metrics } from '../../../shared/ports/metrics.ts';
import type { Store } from '../../../shared/ports/store.ts';

function recorder() {
  const recorded: { name: string; value: number; dimensions?: Record<string, string> }[] = [];
  const metrics: Metrics = {
    add: (name, _unit, value, dimensions) =>
      recorded.push({ name, value, ...(dimensions ? { dimensions } : {}) }),
  };
  return { metrics, recorded };
}

/** A store whose writes succeed unless the instance's id says otherwise. */
const store = {
  putInstances: async () => {},
  transitionInstance: async (instance: Instance, to: Instance['status']) => {
    if (instance.id.endsWith('.stale')) throw new ConflictError('revision changed');
    return { ...instance, status: to };
  },
  getInstance: async () => undefined,
} as unknown as Store;

const instance = (id: string, status: Instance['status']) => ({ id, status }) as Instance;

describe('observeTransitions', () => {
  it('counts created instances by their first status', async () => {
    const { metrics, recorded } = recorder();
    await observeTransitions(store, metrics).putInstances([
      instance('w.r.a', 'WAITING_UPSTREAM'),
      instance('w.r.b', 'WAITING_EVENT'),
    ]);
    expect(recorded).toEqual([
      { name: METRIC.instanceStatus, value: 1, dimensions: { status: 'WAITING_UPSTREAM' } },
      { name: METRIC.instanceStatus, value: 1, dimensions: { status: 'WAITING_EVENT' } },
    ]);
  });

  it('counts each transition by the status entered, and a retry as a retry too', async () => {
    const { metrics, recorded } = recorder();
    const observed = observeTransitions(store, metrics);
    const moved = await observed.transitionInstance(instance('w.r.a', 'RUNNING'), 'RETRYING', 'now');
    expect(moved.status).toBe('RETRYING');
    await observed.transitionInstance(instance('w.r.a', 'RUNNING'), 'SUCCESS', 'now');
    expect(recorded).toEqual([
      { name: METRIC.instanceStatus, value: 1, dimensions: { status: 'RETRYING' } },
      { name: METRIC.retries, value: 1 },
      { name: METRIC.instanceStatus, value: 1, dimensions: { status: 'SUCCESS' } },
    ]);
  });

  it('counts nothing when the store refuses the transition, and passes the refusal on', async () => {
    const { metrics, recorded } = recorder();
    await expect(
      observeTransitions(store, metrics).transitionInstance(
        instance('w.r.stale', 'RUNNING'),
        'SUCCESS',
        'now',
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(recorded).toEqual([]);
  });

  it('leaves every other store operation as it is', async () => {
    const observed = observeTransitions(store, recorder().metrics);
    expect(observed.getInstance).toBe(store.getInstance);
  });
});
