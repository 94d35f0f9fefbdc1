// The Store port on one DynamoDB table (DocumentClient). State changes are conditional
// writes guarded by the revision read; lists are index queries with opaque cursors.

import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  ConflictError,
  InvalidTransitionError,
  ResourceGroupFullError,
  ValidationError,
} from '../../errors.ts';
import type { Backfill } from '../../model/backfill.ts';
import type { EventInstance } from '../../model/event-instance.ts';
import { parseInstanceId } from '../../model/ids.ts';
import { canTransition, type Instance, type InstanceStatus } from '../../model/instance.ts';
import type { OperationRecord } from '../../model/operation.ts';
import { type Run, type RunCounter, runDeltaOf } from '../../model/run.ts';
import type {
  Folder,
  InstancePatch,
  InstanceQuery,
  Page,
  Store,
  StoredWorkflow,
  TransitionOptions,
} from '../../ports/store.ts';
import { mapWithConcurrency } from '../../util/concurrency.ts';
import { decodeCursor, encodeCursor } from '../../util/cursor.ts';
import { chunkLines } from '../../util/log-chunks.ts';
import {
  eventByTimeKey,
  eventDayPartition,
  eventInstanceKey,
  eventInstanceToItem,
  eventWaiterKey,
} from './event-items.ts';
import {
  DAY_SHARDS,
  dayPartition,
  dueIndexKeys,
  duePartition,
  instanceFromItem,
  instanceKey,
  instanceKeyOf,
  instanceToItem,
  iterationPrefix,
  loopKey,
  slotWaitKeys,
  slotWaitPartition,
  storedTransition,
  storedUpstreamOutcomes,
  upstreamOutcomeKey,
  workflowPartition,
} from './instance-items.ts';
import { itemBytes } from './item-size.ts';
import {
  backfillKey,
  dependentKey,
  logChunkKey,
  operationByTargetKey,
  operationByWorkflowKey,
  resourceGroupKey,
  triggerTokenKey,
  workflowDependencyKey,
} from './misc-items.ts';
import { runFromItem, runKey, runToItem, workflowRunsPartition } from './run-items.ts';
import { dueBefore, INDEXES, idOfIndexKey } from './table.ts';
import {
  folderKey,
  WORKFLOW_LIST_PARTITION,
  workflowAttributes,
  workflowFromItem,
  workflowHeadKey,
  workflowListPrefix,
  workflowListSortKey,
  workflowVersionKey,
} from './workflow-items.ts';

const WRITE_CONCURRENCY = 16;
/** A backfill is one item: under DynamoDB's 400 KB, with a margin, once every run is counted. */
const MAX_BACKFILL_ITEM_BYTES = 380 * 1024;
/** What counting one run adds: its slot in a number set (up to four digits, and a margin). */
const COUNTED_SLOT_BYTES = 4;
const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;

export function createDynamoDbStore(options: { client: DynamoDBDocumentClient; tableName: string }): Store {
  const { client, tableName: TableName } = options;

  const isConditionFailure = (error: unknown): boolean =>
    error instanceof ConditionalCheckFailedException ||
    (error instanceof TransactionCanceledException &&
      (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'));

  /** Creates the item unless its key exists; answers whether this call created it. */
  async function putIfAbsent(Item: Record<string, unknown>): Promise<boolean> {
    try {
      await client.send(new PutCommand({ TableName, Item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Every item of one partition, consistently read, page after page. */
  async function queryAll(pk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Unconditional puts, 25 to a request, unprocessed items sent again with backoff. */
  async function batchPut(items: Record<string, unknown>[]): Promise<void> {
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT)
      chunks.push(items.slice(i, i + BATCH_WRITE_LIMIT));
    await mapWithConcurrency(chunks, WRITE_CONCURRENCY, async (chunk) => {
      let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const out: BatchWriteCommandOutput = await client.send(
          new BatchWriteCommand({ RequestItems: { [TableName]: pending } }),
        );
        pending = (out.UnprocessedItems?.[TableName] ?? []) as typeof pending;
      }
    });
  }

  /**
   * One page of the items of a partition whose sort keys begin with `prefix`, in sort-key
   * order (or the reverse), with an opaque cursor when there are more.
   */
  async function queryPage<T>(
    query: { pk: string; prefix: string; newestFirst?: boolean; consistent?: boolean },
    limit: number,
    cursor: string | undefined,
    from: (item: Record<string, unknown>) => T,
  ): Promise<Page<T>> {
    const out = await client.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.prefix },
        ...(query.newestFirst ? { ScanIndexForward: false } : {}),
        ...(query.consistent ? { ConsistentRead: true } : {}),
        Limit: limit,
        ExclusiveStartKey: cursor ? decodeCursor<Record<string, unknown>>(cursor) : undefined,
      }),
    );
    const items = (out.Items ?? []).map(from);
    return out.LastEvaluatedKey ? { items, cursor: encodeCursor(out.LastEvaluatedKey) } : { items };
  }

  /**
   * A conditional update of a workflow's latest-version record: refused (ConflictError) when
   * it is no longer at `expectedVersion` or was deleted. Answers the record as updated.
   */
  async function updateWorkflowHead(
    id: string,
    expectedVersion: number,
    update: {
      UpdateExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<StoredWorkflow> {
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName,
          Key: workflowHeadKey(id),
          ...update,
          ConditionExpression: 'version = :expected AND attribute_not_exists(deletedAt)',
          ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':expected': expectedVersion },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return workflowFromItem(out.Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConflictError(`workflow '${id}' changed since version ${expectedVersion}`);
      }
      throw error;
    }
  }

  async function getItem(key: { pk: string; sk: string }) {
    const { Item } = await client.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
    return Item;
  }

  const store: Store = {
    async putWorkflowVersion(definition, meta) {
      const version = meta.expectedVersion + 1;
      const existing = meta.expectedVersion === 0 ? undefined : await getItem(workflowHeadKey(definition.id));
      // Who else may work on it is not versioned: a new version keeps it (not a re-creation).
      const kept = existing && !existing.deletedAt ? workflowFromItem(existing) : undefined;
      const stored: StoredWorkflow = {
        definition,
        version,
        owner: meta.owner,
        createdAt: (existing?.createdAt as string | undefined) ?? meta.at,
        updatedAt: meta.at,
        ...(kept?.collaborators ? { collaborators: kept.collaborators } : {}),
        ...(kept?.users ? { users: kept.users } : {}),
      };
      const attributes = workflowAttributes(stored);
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName,
                  Item: {
                    ...workflowVersionKey(definition.id, version),
                    kind: 'workflowVersion',
                    ...attributes,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName,
                  Item: {
                    ...workflowHeadKey(definition.id),
                    kind: 'workflow',
                    ...attributes,
                    [INDEXES.instancesByDay.pk]: WORKFLOW_LIST_PARTITION,
                    [INDEXES.instancesByDay.sk]: workflowListSortKey(definition.folder, definition.id),
                  },
                  ConditionExpression:
                    meta.expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
                  ...(meta.expectedVersion === 0
                    ? {}
                    : { ExpressionAttributeValues: { ':expected': meta.expectedVersion } }),
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) {
          throw new ConflictError(
            `workflow '${definition.id}' changed since version ${meta.expectedVersion}`,
          );
        }
        throw error;
      }
      return stored;
    },

    async getWorkflow(id, options = {}) {
      const item = await getItem(workflowHeadKey(id));
      const workflow = item && workflowFromItem(item);
      return workflow?.deletedAt && !options.includeDeleted ? undefined : workflow;
    },

    async listWorkflows(folder, limit, cursor) {
      const index = INDEXES.instancesByDay;
      const out = await client.send(
        new QueryCommand({
          TableName,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': index.pk, '#sk': index.sk },
          ExpressionAttributeValues: {
            ':pk': WORKFLOW_LIST_PARTITION,
            ':prefix': workflowListPrefix(folder),
          },
          Limit: limit,
          ExclusiveStartKey: cursor ? decodeCursor<Record<string, unknown>>(cursor) : undefined,
        }),
      );
      const ids = (out.Items ?? []).map((row) => {
        const key = String(row[index.sk]);
        return key.slice(key.lastIndexOf('/#') + 2);
      });
      const heads = await Promise.all(ids.map((id) => getItem(workflowHeadKey(id))));
      const items = heads.flatMap((item) => (item ? [workflowFromItem(item)] : []));
      return out.LastEvaluatedKey ? { items, cursor: encodeCursor(out.LastEvaluatedKey) } : { items };
    },

    async listWorkflowVersions(id, limit, cursor) {
      const query = { pk: workflowHeadKey(id).pk, prefix: 'V#', newestFirst: true };
      return queryPage(query, limit, cursor, workflowFromItem);
    },

    async deleteWorkflow(id, expectedVersion, at) {
      // Out of the list; the versions and the runs stay.
      await updateWorkflowHead(id, expectedVersion, {
        UpdateExpression: 'SET deletedAt = :at REMOVE #lpk, #lsk',
        ExpressionAttributeNames: { '#lpk': INDEXES.instancesByDay.pk, '#lsk': INDEXES.instancesByDay.sk },
        ExpressionAttributeValues: { ':at': at },
      });
    },

    async setWorkflowPermissions(id, permissions, expectedVersion) {
      return updateWorkflowHead(id, expectedVersion, {
        UpdateExpression: 'SET collaborators = :collaborators, #users = :users',
        ExpressionAttributeNames: { '#users': 'users' },
        ExpressionAttributeValues: {
          ':collaborators': permissions.collaborators,
          ':users': permissions.users,
        },
      });
    },

    async getFolder(path) {
      const item = await getItem(folderKey(path));
      if (!item) return undefined;
      const { pk: _pk, sk: _sk, kind: _kind, ...folder } = item;
      return folder as Folder;
    },

    async putFolder(folder, options = {}) {
      try {
        await client.send(
          new PutCommand({
            TableName,
            Item: { ...folderKey(folder.path), kind: 'folder', ...folder },
            ...(options.ifAbsent ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
          }),
        );
        return true;
      } catch (error) {
        if (options.ifAbsent && isConditionFailure(error)) return false;
        throw error;
      }
    },

    async deleteFolder(path) {
      await client.send(new DeleteCommand({ TableName, Key: folderKey(path) }));
    },

    async listFolders(parent, limit, cursor) {
      const prefix = parent === '/' ? '/' : `${parent}/`;
      const page = await queryPage({ pk: 'FOLDERS', prefix }, limit, cursor, (item) => {
        const { pk: _pk, sk: _sk, kind: _kind, ...folder } = item;
        return folder as Folder;
      });
      return { ...page, items: page.items.filter((f) => f.path !== parent) };
    },

    async setWorkflowOwner(id, owner, expectedVersion, at) {
      return updateWorkflowHead(id, expectedVersion, {
        UpdateExpression: 'SET #owner = :owner, updatedAt = :at',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner, ':at': at },
      });
    },

    async getWorkflowVersion(id, version) {
      const item = await getItem(workflowVersionKey(id, version));
      return item && workflowFromItem(item);
    },

    createRun(run) {
      return putIfAbsent(runToItem(run));
    },

    async listRuns(query) {
      const index = INDEXES.instancesByWorkflow;
      const filters = (['type', 'status', 'backfillId'] as const).filter((f) => query[f] !== undefined);
      const ids: string[] = [];
      let start = query.cursor ? decodeCursor<Record<string, unknown>>(query.cursor) : undefined;
      // A page reads at most `limit` runs of the workflow; filters may leave fewer (the cursor goes on).
      do {
        const out: QueryCommandOutput = await client.send(
          new QueryCommand({
            TableName,
            IndexName: index.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': index.pk },
            ExpressionAttributeValues: { ':pk': workflowRunsPartition(query.workflowId) },
            ScanIndexForward: false,
            Limit: query.limit - ids.length,
            ExclusiveStartKey: start,
          }),
        );
        ids.push(...(out.Items ?? []).map((row) => idOfIndexKey(row[index.sk])));
        start = out.LastEvaluatedKey;
      } while (start && ids.length < query.limit);
      const found = new Map<string, Run>();
      for (let i = 0; i < ids.length; i += BATCH_GET_LIMIT) {
        let pending: Record<string, unknown>[] | undefined = ids.slice(i, i + BATCH_GET_LIMIT).map(runKey);
        while (pending && pending.length > 0) {
          const out: BatchGetCommandOutput = await client.send(
            new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending } } }),
          );
          for (const item of out.Responses?.[TableName] ?? []) found.set(String(item.id), runFromItem(item));
          pending = out.UnprocessedKeys?.[TableName]?.Keys;
        }
      }
      const items = ids
        .flatMap((id) => (found.has(id) ? [found.get(id) as Run] : []))
        .filter((run) => filters.every((f) => run[f] === query[f]));
      return start ? { items, cursor: encodeCursor(start) } : { items };
    },

    async listRunInstances(runId, limit, cursor) {
      return queryPage({ pk: runKey(runId).pk, prefix: 'I#' }, limit, cursor, instanceFromItem);
    },

    async listIterations(foreachInstanceId, attempt, limit, cursor) {
      const parsed = parseInstanceId(foreachInstanceId);
      if (!parsed) return { items: [] };
      const prefix = iterationPrefix(parsed.taskId, attempt);
      return queryPage(
        { pk: runKey(parsed.runId).pk, prefix, consistent: true },
        limit,
        cursor,
        instanceFromItem,
      );
    },

    async countIterationFailure(foreachInstanceId, attempt, index) {
      // Adding to a set is idempotent: a reported failure counts once however often it comes.
      const out = await client.send(
        new UpdateCommand({
          TableName,
          Key: loopKey(foreachInstanceId, attempt),
          UpdateExpression: 'ADD failedIterations :index SET kind = :kind',
          ExpressionAttributeValues: { ':index': new Set([index]), ':kind': 'loop' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return (out.Attributes?.failedIterations as Set<number> | undefined)?.size ?? 0;
    },

    async putLoop(foreachInstanceId, attempt, loop) {
      const out = await client.send(
        new UpdateCommand({
          TableName,
          Key: loopKey(foreachInstanceId, attempt),
          UpdateExpression:
            'SET kind = :kind, #count = if_not_exists(#count, :count), maxConcurrency = if_not_exists(maxConcurrency, :max)',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':kind': 'loop', ':count': loop.count, ':max': loop.maxConcurrency },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { count: Number(out.Attributes?.count), maxConcurrency: Number(out.Attributes?.maxConcurrency) };
    },

    async getLoop(foreachInstanceId, attempt) {
      const item = await getItem(loopKey(foreachInstanceId, attempt));
      if (item?.count === undefined) return undefined;
      return { count: Number(item.count), maxConcurrency: Number(item.maxConcurrency) };
    },

    async setLoopTaskToken(iterationId, token) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: instanceKeyOf(iterationId),
          UpdateExpression: 'SET loopTaskToken = :token',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':token': token },
        }),
      );
    },

    async getRun(id) {
      const item = await getItem(runKey(id));
      return item && runFromItem(item);
    },

    async putInstances(instances) {
      // Conditional puts, never a batch: BatchWriteItem cannot be conditional, and a second
      // creation of the run (a duplicate delivery) may already have written and moved some.
      await mapWithConcurrency(instances, WRITE_CONCURRENCY, (instance) =>
        putIfAbsent(instanceToItem(instance)),
      );
    },

    async getInstance(id) {
      const parsed = parseInstanceId(id);
      if (!parsed) return undefined;
      const item = await getItem(instanceKey(parsed));
      return item && instanceFromItem(item);
    },

    async getInstances(ids) {
      const keys = ids.flatMap((id) => {
        const parsed = parseInstanceId(id);
        return parsed ? [instanceKey(parsed)] : [];
      });
      const found: Instance[] = [];
      for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
        let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + BATCH_GET_LIMIT);
        while (pending && pending.length > 0) {
          const out: BatchGetCommandOutput = await client.send(
            new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true } } }),
          );
          for (const item of out.Responses?.[TableName] ?? []) found.push(instanceFromItem(item));
          pending = out.UnprocessedKeys?.[TableName]?.Keys;
        }
      }
      return found;
    },

    async transitionInstance(instance, to, at, patch = {}, options = {}) {
      if (!canTransition(instance.status, to))
        throw new InvalidTransitionError(instance.id, instance.status, to);
      const next: Instance = {
        ...instance,
        ...patch,
        status: to,
        transitions: [...instance.transitions, { status: to, at }],
        revision: instance.revision + 1,
      };
      const update = instanceUpdate(TableName, instance, patch, { to, at, ...options });
      // An iteration belongs to its for-each instance: the run counts the for-each, not its iterations.
      const delta = instance.iteration
        ? undefined
        : runDeltaOf(instance.status, to, instance.blocked === true);
      const counters = { ...delta?.counters };
      if (options.holdRun && !instance.iteration) counters.held = (counters.held ?? 0) + 1;
      const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [{ Update: update }];
      if (Object.keys(counters).length > 0 || delta?.reopen) {
        items.push({ Update: runCounterUpdate(TableName, instance.runId, counters, delta?.reopen ?? false) });
      }
      const slot = options.slot;
      if (slot) {
        items.push({
          Update: {
            TableName,
            Key: resourceGroupKey(slot.group),
            UpdateExpression: 'ADD running :delta',
            ...(slot.change === 'acquire'
              ? {
                  ConditionExpression: 'attribute_not_exists(running) OR running < #limit',
                  ExpressionAttributeNames: { '#limit': 'limit' },
                  ExpressionAttributeValues: { ':delta': 1 },
                }
              : { ExpressionAttributeValues: { ':delta': -1 } }),
          },
        });
      }
      try {
        if (items.length > 1) await client.send(new TransactWriteCommand({ TransactItems: items }));
        else await client.send(new UpdateCommand(update));
      } catch (error) {
        if (error instanceof TransactionCanceledException && slot?.change === 'acquire') {
          const reasons = error.CancellationReasons ?? [];
          const slotFailed = reasons[items.length - 1]?.Code === 'ConditionalCheckFailed';
          if (slotFailed && reasons[0]?.Code !== 'ConditionalCheckFailed')
            throw new ResourceGroupFullError(slot.group);
        }
        if (isConditionFailure(error)) {
          throw new ConflictError(`instance '${instance.id}' changed since revision ${instance.revision}`, {
            cause: error,
          });
        }
        throw error;
      }
      return next;
    },

    async patchInstance(instance, patch, run) {
      const update = instanceUpdate(TableName, instance, patch);
      try {
        if (run) {
          await client.send(
            new TransactWriteCommand({
              TransactItems: [
                { Update: update },
                { Update: runCounterUpdate(TableName, instance.runId, run.counters, run.reopen) },
              ],
            }),
          );
        } else {
          await client.send(new UpdateCommand(update));
        }
      } catch (error) {
        if (isConditionFailure(error)) {
          throw new ConflictError(`instance '${instance.id}' changed since revision ${instance.revision}`);
        }
        throw error;
      }
      return { ...instance, ...patch, revision: instance.revision + 1 };
    },

    async recordUpstreamOutcome(downstreamId, upstreamId, report, effect) {
      const parsed = parseInstanceId(downstreamId);
      if (!parsed) return undefined;
      const key = upstreamOutcomeKey(downstreamId, upstreamId);
      // An item written before same-run reports were keyed by task id keeps them under the
      // upstream's whole id: a report counted there must not count again.
      const legacy: Record<string, string> = key === upstreamId ? {} : { '#legacy': upstreamId };
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName,
            Key: instanceKey(parsed),
            UpdateExpression:
              'SET upstreamOutcomes.#upstream = :outcome, #revision = #revision + :one' +
              ' ADD waitingUpstreams :minus, blockingUpstreams :blocking, unmetUpstreams :unmet',
            ConditionExpression:
              'attribute_exists(pk) AND attribute_not_exists(upstreamOutcomes.#upstream)' +
              (key === upstreamId ? '' : ' AND attribute_not_exists(upstreamOutcomes.#legacy)'),
            ExpressionAttributeNames: {
              '#upstream': key,
              ...legacy,
              '#revision': 'revision',
            },
            ExpressionAttributeValues: {
              ':outcome': report,
              ':one': 1,
              ':minus': -1,
              ':blocking': effect.blocking,
              ':unmet': effect.unmet,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ? instanceFromItem(out.Attributes) : undefined;
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    async markBlocked(instance, at, dueAt) {
      const due = dueIndexKeys(instance.id, dueAt) ?? {};
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName,
                  Key: instanceKeyOf(instance.id),
                  UpdateExpression:
                    'SET blocked = :true, blockedAt = :at, dueAt = :due, #gpk = :gpk, #gsk = :gsk, #revision = #revision + :one',
                  ConditionExpression:
                    '#status = :waiting AND waitingUpstreams = :zero AND blockingUpstreams > :zero AND attribute_not_exists(blocked)',
                  ExpressionAttributeNames: {
                    '#status': 'status',
                    '#revision': 'revision',
                    '#gpk': INDEXES.dueInstances.pk,
                    '#gsk': INDEXES.dueInstances.sk,
                  },
                  ExpressionAttributeValues: {
                    ':true': true,
                    ':at': at,
                    ':due': dueAt,
                    ':gpk': due[INDEXES.dueInstances.pk],
                    ':gsk': due[INDEXES.dueInstances.sk],
                    ':one': 1,
                    ':waiting': 'WAITING_UPSTREAM',
                    ':zero': 0,
                  },
                },
              },
              {
                Update: {
                  TableName,
                  Key: runKey(instance.runId),
                  UpdateExpression: 'ADD unfinished :minus, blocked :one',
                  ExpressionAttributeValues: { ':minus': -1, ':one': 1 },
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async closeRun(runId, status, at, derivedFrom) {
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName,
            Key: runKey(runId),
            UpdateExpression: 'SET #status = :status, endTime = :at, closedBefore = :true',
            // The status was derived from these counters: if any moved since, derive again.
            ConditionExpression:
              '#status = :running AND unfinished = :zero AND (attribute_not_exists(held) OR held = :zero)' +
              ' AND failed = :failed AND #terminated = :terminated AND blocked = :blocked',
            ExpressionAttributeNames: { '#status': 'status', '#terminated': 'terminated' },
            ExpressionAttributeValues: {
              ':status': status,
              ':at': at,
              ':running': 'RUNNING',
              ':zero': 0,
              ':true': true,
              ':failed': derivedFrom.failed,
              ':terminated': derivedFrom.terminated,
              ':blocked': derivedFrom.blocked,
            },
            ReturnValues: 'UPDATED_OLD',
          }),
        );
        return out.Attributes?.closedBefore === true ? 'AGAIN' : 'FIRST';
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        return undefined;
      }
    },

    async putEventInstance(event) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName,
                  Item: eventInstanceToItem(event),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              // Only a usable event is found by name and data time; a rejected one is kept, never matched.
              ...(event.status === 'REJECTED'
                ? []
                : [
                    {
                      Put: {
                        TableName,
                        Item: { ...eventByTimeKey(event.name, event.dataTime, event.id), kind: 'eventKey' },
                      },
                    },
                  ]),
            ],
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async putOperation(record) {
      const items = [
        { ...operationByTargetKey(record.target.id, record.at, record.id), kind: 'operation', ...record },
        ...(record.workflowId
          ? [
              {
                ...operationByWorkflowKey(record.workflowId, record.at, record.id),
                kind: 'operation',
                ...record,
              },
            ]
          : []),
      ];
      await batchPut(items);
    },

    async listOperations(of, limit, cursor) {
      const pk =
        'targetId' in of
          ? operationByTargetKey(of.targetId, '', '').pk
          : operationByWorkflowKey(of.workflowId, '', '').pk;
      const out = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: cursor ? decodeCursor<Record<string, unknown>>(cursor) : undefined,
        }),
      );
      const items = (out.Items ?? []).map((item) => {
        const { pk: _pk, sk: _sk, kind: _kind, ...record } = item;
        return record as OperationRecord;
      });
      return out.LastEvaluatedKey ? { items, cursor: encodeCursor(out.LastEvaluatedKey) } : { items };
    },

    async putTriggerTokenHash(workflowId, hash, at) {
      await client.send(
        new PutCommand({
          TableName,
          Item: { ...triggerTokenKey(workflowId), kind: 'triggerToken', hash, rotatedAt: at },
        }),
      );
    },

    async getTriggerTokenHash(workflowId) {
      const item = await getItem(triggerTokenKey(workflowId));
      return item?.hash as string | undefined;
    },

    async putBackfill(backfill) {
      const Item = { ...backfillKey(backfill.id), kind: 'backfill', ...backfill };
      // The item grows as runs are counted (a number per slot): refuse a plan it could not hold.
      const bytes =
        itemBytes(marshall(Item, { removeUndefinedValues: true })) +
        backfill.slots.length * COUNTED_SLOT_BYTES;
      if (bytes > MAX_BACKFILL_ITEM_BYTES) {
        throw new ValidationError('The backfill is too large', [
          {
            path: backfill.parameterSets ? 'parameterSets' : 'to',
            code: 'BACKFILL_TOO_LARGE',
            message: `its plan of ${backfill.slots.length} runs would take ${Math.ceil(bytes / 1024)} KB; at most ${MAX_BACKFILL_ITEM_BYTES / 1024} KB`,
          },
        ]);
      }
      await client.send(new PutCommand({ TableName, Item }));
    },

    async getBackfill(id) {
      const item = await getItem(backfillKey(id));
      return item && backfillFromItem(item);
    },

    async claimBackfillSlot(id, next) {
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName,
            Key: backfillKey(id),
            UpdateExpression: 'SET #next = :after, progress.running = progress.running + :one',
            ConditionExpression:
              '#status = :running AND #next = :next AND #next < progress.#total AND progress.running < parallelism',
            ExpressionAttributeNames: { '#next': 'next', '#status': 'status', '#total': 'total' },
            ExpressionAttributeValues: {
              ':next': next,
              ':after': next + 1,
              ':one': 1,
              ':running': 'RUNNING',
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes && backfillFromItem(out.Attributes);
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    async countBackfillRunClosed(id, { slot, failed, ifEveryCountMarked }) {
      const sets = ['progress.done = progress.done + :one', 'progress.running = progress.running - :one'];
      if (failed) sets.push('progress.failed = progress.failed + :one');
      const conditions = ['attribute_exists(pk)'];
      const values: Record<string, unknown> = { ':one': 1 };
      // The slot is added to the counted ones in the same write, and only if absent: once.
      if (slot !== undefined) {
        conditions.push('progress.#total > :slot', 'NOT contains(countedSlots, :slot)');
        Object.assign(values, { ':slot': slot, ':slots': new Set([slot]) });
      }
      if (ifEveryCountMarked) {
        conditions.push(
          '(progress.done = size(countedSlots) OR (attribute_not_exists(countedSlots) AND progress.done = :zero))',
        );
        values[':zero'] = 0;
      }
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName,
            Key: backfillKey(id),
            UpdateExpression: `SET ${sets.join(', ')}${slot === undefined ? '' : ' ADD countedSlots :slots'}`,
            ConditionExpression: conditions.join(' AND '),
            ...(slot === undefined ? {} : { ExpressionAttributeNames: { '#total': 'total' } }),
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return backfillFromItem(out.Attributes ?? {});
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    async setBackfillStatus(id, from, to) {
      try {
        await client.send(
          new UpdateCommand({
            TableName,
            Key: backfillKey(id),
            UpdateExpression: 'SET #status = :to',
            ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':to': to,
              ...Object.fromEntries(from.map((status, i) => [`:from${i}`, status])),
            },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async listEventInstances(query) {
      const byName = query.name !== undefined;
      const index = byName ? INDEXES.instancesByWorkflow : INDEXES.instancesByDay;
      // By name: one key. By day: the days of the range, newest first; the cursor keeps the day.
      const days = byName
        ? ['']
        : daysDescending(query.receivedFrom.slice(0, 10), query.receivedTo.slice(0, 10));
      const position = query.cursor
        ? decodeCursor<{ day: string; key?: Record<string, unknown> }>(query.cursor)
        : undefined;
      const ids: string[] = [];
      let next: { day: string; key?: Record<string, unknown> } | undefined;
      for (let d = position ? Math.max(0, days.indexOf(position.day)) : 0; d < days.length; d++) {
        const day = days[d] ?? '';
        const startKey = position?.day === day ? position.key : undefined;
        const [from, to] = byName
          ? [query.dataTimeFrom, `${query.dataTimeTo}#\uffff`]
          : [query.receivedFrom, `${query.receivedTo}#\uffff`];
        const out = await client.send(
          new QueryCommand({
            TableName,
            IndexName: index.name,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': index.pk, '#sk': index.sk },
            ExpressionAttributeValues: {
              ':pk': byName ? `EVN#${query.name}` : eventDayPartition(day),
              ':from': from,
              ':to': to,
            },
            ScanIndexForward: false,
            Limit: query.limit - ids.length,
            ExclusiveStartKey: startKey,
          }),
        );
        ids.push(...(out.Items ?? []).map((row) => idOfIndexKey(row[index.sk])));
        if (out.LastEvaluatedKey) {
          next = { day, key: out.LastEvaluatedKey };
          break;
        }
        if (ids.length >= query.limit) {
          if (days[d + 1]) next = { day: days[d + 1] as string };
          break;
        }
      }
      const found = new Map<string, EventInstance>();
      for (let i = 0; i < ids.length; i += BATCH_GET_LIMIT) {
        let pending: Record<string, unknown>[] | undefined = ids
          .slice(i, i + BATCH_GET_LIMIT)
          .map(eventInstanceKey);
        while (pending && pending.length > 0) {
          const out: BatchGetCommandOutput = await client.send(
            new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending } } }),
          );
          for (const item of out.Responses?.[TableName] ?? []) {
            const event = eventFromItem(item);
            found.set(event.id, event);
          }
          pending = out.UnprocessedKeys?.[TableName]?.Keys;
        }
      }
      const items = ids.flatMap((id) => (found.has(id) ? [found.get(id) as EventInstance] : []));
      return next ? { items, cursor: encodeCursor(next) } : { items };
    },

    async getEventInstance(id) {
      const item = await getItem(eventInstanceKey(id));
      return item && eventFromItem(item);
    },

    async listEventIds(name, dataTime) {
      return (await queryAll(eventByTimeKey(name, dataTime, '').pk)).map((item) => String(item.sk));
    },

    async setEventStatus(eventId, from, to, at, consumedBy) {
      try {
        await client.send(
          new UpdateCommand({
            TableName,
            Key: eventInstanceKey(eventId),
            UpdateExpression: `SET #status = :to, statusAt = :at${consumedBy ? ', consumedBy = :by' : ''}`,
            ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':to': to,
              ':at': at,
              ...(consumedBy ? { ':by': consumedBy } : {}),
              ...Object.fromEntries(from.map((status, i) => [`:from${i}`, status])),
            },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async putEventWaiter(name, dataTime, instanceId) {
      await client.send(
        new PutCommand({
          TableName,
          Item: { ...eventWaiterKey(name, dataTime, instanceId), kind: 'eventWaiter' },
        }),
      );
    },

    async listEventWaiters(name, dataTime) {
      return (await queryAll(eventWaiterKey(name, dataTime, '').pk)).map((item) => String(item.sk));
    },

    listInstances(query) {
      return query.workflowId ? listByWorkflow(query, query.workflowId) : listByDay(query);
    },

    async listDueInstances(now, shard, limit) {
      const out = await client.send(new QueryCommand(dueBefore(TableName, duePartition(shard), now, limit)));
      return instancesInOrder((out.Items ?? []).map((row) => idOfIndexKey(row[INDEXES.dueInstances.sk])));
    },

    async getResourceGroup(name) {
      const item = await getItem(resourceGroupKey(name));
      return (
        item && {
          name,
          limit: Number(item.limit ?? Number.POSITIVE_INFINITY),
          running: Number(item.running ?? 0),
        }
      );
    },

    async putResourceGroup(name, limit) {
      const out = await client.send(
        new UpdateCommand({
          TableName,
          Key: resourceGroupKey(name),
          UpdateExpression: 'SET #limit = :limit, kind = :kind',
          ExpressionAttributeNames: { '#limit': 'limit' },
          ExpressionAttributeValues: { ':limit': limit, ':kind': 'resourceGroup' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { name, limit, running: Number(out.Attributes?.running ?? 0) };
    },

    async listWaitingForSlot(group, limit) {
      const index = INDEXES.waitingForSlot;
      const out = await client.send(
        new QueryCommand({
          TableName,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': index.pk },
          ExpressionAttributeValues: { ':pk': slotWaitPartition(group) },
          Limit: limit,
        }),
      );
      return (out.Items ?? []).map((row) => idOfIndexKey(row[index.sk]));
    },

    async putDependent(upstreamId, dependentId) {
      await client.send(
        new PutCommand({
          TableName,
          Item: { ...dependentKey(upstreamId, dependentId), kind: 'dependent', dependentId },
        }),
      );
      const upstream = parseInstanceId(upstreamId);
      if (!upstream) return;
      try {
        await client.send(
          new UpdateCommand({
            TableName,
            Key: instanceKey(upstream),
            UpdateExpression: 'SET hasExternalDependents = :true',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':true': true },
          }),
        );
      } catch (error) {
        // Not created yet: its run's creation reads the workflow's dependency marks instead.
        if (!isConditionFailure(error)) throw error;
      }
    },

    async putWorkflowDependency(workflowId, task, dependentWorkflow) {
      await client.send(
        new PutCommand({
          TableName,
          Item: {
            ...workflowDependencyKey(workflowId, task, dependentWorkflow),
            kind: 'workflowDependency',
            task,
          },
        }),
      );
    },

    async listDependedOnTasks(workflowId) {
      return new Set(
        (await queryAll(workflowDependencyKey(workflowId, '', '').pk)).map((item) => String(item.task)),
      );
    },

    async listDependents(upstreamId) {
      // Consistent: a dependent registered just before this upstream finished must be seen.
      return (await queryAll(dependentKey(upstreamId, '').pk)).map((item) => String(item.dependentId));
    },

    async putAttemptLogs(instance, attempt, stream, text) {
      const chunks = chunkLines(text);
      await mapWithConcurrency(chunks, WRITE_CONCURRENCY, (lines, i) =>
        client.send(
          new PutCommand({
            TableName,
            Item: {
              ...logChunkKey(
                instance.runId,
                instance.id.slice(instance.runId.length + 1),
                attempt,
                stream,
                i,
              ),
              kind: 'log',
              lines,
            },
          }),
        ),
      );
      return { lines: chunks.reduce((n, c) => n + c.length, 0), chunks: chunks.length };
    },

    async getAttemptLogChunk(instanceId, attempt, stream, chunk) {
      const parsed = parseInstanceId(instanceId);
      if (!parsed) return [];
      const item = await getItem(
        logChunkKey(parsed.runId, instanceId.slice(parsed.runId.length + 1), attempt, stream, chunk),
      );
      return (item?.lines as string[] | undefined) ?? [];
    },
  };
  return store;

  async function listByWorkflow(query: InstanceQuery, workflowId: string): Promise<Page<Instance>> {
    const index = INDEXES.instancesByWorkflow;
    const out = await client.send(
      new QueryCommand({
        TableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': index.pk, '#sk': index.sk },
        ExpressionAttributeValues: {
          ':pk': workflowPartition(workflowId),
          ':from': query.dataTimeFrom,
          ':to': `${query.dataTimeTo}#\uffff`,
        },
        ScanIndexForward: false,
        Limit: query.limit,
        ExclusiveStartKey: query.cursor ? decodeCursor<Record<string, unknown>>(query.cursor) : undefined,
      }),
    );
    const items = await instancesInOrder((out.Items ?? []).map((row) => idOfIndexKey(row[index.sk])));
    return out.LastEvaluatedKey ? { items, cursor: encodeCursor(out.LastEvaluatedKey) } : { items };
  }

  /**
   * Walks data-time days from the newest down; each day is DAY_SHARDS partitions, queried
   * side by side and merged newest first. The cursor holds the day and, per shard, where
   * to go on (`null`: that shard of the day is read to its end).
   */
  async function listByDay(query: InstanceQuery): Promise<Page<Instance>> {
    type DayCursor = { day: string; shards: (Record<string, unknown> | null | 0)[] };
    const index = INDEXES.instancesByDay;
    const firstDay = query.dataTimeFrom.slice(0, 10);
    let cursor: DayCursor = query.cursor
      ? decodeCursor<DayCursor>(query.cursor)
      : { day: query.dataTimeTo.slice(0, 10), shards: Array(DAY_SHARDS).fill(0) };
    const ids: string[] = [];
    while (ids.length < query.limit && cursor.day >= firstDay) {
      const wanted = query.limit - ids.length;
      const day = cursor.day;
      const reads = await Promise.all(
        cursor.shards.map(async (start, shard) => {
          if (start === null) return { shard, rows: [] as Record<string, unknown>[], more: false };
          const out = await client.send(
            new QueryCommand({
              TableName,
              IndexName: index.name,
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
              ExpressionAttributeNames: { '#pk': index.pk, '#sk': index.sk },
              ExpressionAttributeValues: {
                ':pk': dayPartition(day, shard),
                ':from': query.dataTimeFrom,
                ':to': `${query.dataTimeTo}#\uffff`,
              },
              ScanIndexForward: false,
              Limit: wanted,
              ExclusiveStartKey: start === 0 ? undefined : start,
            }),
          );
          return { shard, rows: out.Items ?? [], more: out.LastEvaluatedKey !== undefined };
        }),
      );
      const merged = reads
        .flatMap(({ shard, rows, more }) =>
          rows.map((row, i) => ({ shard, row, last: !more && i === rows.length - 1 })),
        )
        .sort((a, b) => String(b.row[index.sk]).localeCompare(String(a.row[index.sk])))
        .slice(0, wanted);
      const shards = [...cursor.shards];
      for (const { shard, row, last } of merged) {
        ids.push(idOfIndexKey(row[index.sk]));
        shards[shard] = last
          ? null
          : { pk: row.pk, sk: row.sk, [index.pk]: row[index.pk], [index.sk]: row[index.sk] };
      }
      for (const { shard, rows } of reads) if (rows.length === 0) shards[shard] = null;
      cursor = shards.every((s) => s === null)
        ? { day: previousDay(day), shards: Array(DAY_SHARDS).fill(0) }
        : { day, shards };
    }
    const items = await instancesInOrder(ids);
    return cursor.day >= firstDay ? { items, cursor: encodeCursor(cursor) } : { items };
  }

  /** The instances of `ids`, read by key, in the order given (index pages are keys only). */
  async function instancesInOrder(ids: string[]): Promise<Instance[]> {
    const found = new Map((await store.getInstances(ids)).map((i) => [i.id, i]));
    return ids.flatMap((id) => {
      const instance = found.get(id);
      return instance ? [instance] : [];
    });
  }
}

type TransitionSpec = TransitionOptions & { to: InstanceStatus; at: string };

/**
 * The conditional update of one instance: guarded by the revision (and status) read, it
 * sets the patch (an `undefined` field is removed), keeps the due and slot-wait index keys
 * in step with `dueAt` and WAITING_EXECUTION, and records a transition when there is one.
 */
function instanceUpdate(
  TableName: string,
  instance: Instance,
  patch: InstancePatch,
  transition?: TransitionSpec,
) {
  const names: Record<string, string> = { '#status': 'status', '#revision': 'revision' };
  const values: Record<string, unknown> = {
    ':from': instance.status,
    ':rev': instance.revision,
    ':next': instance.revision + 1,
  };
  const sets = ['#revision = :next'];
  const removes: string[] = [];
  const set = (field: string, value: unknown) => {
    const n = `#f${Object.keys(names).length}`;
    names[n] = field;
    if (value === undefined) {
      removes.push(n);
    } else {
      values[`:${n.slice(1)}`] = value;
      sets.push(`${n} = :${n.slice(1)}`);
    }
  };
  if (transition) {
    values[':to'] = transition.to;
    values[':transition'] = [storedTransition({ status: transition.to, at: transition.at })];
    sets.push('#status = :to', 'transitions = list_append(transitions, :transition)');
  }
  for (const [field, value] of Object.entries(patch)) {
    set(
      field,
      field === 'upstreamOutcomes' && value
        ? storedUpstreamOutcomes(instance.id, value as Instance['upstreamOutcomes'])
        : value,
    );
  }
  if ('dueAt' in patch) {
    const due = dueIndexKeys(instance.id, patch.dueAt);
    set(INDEXES.dueInstances.pk, due?.[INDEXES.dueInstances.pk]);
    set(INDEXES.dueInstances.sk, due?.[INDEXES.dueInstances.sk]);
  }
  if (transition?.waitingForSlotSince) {
    for (const [field, value] of Object.entries(slotWaitKeys(instance, transition.waitingForSlotSince)))
      set(field, value);
  } else if (transition && instance.status === 'WAITING_EXECUTION') {
    set(INDEXES.waitingForSlot.pk, undefined);
    set(INDEXES.waitingForSlot.sk, undefined);
  }
  return {
    TableName,
    Key: instanceKeyOf(instance.id),
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: '#revision = :rev AND #status = :from',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * The run's side of an instance's move: its counters (names through placeholders:
 * `terminated` is a reserved word) and, when the move reopens it, RUNNING again.
 */
function runCounterUpdate(
  TableName: string,
  runId: string,
  counters: Partial<Record<RunCounter, number>>,
  reopen: boolean,
) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const adds = Object.entries(counters).map(([counter, n], i) => {
    names[`#c${i}`] = counter;
    values[`:c${i}`] = n;
    return `#c${i} :c${i}`;
  });
  const clauses = adds.length ? [`ADD ${adds.join(', ')}`] : [];
  if (reopen) {
    names['#status'] = 'status';
    values[':running'] = 'RUNNING';
    clauses.unshift('SET #status = :running');
    clauses.push('REMOVE endTime');
  }
  return {
    TableName,
    Key: runKey(runId),
    UpdateExpression: clauses.join(' '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

function eventFromItem(item: Record<string, unknown>): EventInstance {
  const { pk: _pk, sk: _sk, kind: _kind, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...event } = item;
  return event as EventInstance;
}

/** Days (yyyy-MM-dd) from `to` back to `from`, at most a year of them. */
function daysDescending(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = to; day >= from && days.length < 366; day = previousDay(day)) days.push(day);
  return days;
}

function previousDay(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

function backfillFromItem(item: Record<string, unknown>): Backfill {
  const { pk: _pk, sk: _sk, kind: _kind, countedSlots, ...backfill } = item;
  // A number set: read as a Set, kept in the model as a sorted list.
  const counted = countedSlots instanceof Set ? [...(countedSlots as Set<number>)].sort((a, b) => a - b) : [];
  return { ...backfill, ...(counted.length ? { countedSlots: counted } : {}) } as Backfill;
}
