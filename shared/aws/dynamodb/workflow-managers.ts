// The WorkflowManagers port in Rondo's table: one small item per CloudFormation-managed workflow.
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WorkflowManagers } from '../../ports/workflow-managers.ts';
import type { Key } from './table.ts';

const managerKey = (workflowId: string): Key => ({ pk: `WFMGR#${workflowId}`, sk: '#MANAGER' });

export function createDynamoDbWorkflowManagers(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
}): WorkflowManagers {
  const { client, tableName: TableName } = options;
  return {
    async get(workflowId) {
      const out = await client.send(
        new GetCommand({ TableName, Key: managerKey(workflowId), ConsistentRead: true }),
      );
      return out.Item
        ? { stackId: String(out.Item.stackId), logicalResourceId: String(out.Item.logicalResourceId) }
        : undefined;
    },
    async put(workflowId, manager) {
      await client.send(
        new PutCommand({
          TableName,
          Item: { ...managerKey(workflowId), kind: 'workflow-manager', ...manager },
        }),
      );
    },
    async release(workflowId, manager) {
      await client
        .send(
          new DeleteCommand({
            TableName,
            Key: managerKey(workflowId),
            ConditionExpression: 'stackId = :stack AND logicalResourceId = :resource',
            ExpressionAttributeValues: { ':stack': manager.stackId, ':resource': manager.logicalResourceId },
          }),
        )
        .catch((error: unknown) => {
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        });
    },
  };
}
