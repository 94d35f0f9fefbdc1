// The DynamoDB store on a DynamoDB Local of its own, for tests of the adapter's items.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/constants.ts';
import { createRondoTable, startDynamoDbLocal } from '#local/dynamodb.ts';
import { createDynamoDbStore } from '#shared/aws/dynamodb/store.ts';

/** Starts DynamoDB Local, creates Rondo's table `table` in it, and the store on that table. */
export async function startLocalStore(table: string) {
  const dynamoDb = await startDynamoDbLocal({});
  const raw = new DynamoDBClient({
    endpoint: dynamoDb.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await createRondoTable(raw, table);
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return { dynamoDb, client, store: createDynamoDbStore({ client, tableName: table }) };
}
