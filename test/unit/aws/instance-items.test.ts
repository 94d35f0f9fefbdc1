// The stored form of an instance: what goes in, comes out; what never changes is packed, and a
// typical instance's item stays under the 1 KB a write unit pays for.
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  FIXED_ATTRIBUTE,
  instanceFromItem,
  instanceIdOfKey,
  instanceKeyOf,
  instanceToItem,
} from '#shared/aws/dynamodb/instance-items.ts';
import { itemBytes } from '#shared/aws/dynamodb/item-size.ts';
import { instanceId, iterationId } from '#shared/model/ids.ts';
import type { Instance } from '#shared/model/instance.ts';
import { runningInstance } from '../../support/instances.ts';

const RUN = 'orders-daily-ingest.20260101T0000Z';

/** A layered-DAG task at the end of a first-time success: three transitions, one attempt, two reports. */
function finishedInstance(): Instance {
  const base = runningInstance(instanceId(RUN, 'load_orders'), 'load_orders', 'noop');
  return {
    ...base,
    runId: RUN,
    workflowId: 'orders-daily-ingest',
    type: 'PERIODIC',
    cycleType: 'DAY',
    status: 'SUCCESS',
    owner: 'admin',
    folder: '/sales',
    startTime: '2026-11-22T15:25:50.077Z',
    endTime: '2026-11-22T15:25:50.356Z',
    durationMs: 279,
    transitions: [
      { status: 'WAITING_UPSTREAM', at: '2026-11-22T15:25:43.167Z' },
      { status: 'RUNNING', at: '2026-11-22T15:25:50.077Z' },
      { status: 'SUCCESS', at: '2026-11-22T15:25:50.356Z' },
    ],
    upstream: [
      { taskId: 'extract_orders', condition: 'SUCCESS' },
      { taskId: 'extract_refunds', condition: 'SUCCESS' },
    ],
    downstream: [{ taskId: 'publish_report', condition: 'SUCCESS' }],
    upstreamOutcomes: {
      [instanceId(RUN, 'extract_orders')]: { outcome: 'SUCCESS', revision: 3 },
      [instanceId(RUN, 'extract_refunds')]: { outcome: 'SUCCESS', revision: 4 },
    },
    attempts: [
      {
        number: 1,
        trigger: 'DISPATCH',
        startTime: '2026-11-22T15:25:50.077Z',
        endTime: '2026-11-22T15:25:50.356Z',
        status: 'SUCCESS',
      },
    ],
    outputs: {},
    revision: 5,
  };
}

const stored = (instance: Instance) =>
  marshall(instanceToItem(instance), { removeUndefinedValues: true, convertClassInstanceToMap: true });

describe('instance items', () => {
  it('reads back every field it stores', () => {
    const instance = finishedInstance();
    expect(instanceFromItem(instanceToItem(instance))).toEqual(instance);
  });

  it('reads back an iteration, a report from another run, and fields that differ from the id', () => {
    const foreach = instanceId(RUN, 'load_partitions');
    const iteration: Instance = {
      ...finishedInstance(),
      id: iterationId(foreach, 2, 17),
      taskId: 'load_partitions',
      iteration: {
        foreachInstanceId: foreach,
        attempt: 2,
        index: 17,
        item: { day: 3 },
        toleratedFailures: 0,
      },
    };
    expect(instanceFromItem(instanceToItem(iteration))).toEqual(iteration);
    const external: Instance = {
      ...finishedInstance(),
      upstreamOutcomes: {
        'orders-daily-ingest.20251231T0000Z.load_orders': { outcome: 'SUCCESS', revision: 2 },
      },
    };
    expect(instanceFromItem(instanceToItem(external))).toEqual(external);
    // The executors' fixture names a run its id does not.
    const odd = runningInstance('wf.20240501T0000Z.t1', 't1', 'http');
    expect(instanceFromItem(instanceToItem(odd))).toEqual(odd);
  });

  it('reads the packed fields as a stream record carries them to Lambda (base64 in JSON)', () => {
    const instance = finishedInstance();
    const item = instanceToItem(instance);
    const asDelivered = {
      ...item,
      [FIXED_ATTRIBUTE]: Buffer.from(item[FIXED_ATTRIBUTE] as Uint8Array).toString('base64'),
    };
    expect(instanceFromItem(asDelivered)).toEqual(instance);
  });

  it('names the instance by its key alone', () => {
    const item = instanceToItem(finishedInstance());
    expect(item).not.toHaveProperty('id');
    expect(instanceIdOfKey(instanceKeyOf(instanceId(RUN, 'a')))).toBe(instanceId(RUN, 'a'));
    const iteration = iterationId(instanceId(RUN, 'a'), 12, 345);
    expect(instanceIdOfKey(instanceKeyOf(iteration))).toBe(iteration);
  });

  it('packs what never changes and keeps what writes change as attributes', () => {
    const item = instanceToItem(finishedInstance());
    expect(item[FIXED_ATTRIBUTE]).toBeInstanceOf(Uint8Array);
    for (const fixed of ['task', 'upstream', 'downstream', 'dataTime', 'owner', 'folder', 'runId', 'taskId'])
      expect(item).not.toHaveProperty(fixed);
    for (const hot of ['status', 'revision', 'waitingUpstreams', 'attempts', 'outputs', 'upstreamOutcomes'])
      expect(item).toHaveProperty(hot);
    // Reports from the instance's own run are kept by task id (update expressions name them so).
    expect(Object.keys(item.upstreamOutcomes as object).sort()).toEqual([
      'extract_orders',
      'extract_refunds',
    ]);
    expect(item.transitions).toEqual([
      'WAITING_UPSTREAM@2026-11-22T15:25:43.167Z',
      'RUNNING@2026-11-22T15:25:50.077Z',
      'SUCCESS@2026-11-22T15:25:50.356Z',
    ]);
  });

  it('keeps a finished first-time success under 1 KB, so each of its writes is one write unit', () => {
    const finished = finishedInstance();
    expect(itemBytes(stored(finished))).toBeLessThan(1024);
    // As every field stood top-level, the same instance took two units a write.
    const { [FIXED_ATTRIBUTE]: _packed, ...unpacked }: Record<string, unknown> = {
      ...instanceToItem(finished),
      ...finished,
    };
    expect(itemBytes(marshall(unpacked, { removeUndefinedValues: true }))).toBeGreaterThan(1024);
  });

  it('reads items written before the packed form', () => {
    const instance = finishedInstance();
    const { [FIXED_ATTRIBUTE]: _packed, ...old }: Record<string, unknown> = {
      ...instanceToItem(instance),
      ...instance,
    };
    expect(instanceFromItem(old)).toEqual(instance);
  });

  it('refuses a packed form it does not know', () => {
    const item = instanceToItem(finishedInstance());
    const packed = Uint8Array.from(item[FIXED_ATTRIBUTE] as Uint8Array);
    packed[0] = 9;
    expect(() => instanceFromItem({ ...item, [FIXED_ATTRIBUTE]: packed })).toThrow(/unknown stored format 9/);
  });
});
