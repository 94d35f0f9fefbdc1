// Instance items live in their run's partition. Indexes list them by data-time day
// (sharded, so no partition takes every write of a day), by workflow, by due time (for
// the reconciler) and by resource-group waiting time.
import { createHash } from 'node:crypto';
import { type ParsedInstanceId, parseInstanceId } from '../../model/ids.ts';
import type { Instance } from '../../model/instance.ts';
import { DUE_SHARDS } from '../../ports/store.ts';
import { INDEXES, type Key } from './table.ts';

/** Partitions per day in the by-day index: 8 × 1,000 WCU/s covers 8,000 writes/s per day key. */
export const DAY_SHARDS = 8;

/**
 * An instance's key, in its run's partition: `I#<taskId>`, or for an iteration of a
 * for-each `IT#<taskId>#<attempt>#<index>` (zero-padded, so a query lists them in order).
 */
export function instanceKey(parsed: ParsedInstanceId): Key {
  const { runId, taskId, iteration } = parsed;
  if (!iteration) return { pk: `RUN#${runId}`, sk: `I#${taskId}` };
  return {
    pk: `RUN#${runId}`,
    sk: `${iterationPrefix(taskId, iteration.attempt)}${pad(iteration.index, 6)}`,
  };
}

/** The sort-key prefix of one attempt's iterations. */
export const iterationPrefix = (taskId: string, attempt: number): string =>
  `IT#${taskId}#${pad(attempt, 6)}#`;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The key of an instance id; throws on an id that is not one (a bug, not input). */
export function instanceKeyOf(id: string): Key {
  const parsed = parseInstanceId(id);
  if (!parsed) throw new Error(`not an instance id: '${id}'`);
  return instanceKey(parsed);
}

/** Where a for-each attempt's failed iterations are counted: `LOOP#<taskId>#<attempt>`. */
export function loopKey(foreachInstanceId: string, attempt: number): Key {
  const parsed = parseInstanceId(foreachInstanceId);
  if (!parsed) throw new Error(`not an instance id: '${foreachInstanceId}'`);
  return { pk: `RUN#${parsed.runId}`, sk: `LOOP#${parsed.taskId}#${pad(attempt, 6)}` };
}

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
  // Iterations are listed through their for-each instance, not in the day and workflow lists.
  if (instance.iteration) {
    return {
      ...instanceKeyOf(instance.id),
      kind: 'instance',
      ...instance,
      ...dueIndexKeys(instance.id, instance.dueAt),
    };
  }
  return {
    ...instanceKeyOf(instance.id),
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
