// The Store port on one DynamoDB table (DocumentClient). State changes are conditional
// writes guarded by the revision read; lists are index queries with opaque cursors.
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../errors.ts';
import { parseInstanceId } from '../../model/ids.ts';
import { FINISHED_STATUSES, type Instance } from '../../model/instance.ts';
import { finishedCounterOf } from '../../model/run.ts';
import type { InstanceQuery, Page, Store, StoredWorkflow } from '../../ports/store.ts';
import { mapWithConcurrency } from '../../util/concurrency.ts';
import { decodeCursor, encodeCursor } from '../../util/cursor.ts';
import { eventInstanceToItem } from './event-items.ts';
import {
  DAY_SHARDS,
  dayPartition,
  instanceFromItem,
  instanceKey,
  instanceToItem,
  workflowPartition,
} from './instance-items.ts';
import { runFromItem, runKey, runToItem } from './run-items.ts';
import { INDEXES } from './table.ts';
import { workflowFromItem, workflowHeadKey, workflowVersionKey } from './workflow-items.ts';

const WRITE_CONCURRENCY = 16;
const BATCH_GET_LIMIT = 100;

export function createDynamoDbStore(options: { client: DynamoDBDocumentClient; tableName: string }): Store {
  const { client, tableName: TableName } = options;

  const isConditionFailure = (error: unknown): boolean =>
    error instanceof ConditionalCheckFailedException ||
    (error instanceof TransactionCanceledException &&
      (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'));

  async function getItem(key: { pk: string; sk: string }) {
    const { Item } = await client.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
    return Item;
  }

  return {
    async putWorkflowVersion(definition, meta) {
      const version = meta.expectedVersion + 1;
      const existing = meta.expectedVersion === 0 ? undefined : await getItem(workflowHeadKey(definition.id));
      const stored: StoredWorkflow = {
        definition,
        version,
        owner: meta.owner,
        createdAt: (existing?.createdAt as string | undefined) ?? meta.at,
        updatedAt: meta.at,
      };
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName,
                  Item: { ...workflowVersionKey(definition.id, version), kind: 'workflowVersion', ...stored },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName,
                  Item: { ...workflowHeadKey(definition.id), kind: 'workflow', ...stored },
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

    async getWorkflow(id) {
      const item = await getItem(workflowHeadKey(id));
      return item && workflowFromItem(item);
    },

    async getWorkflowVersion(id, version) {
      const item = await getItem(workflowVersionKey(id, version));
      return item && workflowFromItem(item);
    },

    async createRun(run) {
      try {
        await client.send(
          new PutCommand({
            TableName,
            Item: runToItem(run),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async getRun(id) {
      const item = await getItem(runKey(id));
      return item && runFromItem(item);
    },

    async putInstances(instances) {
      await mapWithConcurrency(instances, WRITE_CONCURRENCY, async (instance) => {
        try {
          await client.send(
            new PutCommand({
              TableName,
              Item: instanceToItem(instance),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      });
    },

    async getInstance(id) {
      const parsed = parseInstanceId(id);
      if (!parsed) return undefined;
      const item = await getItem(instanceKey(parsed.runId, parsed.taskId));
      return item && instanceFromItem(item);
    },

    async getInstances(ids) {
      const keys = ids.flatMap((id) => {
        const parsed = parseInstanceId(id);
        return parsed ? [instanceKey(parsed.runId, parsed.taskId)] : [];
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

    async transitionInstance(instance, to, at, patch = {}) {
      const next: Instance = {
        ...instance,
        ...patch,
        status: to,
        transitions: [...instance.transitions, { status: to, at }],
        revision: instance.revision + 1,
      };
      const names: Record<string, string> = { '#status': 'status', '#revision': 'revision' };
      const values: Record<string, unknown> = {
        ':to': to,
        ':from': instance.status,
        ':rev': instance.revision,
        ':next': next.revision,
        ':transition': [{ status: to, at }],
      };
      const sets = [
        '#status = :to',
        '#revision = :next',
        'transitions = list_append(transitions, :transition)',
      ];
      const removes: string[] = [];
      for (const [field, value] of Object.entries(patch)) {
        names[`#${field}`] = field;
        if (value === undefined) {
          removes.push(`#${field}`);
        } else {
          values[`:${field}`] = value;
          sets.push(`#${field} = :${field}`);
        }
      }
      const update = {
        TableName,
        Key: instanceKey(instance.runId, instance.taskId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: '#revision = :rev AND #status = :from',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      };
      const finishing = FINISHED_STATUSES.has(to) && !FINISHED_STATUSES.has(instance.status);
      try {
        if (finishing) {
          const counter = finishedCounterOf(to);
          await client.send(
            new TransactWriteCommand({
              TransactItems: [
                { Update: update },
                {
                  Update: {
                    TableName,
                    Key: runKey(instance.runId),
                    UpdateExpression: counter
                      ? `ADD unfinished :minus, ${counter} :one`
                      : 'ADD unfinished :minus',
                    ExpressionAttributeValues: counter ? { ':minus': -1, ':one': 1 } : { ':minus': -1 },
                  },
                },
              ],
            }),
          );
        } else {
          await client.send(new UpdateCommand(update));
        }
      } catch (error) {
        if (isConditionFailure(error)) {
          throw new ConflictError(`instance '${instance.id}' changed since revision ${instance.revision}`, {
            cause: error,
          });
        }
        throw error;
      }
      return next;
    },

    async closeRun(runId, status, at) {
      try {
        await client.send(
          new UpdateCommand({
            TableName,
            Key: runKey(runId),
            UpdateExpression: 'SET #status = :status, endTime = :at',
            ConditionExpression: '#status = :running AND unfinished = :zero',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': status, ':at': at, ':running': 'RUNNING', ':zero': 0 },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async putEventInstance(event) {
      try {
        await client.send(
          new PutCommand({
            TableName,
            Item: eventInstanceToItem(event),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    listInstances(query) {
      return query.workflowId ? listByWorkflow(query, query.workflowId) : listByDay(query);
    },
  };

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
    const items = (out.Items ?? []).map(instanceFromItem);
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
    const items: Instance[] = [];
    while (items.length < query.limit && cursor.day >= firstDay) {
      const wanted = query.limit - items.length;
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
        items.push(instanceFromItem(row));
        shards[shard] = last
          ? null
          : { pk: row.pk, sk: row.sk, [index.pk]: row[index.pk], [index.sk]: row[index.sk] };
      }
      for (const { shard, rows } of reads) if (rows.length === 0) shards[shard] = null;
      cursor = shards.every((s) => s === null)
        ? { day: previousDay(day), shards: Array(DAY_SHARDS).fill(0) }
        : { day, shards };
    }
    return cursor.day >= firstDay ? { items, cursor: encodeCursor(cursor) } : { items };
  }
}

function previousDay(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
