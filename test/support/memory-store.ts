// An in-memory Store for tests of the engine: the port's contract with the same conditional
// semantics as the DynamoDB adapter (shared/aws/dynamodb/store.ts), write for write. Every
// method reads and writes its state in one synchronous step, so a call is atomic as one
// DynamoDB update or transaction is; handlers interleave only between calls. Values are
// deep-copied in and out: a caller never holds a reference into the stored state.
import { createHash } from 'node:crypto';
import { ConflictError, InvalidTransitionError, ResourceGroupFullError } from '#shared/errors.ts';
import type { Backfill } from '#shared/model/backfill.ts';
import type { EventInstance } from '#shared/model/event-instance.ts';
import { parseInstanceId } from '#shared/model/ids.ts';
import { canTransition, type Instance } from '#shared/model/instance.ts';
import type { OperationRecord } from '#shared/model/operation.ts';
import { type Run, runDeltaOf } from '#shared/model/run.ts';
import {
  DUE_SHARDS,
  type Folder,
  type Page,
  type ResourceGroup,
  type Store,
  type StoredWorkflow,
} from '#shared/ports/store.ts';
import { decodeCursor, encodeCursor } from '#shared/util/cursor.ts';
import { chunkLines } from '#shared/util/log-chunks.ts';

/** Attributes the adapter keeps next to an instance that the Instance type does not name. */
export type InstanceRecord = {
  instance: Instance;
  /** Set by markBlocked (the adapter's `blockedAt` attribute). */
  blockedAt?: string;
  /** The slot-wait index entry (WAITING_EXECUTION instances waiting for a slot). */
  slotWait?: { group: string; since: string };
};

/** A resource-group item: both attributes absent until written, as in the table. */
export type ResourceGroupRecord = { limit?: number; running?: number };

export type MemoryStoreDump = {
  workflows: Record<string, StoredWorkflow>;
  workflowVersions: Record<string, StoredWorkflow[]>;
  runs: Record<string, Run>;
  instances: Record<string, InstanceRecord>;
  resourceGroups: Record<string, ResourceGroupRecord>;
  dependents: Record<string, string[]>;
  /** Workflow → `<task>#<dependent workflow>` marks. */
  workflowDependencies: Record<string, string[]>;
  logChunks: Record<string, string[]>;
  events: Record<string, EventInstance>;
};

export type MemoryStore = Store & {
  /** A deep copy of everything stored, for assertions and failure messages. */
  dump(): MemoryStoreDump;
};

/** The batch-get size of the adapter (BatchGetItem refuses duplicate keys within one batch). */
const BATCH_GET_LIMIT = 100;

const copy = <T>(value: T): T => structuredClone(value);

/** Applies a patch as the adapter's update does: an `undefined` field is removed. */
function applyPatch<T extends object>(target: T, patch: object): T {
  const next: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) delete next[field];
    else next[field] = copy(value);
  }
  return next as T;
}

/** The due-index shard of an instance, computed as the adapter does (md5 of the id). */
function dueShardOf(instanceId: string): number {
  return createHash('md5').update(instanceId).digest().readUInt16BE(0) % DUE_SHARDS;
}

const instanceSortKey = (instance: Instance) => `${instance.dataTime}#${instance.id}`;

export type MemoryStoreOptions = {
  /**
   * Latency of each call, in microtask turns before it acts and again before it answers
   * (0 by default): with a seeded generator, concurrent handlers interleave differently
   * from one call to the next, as they do against a real table.
   */
  latency?: () => number;
};

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const store = createAtomicStore();
  const latency = options.latency;
  if (!latency) return store;
  const delayed: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(store)) {
    const call = method as (...args: unknown[]) => unknown;
    delayed[name] =
      name === 'dump'
        ? call
        : async (...args: unknown[]) => {
            await pause(latency());
            const result = await call(...args);
            await pause(latency());
            return result;
          };
  }
  return delayed as MemoryStore;
}

async function pause(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** Each method acts in one synchronous step (no await inside), so each call is atomic. */
function createAtomicStore(): MemoryStore {
  const workflows = new Map<string, StoredWorkflow>();
  const workflowVersions = new Map<string, Map<number, StoredWorkflow>>();
  const runs = new Map<string, Run>();
  const instances = new Map<string, InstanceRecord>();
  const groups = new Map<string, ResourceGroupRecord>();
  const dependents = new Map<string, Set<string>>();
  const logChunks = new Map<string, string[]>();
  const loopFailures = new Map<string, Set<number>>();
  const operations: OperationRecord[] = [];
  const closedBefore = new Set<string>();
  const folders = new Map<string, Folder>();
  const loops = new Map<string, { count: number; maxConcurrency: number }>();
  const backfills = new Map<string, Backfill>();
  const triggerTokens = new Map<string, string>();
  const eventWaiters = new Map<string, string[]>();
  const events = new Map<string, EventInstance>();
  /** Workflow → (`<task>#<dependent workflow>` → task), as the WFDEP# items. */
  const workflowDependencies = new Map<string, Map<string, string>>();

  const conflict = (instance: Instance) =>
    new ConflictError(`instance '${instance.id}' changed since revision ${instance.revision}`);

  /** The stored record if it is still the instance as read (revision and status), else undefined. */
  function current(instance: Instance): InstanceRecord | undefined {
    const record = instances.get(instance.id);
    if (!record) return undefined;
    const stored = record.instance;
    return stored.revision === instance.revision && stored.status === instance.status ? record : undefined;
  }

  /** The adapter's run-counter update: ADD on the run item (no condition). */
  type RunCounter = 'unfinished' | 'failed' | 'terminated' | 'blocked' | 'held';
  function addToRun(runId: string, deltas: Partial<Record<RunCounter, number>>) {
    const run = runs.get(runId);
    // DynamoDB's ADD would create a bare item for a missing run; no engine path writes
    // counters of a run it did not read, so a missing run is left missing here.
    if (!run) return;
    for (const [counter, delta] of Object.entries(deltas) as [RunCounter, number][]) {
      run[counter] = (run[counter] ?? 0) + delta;
    }
  }

  const logKey = (runId: string, taskId: string, attempt: number, stream: string, chunk: number) =>
    `${runId}#${taskId}#${attempt}#${stream}#${chunk}`;

  return {
    async putWorkflowVersion(definition, meta) {
      const version = meta.expectedVersion + 1;
      const head = workflows.get(definition.id);
      const versions = workflowVersions.get(definition.id) ?? new Map<number, StoredWorkflow>();
      const headOk = meta.expectedVersion === 0 ? head === undefined : head?.version === meta.expectedVersion;
      if (versions.has(version) || !headOk) {
        throw new ConflictError(`workflow '${definition.id}' changed since version ${meta.expectedVersion}`);
      }
      const stored: StoredWorkflow = {
        definition: copy(definition),
        version,
        owner: meta.owner,
        createdAt: (meta.expectedVersion === 0 ? undefined : head?.createdAt) ?? meta.at,
        updatedAt: meta.at,
        ...(head && !head.deletedAt && head.collaborators ? { collaborators: head.collaborators } : {}),
        ...(head && !head.deletedAt && head.users ? { users: head.users } : {}),
      };
      versions.set(version, copy(stored));
      workflowVersions.set(definition.id, versions);
      workflows.set(definition.id, copy(stored));
      return copy(stored);
    },

    async getWorkflow(id, options = {}) {
      const stored = workflows.get(id);
      if (stored?.deletedAt && !options.includeDeleted) return undefined;
      return stored && copy(stored);
    },

    async listWorkflows(folder, limit, cursor) {
      const prefix = folder === '/' ? '/' : `${folder.replace(/\/+$/, '')}/`;
      const key = (w: StoredWorkflow) =>
        `${w.definition.folder === '/' ? '' : w.definition.folder}/#${w.definition.id}`;
      const all = [...workflows.values()]
        .filter((w) => !w.deletedAt && key(w).startsWith(prefix))
        .sort((a, b) => key(a).localeCompare(key(b)));
      const start = cursor ? Number(cursor) : 0;
      const items = all.slice(start, start + limit).map(copy);
      return start + limit < all.length ? { items, cursor: String(start + limit) } : { items };
    },

    async listWorkflowVersions(id, limit, cursor) {
      const all = [...(workflowVersions.get(id)?.values() ?? [])].sort((a, b) => b.version - a.version);
      const start = cursor ? Number(cursor) : 0;
      const items = all.slice(start, start + limit).map(copy);
      return start + limit < all.length ? { items, cursor: String(start + limit) } : { items };
    },

    async deleteWorkflow(id, expectedVersion, at) {
      const stored = workflows.get(id);
      if (stored?.version !== expectedVersion || stored.deletedAt)
        throw new ConflictError(`workflow '${id}' changed`);
      stored.deletedAt = at;
    },

    async setWorkflowPermissions(id, permissions, expectedVersion) {
      const stored = workflows.get(id);
      if (stored?.version !== expectedVersion || stored.deletedAt)
        throw new ConflictError(`workflow '${id}' changed`);
      stored.collaborators = [...permissions.collaborators];
      stored.users = [...permissions.users];
      return copy(stored);
    },

    async getFolder(path) {
      const folder = folders.get(path);
      return folder && copy(folder);
    },

    async putFolder(folder, options = {}) {
      if (options.ifAbsent && folders.has(folder.path)) return false;
      folders.set(folder.path, copy(folder));
      return true;
    },

    async deleteFolder(path) {
      folders.delete(path);
    },

    async listFolders(parent, limit, cursor) {
      const prefix = parent === '/' ? '/' : `${parent}/`;
      const all = [...folders.values()]
        .filter((f) => `${f.path}/`.startsWith(prefix) && f.path !== parent)
        .sort((a, b) => a.path.localeCompare(b.path));
      const start = cursor ? Number(cursor) : 0;
      const items = all.slice(start, start + limit).map(copy);
      return start + limit < all.length ? { items, cursor: String(start + limit) } : { items };
    },

    async setWorkflowOwner(id, owner, expectedVersion, at) {
      const stored = workflows.get(id);
      if (stored?.version !== expectedVersion || stored.deletedAt)
        throw new ConflictError(`workflow '${id}' changed`);
      stored.owner = owner;
      stored.updatedAt = at;
      return copy(stored);
    },

    async getWorkflowVersion(id, version) {
      const stored = workflowVersions.get(id)?.get(version);
      return stored && copy(stored);
    },

    async createRun(run) {
      if (runs.has(run.id)) return false;
      runs.set(run.id, copy(run));
      return true;
    },

    async listRuns(query) {
      const all = [...runs.values()]
        .filter((r) => r.workflowId === query.workflowId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
      const start = query.cursor ? Number(query.cursor) : 0;
      const items = all
        .slice(start, start + query.limit)
        .filter((r) =>
          (['type', 'status', 'backfillId'] as const).every(
            (f) => query[f] === undefined || r[f] === query[f],
          ),
        )
        .map((r) => copy(r));
      return start + query.limit < all.length ? { items, cursor: String(start + query.limit) } : { items };
    },

    async listRunInstances(runId, limit, cursor) {
      const all = [...instances.values()]
        .map((record) => record.instance)
        .filter((instance) => instance.runId === runId && !instance.iteration)
        .sort((a, b) => a.taskId.localeCompare(b.taskId));
      const start = cursor ? Number(cursor) : 0;
      const items = all.slice(start, start + limit).map((instance) => structuredClone(instance));
      return start + limit < all.length ? { items, cursor: String(start + limit) } : { items };
    },

    async listIterations(foreachInstanceId, attempt, limit, cursor) {
      const all = [...instances.values()]
        .map((record) => record.instance)
        .filter(
          (i) => i.iteration?.foreachInstanceId === foreachInstanceId && i.iteration.attempt === attempt,
        )
        .sort((a, b) => (a.iteration?.index ?? 0) - (b.iteration?.index ?? 0));
      const start = cursor ? Number(cursor) : 0;
      const items = all.slice(start, start + limit).map((instance) => structuredClone(instance));
      return start + limit < all.length ? { items, cursor: String(start + limit) } : { items };
    },

    async countIterationFailure(foreachInstanceId, attempt, index) {
      const key = `${foreachInstanceId}#${attempt}`;
      const failed = loopFailures.get(key) ?? new Set<number>();
      failed.add(index);
      loopFailures.set(key, failed);
      return failed.size;
    },

    async putLoop(foreachInstanceId, attempt, loop) {
      const key = `${foreachInstanceId}#${attempt}`;
      const kept = loops.get(key) ?? { ...loop };
      loops.set(key, kept);
      return { ...kept };
    },

    async getLoop(foreachInstanceId, attempt) {
      const kept = loops.get(`${foreachInstanceId}#${attempt}`);
      return kept && { ...kept };
    },

    async setLoopTaskToken(iterationId, token) {
      const record = instances.get(iterationId);
      if (!record) throw new Error(`no instance ${iterationId}`);
      record.instance = { ...record.instance, loopTaskToken: token };
    },

    async getRun(id) {
      const run = runs.get(id);
      return run && copy(run);
    },

    async putInstances(list) {
      for (const instance of list) {
        if (!instances.has(instance.id)) {
          instances.set(instance.id, { instance: applyPatch(copy(instance), {}) });
        }
      }
    },

    async getInstance(id) {
      if (!parseInstanceId(id)) return undefined;
      const record = instances.get(id);
      return record && copy(record.instance);
    },

    async getInstances(ids) {
      const valid = ids.filter((id) => parseInstanceId(id) !== undefined);
      const found: Instance[] = [];
      for (let i = 0; i < valid.length; i += BATCH_GET_LIMIT) {
        const batch = valid.slice(i, i + BATCH_GET_LIMIT);
        if (new Set(batch).size !== batch.length) {
          // What BatchGetItem answers (a ValidationException), not a conditional failure.
          throw new Error('ValidationException: Provided list of item keys contains duplicates');
        }
        for (const id of batch) {
          const record = instances.get(id);
          if (record) found.push(copy(record.instance));
        }
      }
      return found;
    },

    async transitionInstance(instance, to, at, patch = {}, options = {}) {
      if (!canTransition(instance.status, to))
        throw new InvalidTransitionError(instance.id, instance.status, to);
      const record = current(instance);
      if (!record) throw conflict(instance);
      const slot = options.slot;
      const group = slot ? (groups.get(slot.group) ?? {}) : undefined;
      if (slot?.change === 'acquire' && group) {
        // 'attribute_not_exists(running) OR running < #limit': a missing limit compares false.
        const free =
          group.running === undefined || (group.limit !== undefined && group.running < group.limit);
        if (!free) throw new ResourceGroupFullError(slot.group);
      }
      const stored = record.instance;
      record.instance = applyPatch(stored, {
        ...patch,
        status: to,
        transitions: [...stored.transitions, { status: to, at }],
        revision: stored.revision + 1,
      });
      if (options.waitingForSlotSince) {
        record.slotWait = { group: instance.resourceGroup, since: options.waitingForSlotSince };
      } else if (instance.status === 'WAITING_EXECUTION') {
        delete record.slotWait;
      }
      const delta = instance.iteration
        ? undefined
        : runDeltaOf(instance.status, to, instance.blocked === true);
      if (options.holdRun && !instance.iteration) addToRun(instance.runId, { held: 1 });
      if (delta) {
        addToRun(instance.runId, delta.counters);
        const run = runs.get(instance.runId);
        if (delta.reopen && run) {
          run.status = 'RUNNING';
          delete run.endTime;
        }
      }
      if (slot && group) {
        group.running = (group.running ?? 0) + (slot.change === 'acquire' ? 1 : -1);
        groups.set(slot.group, group);
      }
      // The adapter answers the instance as read with the change applied.
      return copy({
        ...instance,
        ...patch,
        status: to,
        transitions: [...instance.transitions, { status: to, at }],
        revision: instance.revision + 1,
      });
    },

    async patchInstance(instance, patch, run) {
      const record = current(instance);
      if (!record) throw conflict(instance);
      record.instance = applyPatch(record.instance, { ...patch, revision: record.instance.revision + 1 });
      if (run) {
        addToRun(instance.runId, run.counters);
        const stored = runs.get(instance.runId);
        if (run.reopen && stored) {
          stored.status = 'RUNNING';
          delete stored.endTime;
        }
      }
      return copy({ ...instance, ...patch, revision: instance.revision + 1 });
    },

    async recordUpstreamOutcome(downstreamId, upstreamId, report, effect) {
      if (!parseInstanceId(downstreamId)) return undefined;
      const record = instances.get(downstreamId);
      // 'attribute_exists(pk) AND attribute_not_exists(upstreamOutcomes.#upstream)'
      if (!record || Object.hasOwn(record.instance.upstreamOutcomes, upstreamId)) return undefined;
      const stored = record.instance;
      record.instance = {
        ...stored,
        upstreamOutcomes: { ...stored.upstreamOutcomes, [upstreamId]: report },
        revision: stored.revision + 1,
        waitingUpstreams: stored.waitingUpstreams - 1,
        blockingUpstreams: stored.blockingUpstreams + effect.blocking,
        unmetUpstreams: stored.unmetUpstreams + effect.unmet,
      };
      return copy(record.instance);
    },

    async markBlocked(instance, at, dueAt) {
      const record = instances.get(instance.id);
      const stored = record?.instance;
      // No revision guard: '#status = :waiting AND waitingUpstreams = :zero AND
      // blockingUpstreams > :zero AND attribute_not_exists(blocked)'.
      if (
        !record ||
        !stored ||
        stored.status !== 'WAITING_UPSTREAM' ||
        stored.waitingUpstreams !== 0 ||
        !(stored.blockingUpstreams > 0) ||
        stored.blocked !== undefined
      ) {
        return false;
      }
      record.instance = applyPatch(stored, {
        blocked: true,
        revision: stored.revision + 1,
        dueAt,
      });
      record.blockedAt = at;
      addToRun(instance.runId, { unfinished: -1, blocked: 1 });
      return true;
    },

    async closeRun(runId, status, at, derivedFrom) {
      const run = runs.get(runId);
      if (run?.status !== 'RUNNING' || run.unfinished !== 0 || (run.held ?? 0) !== 0) return undefined;
      const moved = (['failed', 'terminated', 'blocked'] as const).some((c) => run[c] !== derivedFrom[c]);
      if (moved) return undefined;
      run.status = status;
      run.endTime = at;
      const again = closedBefore.has(runId);
      closedBefore.add(runId);
      return again ? 'AGAIN' : 'FIRST';
    },

    async listInstances(query) {
      const from = query.dataTimeFrom;
      const to = `${query.dataTimeTo}#\uffff`;
      const after = query.cursor ? decodeCursor<string>(query.cursor) : undefined;
      const matching = [...instances.values()]
        .map((r) => r.instance)
        .filter((i) => !i.iteration)
        .filter((i) => query.workflowId === undefined || i.workflowId === query.workflowId)
        .filter((i) => {
          const key = instanceSortKey(i);
          return key >= from && key <= to && (after === undefined || key < after);
        })
        .sort((a, b) => instanceSortKey(b).localeCompare(instanceSortKey(a)));
      const items = matching.slice(0, query.limit).map(copy);
      const last = items.at(-1);
      const page: Page<Instance> = { items };
      if (matching.length > query.limit && last) page.cursor = encodeCursor(instanceSortKey(last));
      return page;
    },

    async listDueInstances(now, shard, limit) {
      const bound = `${now}#\uffff`;
      return [...instances.values()]
        .map((r) => r.instance)
        .filter((i) => i.dueAt !== undefined && dueShardOf(i.id) === shard)
        .map((i) => ({ i, key: `${i.dueAt}#${i.id}` }))
        .filter(({ key }) => key < bound)
        .sort((a, b) => a.key.localeCompare(b.key))
        .slice(0, limit)
        .map(({ i }) => copy(i));
    },

    async getResourceGroup(name) {
      const group = groups.get(name);
      if (!group) return undefined;
      const read: ResourceGroup = {
        name,
        limit: group.limit ?? Number.POSITIVE_INFINITY,
        running: group.running ?? 0,
      };
      return read;
    },

    async putResourceGroup(name, limit) {
      const group = groups.get(name) ?? {};
      group.limit = limit;
      groups.set(name, group);
      return { name, limit, running: group.running ?? 0 };
    },

    async listWaitingForSlot(group, limit) {
      return [...instances.values()]
        .flatMap((r) =>
          r.slotWait?.group === group
            ? [{ id: r.instance.id, key: `${r.slotWait.since}#${r.instance.id}` }]
            : [],
        )
        .sort((a, b) => a.key.localeCompare(b.key))
        .slice(0, limit)
        .map((w) => w.id);
    },

    async putDependent(upstreamId, dependentId) {
      const set = dependents.get(upstreamId) ?? new Set<string>();
      set.add(dependentId);
      dependents.set(upstreamId, set);
      // Flags the upstream if it exists ('attribute_exists(pk)'), without a revision change.
      const upstream = parseInstanceId(upstreamId) ? instances.get(upstreamId) : undefined;
      if (upstream) upstream.instance = { ...upstream.instance, hasExternalDependents: true };
    },

    async putWorkflowDependency(workflowId, task, dependentWorkflow) {
      const marks = workflowDependencies.get(workflowId) ?? new Map<string, string>();
      marks.set(`${task}#${dependentWorkflow}`, task);
      workflowDependencies.set(workflowId, marks);
    },

    async listDependedOnTasks(workflowId) {
      return new Set(workflowDependencies.get(workflowId)?.values() ?? []);
    },

    async listDependents(upstreamId) {
      // Sorted as the query answers them (by sort key, the dependent's id).
      return [...(dependents.get(upstreamId) ?? [])].sort();
    },

    async putAttemptLogs(instance, attempt, stream, text) {
      const chunks = chunkLines(text);
      chunks.forEach((lines, i) => {
        logChunks.set(logKey(instance.runId, instance.id, attempt, stream, i), copy(lines));
      });
      return { lines: chunks.reduce((n, c) => n + c.length, 0), chunks: chunks.length };
    },

    async getAttemptLogChunk(instanceId, attempt, stream, chunk) {
      const parsed = parseInstanceId(instanceId);
      if (!parsed) return [];
      return copy(logChunks.get(logKey(parsed.runId, instanceId, attempt, stream, chunk)) ?? []);
    },

    async listEventInstances(query) {
      const all = [...events.values()]
        .filter((e) =>
          query.name !== undefined
            ? e.name === query.name && e.dataTime >= query.dataTimeFrom && e.dataTime <= query.dataTimeTo
            : e.receivedAt >= query.receivedFrom && e.receivedAt <= query.receivedTo,
        )
        .sort((a, b) =>
          query.name !== undefined
            ? `${b.dataTime}#${b.id}`.localeCompare(`${a.dataTime}#${a.id}`)
            : `${b.receivedAt}#${b.id}`.localeCompare(`${a.receivedAt}#${a.id}`),
        );
      const start = query.cursor ? Number(query.cursor) : 0;
      const items = all.slice(start, start + query.limit).map(copy);
      return start + query.limit < all.length ? { items, cursor: String(start + query.limit) } : { items };
    },

    async getEventInstance(id) {
      const event = events.get(id);
      return event && copy(event);
    },

    async putEventInstance(event) {
      if (events.has(event.id)) return false;
      events.set(event.id, copy(event));
      return true;
    },

    async putOperation(record) {
      operations.push(copy(record));
    },

    async listOperations(of, limit, cursor) {
      const all = operations
        .filter((r) => ('targetId' in of ? r.target.id === of.targetId : r.workflowId === of.workflowId))
        .sort((a, b) => `${b.at}#${b.id}`.localeCompare(`${a.at}#${a.id}`));
      const start = cursor ? Number(cursor) : 0;
      const items = all.slice(start, start + limit).map(copy);
      return start + limit < all.length ? { items, cursor: String(start + limit) } : { items };
    },

    async putTriggerTokenHash(workflowId, hash) {
      triggerTokens.set(workflowId, hash);
    },

    async getTriggerTokenHash(workflowId) {
      return triggerTokens.get(workflowId);
    },

    async putBackfill(backfill) {
      backfills.set(backfill.id, copy(backfill));
    },

    async getBackfill(id) {
      const backfill = backfills.get(id);
      return backfill && copy(backfill);
    },

    async claimBackfillSlot(id, next) {
      const b = backfills.get(id);
      if (b?.status !== 'RUNNING' || b.next !== next || b.next >= b.progress.total) return undefined;
      if (b.progress.running >= b.parallelism) return undefined;
      b.next += 1;
      b.progress.running += 1;
      return copy(b);
    },

    async countBackfillRunClosed(id, { slot, failed, ifEveryCountMarked }) {
      const b = backfills.get(id);
      if (!b || (ifEveryCountMarked && b.progress.done !== (b.countedSlots?.length ?? 0))) return undefined;
      if (slot !== undefined) {
        if (slot >= b.progress.total || b.countedSlots?.includes(slot)) return undefined;
        b.countedSlots = [...(b.countedSlots ?? []), slot].sort((x, y) => x - y);
      }
      b.progress.done += 1;
      if (failed) b.progress.failed += 1;
      b.progress.running -= 1;
      return copy(b);
    },

    async setBackfillStatus(id, from, to) {
      const b = backfills.get(id);
      if (!b || !from.includes(b.status)) return false;
      b.status = to;
      return true;
    },

    async listEventIds(name, dataTime) {
      return [...events.values()]
        .filter((e) => e.name === name && e.dataTime === dataTime && e.status !== 'REJECTED')
        .map((e) => e.id);
    },

    async setEventStatus(eventId, from, to) {
      const event = events.get(eventId);
      if (event && from.includes(event.status)) event.status = to;
    },

    async putEventWaiter(name, dataTime, instanceId) {
      const key = `${name}#${dataTime}`;
      eventWaiters.set(key, [...new Set([...(eventWaiters.get(key) ?? []), instanceId])]);
    },

    async listEventWaiters(name, dataTime) {
      return [...(eventWaiters.get(`${name}#${dataTime}`) ?? [])];
    },

    dump() {
      return copy({
        workflows: Object.fromEntries(workflows),
        workflowVersions: Object.fromEntries(
          [...workflowVersions].map(([id, versions]) => [
            id,
            [...versions.values()].sort((a, b) => a.version - b.version),
          ]),
        ),
        runs: Object.fromEntries(runs),
        instances: Object.fromEntries(instances),
        resourceGroups: Object.fromEntries(groups),
        dependents: Object.fromEntries([...dependents].map(([id, set]) => [id, [...set].sort()])),
        workflowDependencies: Object.fromEntries(
          [...workflowDependencies].map(([id, marks]) => [id, [...marks.keys()].sort()]),
        ),
        logChunks: Object.fromEntries(logChunks),
        events: Object.fromEntries(events),
      });
    },
  };
}
