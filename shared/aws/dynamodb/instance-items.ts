// Instance items live in their run's partition. Indexes list them by data-time day
// (sharded, so no partition takes every write of a day), by workflow, by due time (for
// the reconciler) and by resource-group waiting time.
import { createHash } from 'node:crypto';
import type { Instance } from '../../model/instance.ts';
import { DUE_SHARDS } from '../../ports/store.ts';
import { INDEXES, type Key } from './table.ts';

/** Partitions per day in the by-day index: 8 × 1,000 WCU/s covers 8,000 writes/s per day key. */
export const DAY_SHARDS = 8;

export const instanceKey = (runId: string, taskId: string): Key => ({
  pk: `RUN#${runId}`,
  sk: `I#${taskId}`,
});

function shardOf(instanceId: string, shards: number): number {
  return createHash('md5').update(instanceId).digest().readUInt16BE(0) % shards;
}

export const dayShard = (instanceId: string): number => shardOf(instanceId, DAY_SHARDS);
export const dayPartition = (day: string, shard: number): string => `IDAY#${day}#${shard}`;
export const workflowPartition = (workflowId: string): string => `WFI#${workflowId}`;
export const duePartition = (shard: number): string => `DUE#${shard}`;
export const slotWaitPartition = (group: string): string => `RGW#${group}`;

/** The due-index attributes for `dueAt` (both absent when nothing can be late). */
export function dueIndexKeys(
  instanceId: string,
  dueAt: string | undefined,
): Record<string, string> | undefined {
  if (!dueAt) return undefined;
  return {
    [INDEXES.dueInstances.pk]: duePartition(shardOf(instanceId, DUE_SHARDS)),
    [INDEXES.dueInstances.sk]: `${dueAt}#${instanceId}`,
  };
}

export function slotWaitKeys(
  instance: Pick<Instance, 'id' | 'resourceGroup'>,
  since: string,
): Record<string, string> {
  return {
    [INDEXES.waitingForSlot.pk]: slotWaitPartition(instance.resourceGroup),
    [INDEXES.waitingForSlot.sk]: `${since}#${instance.id}`,
  };
}

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
    ...dueIndexKeys(instance.id, instance.dueAt),
  };
}

const INDEX_ATTRIBUTES = new Set<string>(Object.values(INDEXES).flatMap((i) => [i.pk, i.sk]));

export function instanceFromItem(item: Record<string, unknown>): Instance {
  const instance: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (key !== 'pk' && key !== 'sk' && key !== 'kind' && !INDEX_ATTRIBUTES.has(key)) instance[key] = value;
  }
  return instance as Instance;
}
