// The AlertStore port in Rondo's table. An alert is one item keyed by its id (subject and
// rule), so a conditional put is the deduplication; it is listed newest first for everyone
// (`ALERTS`, index 2) and per workflow (`ALERTWF#<id>`, index 1). Timers sit in one sparse
// partition of the due index (`ALERTDUE`), read by the reconciler's sweep: nothing is read
// per instance while nothing is due. Alerts expire after ALERT_RETENTION_DAYS.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Alert, AlertTimer } from '../../model/alert.ts';
import type { AlertStore } from '../../ports/alert-store.ts';
import { decodeCursor, encodeCursor } from '../../util/cursor.ts';
import { dueBefore, INDEXES, type Key, TTL_ATTRIBUTE } from './table.ts';

export const ALERT_RETENTION_DAYS = 90;
const ALL_ALERTS_PARTITION = 'ALERTS';
const TIMERS_PARTITION = 'ALERTDUE';

const alertKey = (id: string): Key => ({ pk: `ALERT#${id}`, sk: '#ALERT' });
const timerKey = (id: string): Key => ({ pk: `ATIMER#${id}`, sk: '#TIMER' });
const byWorkflow = (workflowId: string) => `ALERTWF#${workflowId}`;

function alertToItem(alert: Alert): Record<string, unknown> {
  const sortKey = `${alert.firedAt}#${alert.id}`;
  return {
    ...alertKey(alert.id),
    kind: 'alert',
    ...alert,
    [INDEXES.instancesByDay.pk]: byWorkflow(alert.workflowId),
    [INDEXES.instancesByDay.sk]: sortKey,
    [INDEXES.instancesByWorkflow.pk]: ALL_ALERTS_PARTITION,
    [INDEXES.instancesByWorkflow.sk]: sortKey,
    [TTL_ATTRIBUTE]: Math.floor(Date.parse(alert.firedAt) / 1000) + ALERT_RETENTION_DAYS * 86_400,
  };
}

const FIELDS_OF_ITEM = new Set([
  'pk',
  'sk',
  'kind',
  TTL_ATTRIBUTE,
  ...Object.values(INDEXES).flatMap((i) => [i.pk, i.sk]),
]);
const withoutKeys = <T>(item: Record<string, unknown>): T =>
  Object.fromEntries(Object.entries(item).filter(([key]) => !FIELDS_OF_ITEM.has(key))) as T;

function timerToItem(timer: AlertTimer): Record<string, unknown> {
  return {
    ...timerKey(timer.id),
    kind: 'alert-timer',
    ...timer,
    [INDEXES.dueInstances.pk]: TIMERS_PARTITION,
    [INDEXES.dueInstances.sk]: `${timer.dueAt}#${timer.id}`,
  };
}

export function createDynamoDbAlertStore(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
}): AlertStore {
  const { client, tableName: TableName } = options;
  /** The indexes keep keys only: the items are read by key, in the index's order. */
  async function itemsOf<T>(rows: Record<string, unknown>[] | undefined): Promise<T[]> {
    const items = await Promise.all(
      (rows ?? []).map(async (row) => {
        const item = await client.send(new GetCommand({ TableName, Key: { pk: row.pk, sk: row.sk } }));
        return item.Item ? withoutKeys<T>(item.Item) : undefined;
      }),
    );
    return items.filter((item): item is Awaited<T> => item !== undefined) as T[];
  }
  return {
    async createAlert(alert, delivery) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: { TableName, Item: alertToItem(alert), ConditionExpression: 'attribute_not_exists(pk)' },
              },
              { Put: { TableName, Item: timerToItem(delivery) } },
            ],
          }),
        );
        return true;
      } catch (error) {
        const lost =
          error instanceof TransactionCanceledException &&
          (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
        if (lost) return false;
        throw error;
      }
    },

    async getAlert(id) {
      const out = await client.send(new GetCommand({ TableName, Key: alertKey(id), ConsistentRead: true }));
      return out.Item ? withoutKeys<Alert>(out.Item) : undefined;
    },

    async updateAlertDelivery(id, patch) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: alertKey(id),
          UpdateExpression: 'SET delivery = :delivery, channels = :channels',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':delivery': patch.delivery, ':channels': patch.channels },
        }),
      );
    },

    async listAlerts({ workflowId, limit, cursor }) {
      const index = workflowId ? INDEXES.instancesByDay : INDEXES.instancesByWorkflow;
      const out = await client.send(
        new QueryCommand({
          TableName,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': index.pk },
          ExpressionAttributeValues: { ':pk': workflowId ? byWorkflow(workflowId) : ALL_ALERTS_PARTITION },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: cursor ? decodeCursor<Record<string, unknown>>(cursor) : undefined,
        }),
      );
      return {
        items: await itemsOf<Alert>(out.Items),
        ...(out.LastEvaluatedKey ? { cursor: encodeCursor(out.LastEvaluatedKey) } : {}),
      };
    },

    async putTimer(timer) {
      await client.send(new PutCommand({ TableName, Item: timerToItem(timer) }));
    },

    async listDueTimers(now, limit) {
      const out = await client.send(new QueryCommand(dueBefore(TableName, TIMERS_PARTITION, now, limit)));
      return itemsOf<AlertTimer>(out.Items);
    },

    async cancelTimer(id) {
      await client.send(new DeleteCommand({ TableName, Key: timerKey(id) }));
    },

    async deleteTimer(timer) {
      // Only the timer as read: one moved meanwhile (a later delivery attempt) stays.
      await client
        .send(
          new DeleteCommand({
            TableName,
            Key: timerKey(timer.id),
            ConditionExpression: 'dueAt = :dueAt',
            ExpressionAttributeValues: { ':dueAt': timer.dueAt },
          }),
        )
        .catch((error: unknown) => {
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        });
    },
  };
}
