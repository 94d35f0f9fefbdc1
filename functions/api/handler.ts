// API Gateway HTTP API (payload 2.0) → the /v1 router.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { dynamoDb } from '#functions/commons/clients.ts';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { observed } from '#functions/commons/observability.ts';
import { createDynamoDbAlertStore } from '#shared/aws/dynamodb/alert-store.ts';
import pkg from '../../package.json' with { type: 'json' };
import { createApiRouter, resolveRequest } from './router.ts';

const config = loadEngineConfig(process.env);
const router = createApiRouter(createEngineDeps(config), {
  version: pkg.version,
  developmentIdentity: config.developmentIdentity,
  admins: config.admins,
  alerts: createDynamoDbAlertStore({ client: dynamoDb, tableName: config.tableName }),
});

export const handler = middy((event: APIGatewayProxyEventV2, context: Context) =>
  resolveRequest(router, event, context),
).use(observed());
