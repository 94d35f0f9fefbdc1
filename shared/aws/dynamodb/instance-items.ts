// Instance items live in their run's partition. Indexes list them by data-time day
// (sharded, so no partition takes every write of a day), by workflow, by due time (for
// the reconciler) and by resource-group waiting time.
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  instanceId as idOf,
  iterationId,
  type ParsedInstanceId,
  parseInstanceId,
  workflowIdOfRun,
} from '../../model/ids.ts';
import type { Instance, Transition, UpstreamReport } from '../../model/instance.ts';
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

/** The instance id a key names (the inverse of instanceKey): items do not repeat it. */
export function instanceIdOfKey(key: Key): string {
  const runId = key.pk.slice('RUN#'.length);
  if (key.sk.startsWith('I#')) return idOf(runId, key.sk.slice('I#'.length));
  const [, taskId = '', attempt, index] = key.sk.split('#');
  return iterationId(idOf(runId, taskId), Number(attempt), Number(index));
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

/**
 * The fields an instance is created with and that no write changes afterwards (InstancePatch
 * names none of them). They are stored deflated in one binary attribute: DynamoDB bills a
 * write by the size of the whole item, so every status change of an instance whose item
 * stays under 1 KB costs one write unit instead of two (docs/table-design.md).
 */
const FIXED_FIELDS = [
  'workflowId',
  'runId',
  'taskId',
  'workflowVersion',
  'taskName',
  'taskType',
  'dataTime',
  'type',
  'owner',
  'folder',
  'resourceGroup',
  'cycleType',
  'plannedTime',
  'timezone',
  'task',
  'upstream',
  'downstream',
  'externalUpstream',
  'iteration',
] as const satisfies readonly (keyof Instance)[];

type FixedField = (typeof FIXED_FIELDS)[number];
/** Not attributes of their own: the fixed fields, and the id (the key's, instanceIdOfKey). */
const NOT_ATTRIBUTES: ReadonlySet<string> = new Set([...FIXED_FIELDS, 'id']);

/** The binary attribute holding the fixed fields: a format byte, then raw deflate of their JSON. */
export const FIXED_ATTRIBUTE = 'fixed';

/**
 * Format 1: deflate with this preset dictionary (what most instances' fixed fields look
 * like), which takes a typical noop task's 700 bytes of JSON to about 110. The dictionary is
 * part of the stored format: a different one is a new format byte, never an edit of this one.
 */
const FORMAT_1 = 1;
const DICTIONARY_1 = Buffer.from(
  '"workflowVersion":1,"taskName":"","taskType":"noop","dataTime":"T00:00:00.000Z","type":"PERIODIC",' +
    '"owner":"admin","folder":"/","resourceGroup":"default","cycleType":null,"plannedTime":"T00:00:00.000Z",' +
    '"timezone":"UTC","task":{"resourceGroup":"default","dependsOn":[],"selfDependent":false,' +
    '"timeoutSeconds":3600,"id":"","type":"noop","config":{},"retry":{"maxRetries":5,' +
    '"intervalSeconds":60,"backoffRate":1}},"upstream":[{"taskId":"","condition":"SUCCESS"}],' +
    '"downstream":[{"taskId":"","condition":"SUCCESS"}],"externalUpstream":[],"http","lambda",' +
    '"shell","condition","callback","foreach","subworkflow","ONE_TIME","SUPPLEMENTARY","DAY","HOUR"',
);

function packFixed(instance: Instance): Uint8Array {
  const derived = parseInstanceId(instance.id);
  const fixed: Partial<Record<FixedField, unknown>> = {};
  for (const field of FIXED_FIELDS) {
    // The id names its run and task, and the run its workflow: stored only when they differ.
    if (field === 'runId' && derived?.runId === instance.runId) continue;
    if (field === 'taskId' && derived?.taskId === instance.taskId) continue;
    if (field === 'workflowId' && derived && workflowIdOfRun(derived.runId) === instance.workflowId) continue;
    fixed[field] = instance[field];
  }
  const deflated = deflateRawSync(JSON.stringify(fixed), { dictionary: DICTIONARY_1 });
  const packed = new Uint8Array(deflated.length + 1);
  packed[0] = FORMAT_1;
  packed.set(deflated, 1);
  return packed;
}

function unpackFixed(id: string, packed: Uint8Array): Partial<Instance> {
  if (packed[0] !== FORMAT_1) throw new Error(`instance '${id}': unknown stored format ${packed[0]}`);
  const fixed = JSON.parse(
    inflateRawSync(packed.subarray(1), { dictionary: DICTIONARY_1 }).toString('utf8'),
  ) as Partial<Instance>;
  const derived = parseInstanceId(id);
  return {
    ...(derived
      ? { runId: derived.runId, taskId: derived.taskId, workflowId: workflowIdOfRun(derived.runId) }
      : {}),
    ...fixed,
  };
}

/** A transition as stored: `<status>@<time>` (a list of maps would take half as much again). */
export const storedTransition = (transition: Transition): string => `${transition.status}@${transition.at}`;

function transitionOf(stored: unknown): Transition {
  if (typeof stored !== 'string') return stored as Transition; // written before the compact form
  const at = stored.indexOf('@');
  return { status: stored.slice(0, at) as Transition['status'], at: stored.slice(at + 1) };
}

/**
 * The key under which a downstream keeps an upstream's report: an upstream of its own run by
 * task id (task ids have no dot), any other by its whole instance id.
 */
export function upstreamOutcomeKey(downstreamId: string, upstreamId: string): string {
  const runId = parseInstanceId(downstreamId)?.runId;
  return runId && upstreamId.startsWith(`${runId}.`) && !upstreamId.includes('.', runId.length + 1)
    ? upstreamId.slice(runId.length + 1)
    : upstreamId;
}

export function storedUpstreamOutcomes(
  downstreamId: string,
  outcomes: Instance['upstreamOutcomes'],
): Record<string, UpstreamReport> {
  return Object.fromEntries(
    Object.entries(outcomes).map(([upstreamId, report]) => [
      upstreamOutcomeKey(downstreamId, upstreamId),
      report,
    ]),
  );
}

function upstreamOutcomesOf(id: string, stored: unknown): Instance['upstreamOutcomes'] {
  const runId = parseInstanceId(id)?.runId;
  return Object.fromEntries(
    Object.entries((stored ?? {}) as Record<string, UpstreamReport>).map(([key, report]) => [
      key.includes('.') || !runId ? key : `${runId}.${key}`,
      report,
    ]),
  );
}

export function instanceToItem(instance: Instance): Record<string, unknown> {
  const hot: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(instance)) {
    if (!NOT_ATTRIBUTES.has(field)) hot[field] = value;
  }
  const stored = {
    ...instanceKeyOf(instance.id),
    kind: 'instance',
    ...hot,
    transitions: instance.transitions.map(storedTransition),
    upstreamOutcomes: storedUpstreamOutcomes(instance.id, instance.upstreamOutcomes),
    [FIXED_ATTRIBUTE]: packFixed(instance),
    ...dueIndexKeys(instance.id, instance.dueAt),
  };
  // Iterations are listed through their for-each instance, not in the day and workflow lists.
  if (instance.iteration) return stored;
  const sortKey = `${instance.dataTime}#${instance.id}`;
  return {
    ...stored,
    [INDEXES.instancesByDay.pk]: dayPartition(instance.dataTime.slice(0, 10), dayShard(instance.id)),
    [INDEXES.instancesByDay.sk]: sortKey,
    [INDEXES.instancesByWorkflow.pk]: workflowPartition(instance.workflowId),
    [INDEXES.instancesByWorkflow.sk]: sortKey,
  };
}

const INDEX_ATTRIBUTES = new Set<string>(Object.values(INDEXES).flatMap((i) => [i.pk, i.sk]));
const NOT_INSTANCE_FIELDS = new Set(['pk', 'sk', 'kind', FIXED_ATTRIBUTE, ...INDEX_ATTRIBUTES]);

export function instanceFromItem(item: Record<string, unknown>): Instance {
  // Items written before the id was left to the key still carry it.
  const id =
    typeof item.id === 'string' ? item.id : instanceIdOfKey({ pk: String(item.pk), sk: String(item.sk) });
  const instance: Record<string, unknown> = { id };
  for (const [key, value] of Object.entries(item)) {
    if (!NOT_INSTANCE_FIELDS.has(key)) instance[key] = value;
  }
  // Binary from the SDK; base64 text in a stream record as Lambda delivers it (JSON).
  const packed = item[FIXED_ATTRIBUTE];
  if (packed instanceof Uint8Array) Object.assign(instance, unpackFixed(id, packed));
  else if (typeof packed === 'string')
    Object.assign(instance, unpackFixed(id, Buffer.from(packed, 'base64')));
  instance.transitions = ((item.transitions ?? []) as unknown[]).map(transitionOf);
  instance.upstreamOutcomes = upstreamOutcomesOf(id, item.upstreamOutcomes);
  return instance as Instance;
}
