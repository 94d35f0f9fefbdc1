// AWS clients, built once per process at module scope and instrumented once. Endpoints
// come from the SDK's own configuration (AWS_ENDPOINT_URL_<SERVICE> in the embedded runtime).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requestAccounting } from '#shared/aws/request-accounting.ts';
import { tracer } from './observability.ts';

function instrumented<
  C extends { middlewareStack: { use(plugin: ReturnType<typeof requestAccounting>): void } },
>(client: C): C {
  client.middlewareStack.use(requestAccounting());
  // A subsegment per AWS request in X-Ray (a no-op outside Lambda).
  return tracer.captureAWSv3Client(client);
}

export const dynamoDb = DynamoDBDocumentClient.from(instrumented(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
export const sqs = instrumented(new SQSClient({}));
export const sfn = instrumented(new SFNClient({}));
export const lambda = instrumented(new LambdaClient({}));
export const scheduler = instrumented(new SchedulerClient({}));
export const eventBridge = instrumented(new EventBridgeClient({}));
export const secretsManager = instrumented(new SecretsManagerClient({}));
export const sns = instrumented(new SNSClient({}));
