// Instance items live in their run's partition; two indexes list them by data-time day
// (sharded, so no partition takes every write of a day) and by workflow.
import { createHash } from 'node:crypto';
import type { Instance } from '../../model/instance.ts';
import { INDEXES, type Key } from './table.ts';

/** Partitions per day in the by-day index: 8 × 1,000 WCU/s covers 8,000 writes/s per day key. */
export const DAY_SHARDS = 8;

export const instanceKey = (runId: string, taskId: string): Key => ({
  pk: `RUN#${runId}`,
  sk: `I#${taskId}`,
});

export function dayShard(instanceId: string): number {
  return createHash('md5').update(instanceId).digest().readUInt16BE(0) % DAY_SHARDS;
}

export const dayPartition = (day: string, shard: number): string => `IDAY#${day}#${shard}`;
export const workflowPartition = (workflowId: string): string => `WFI#${workflowId}`;

export function instanceToItem(instance: Instance): Record<string, unknown> {
  const sortKey = `${instance.dataTime}#${instance.id}`;
  return {
    ...instanceKey(instance.runId, instance.taskId),
    kind: 'instance',
    ...instance,
    [INDEXES.instancesByDay.pk]: dayPartition(instance.dataTime.slice(0, 10), dayShard(instance.id)),
    [INDEXES.instancesByDay.sk]: sortKey,
    [INDEXES.instancesByWorkflow.pk]: workflowPartition(instance.workflowId),
    [INDEXES.instancesByWorkflow.sk]: sortKey,
  };
}

export function instanceFromItem(item: Record<string, unknown>): Instance {
  const { pk: _pk, sk: _sk, kind: _kind, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...instance } = item;
  return instance as Instance;
}
