// CloudFormation custom resource `Custom::RondoWorkflow` (through the CDK Provider
// framework, which answers CloudFormation): a workflow declared in a team's CDK app is saved,
// replaced or removed by the engine's own code, exactly as through the API.
import middy from '@middy/core';
import { dynamoDb } from '#functions/commons/clients.ts';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { logger, observed } from '#functions/commons/observability.ts';
import { createDynamoDbWorkflowManagers } from '#shared/aws/dynamodb/workflow-managers.ts';
import { applyWorkflowResource } from '#shared/engine/workflow-resources.ts';
import { ValidationError } from '#shared/errors.ts';
import { workflowResourceEventSchema } from './schema.ts';

const config = loadEngineConfig(process.env);
const deps = {
  ...createEngineDeps(config),
  managers: createDynamoDbWorkflowManagers({ client: dynamoDb, tableName: config.tableName }),
};

/** CloudFormation shows at most 4 KB of a custom resource's answer: the reason stays well under. */
const MAX_REASON_CHARS = 1_500;

/** The stack name out of its ARN: `arn:aws:cloudformation:…:stack/<name>/<id>`. */
const stackName = (stackId: string) => stackId.split('/')[1] ?? stackId;

export const handler = middy(async (event: unknown) => {
  const request = workflowResourceEventSchema.parse(event);
  const properties = request.ResourceProperties;
  const actor = properties.Owner ?? 'cloudformation';
  const resource = { stackId: request.StackId, logicalResourceId: request.LogicalResourceId };
  try {
    const result =
      request.RequestType === 'Delete'
        ? await applyWorkflowResource(deps, {
            resource,
            type: 'Delete',
            workflowId: request.PhysicalResourceId,
            onDelete: properties.OnDelete,
            actor,
          })
        : await applyWorkflowResource(deps, {
            resource,
            type: request.RequestType,
            definition: JSON.parse(properties.Definition),
            actor,
          });
    logger.info(`workflow ${request.RequestType.toLowerCase()}`, {
      workflowId: result.physicalResourceId,
      version: result.version,
      changed: result.changed,
      ...(result.skipped ? { skipped: result.skipped } : {}),
      stack: stackName(request.StackId),
      onDelete: properties.OnDelete,
    });
    return {
      PhysicalResourceId: result.physicalResourceId,
      Data: {
        WorkflowId: result.physicalResourceId,
        ...(result.version === undefined ? {} : { Version: String(result.version) }),
      },
    };
  } catch (error) {
    // CloudFormation shows only the message: put every fault and its path in it.
    if (error instanceof ValidationError) {
      const faults = error.details.map((d) => `${d.path || '(definition)'}: ${d.message}`).join('; ');
      const reason = `${error.code}: ${error.message}${faults ? ` (${faults})` : ''}`;
      throw new Error(
        reason.length > MAX_REASON_CHARS
          ? `${reason.slice(0, MAX_REASON_CHARS)}… (more in the function's log)`
          : reason,
        { cause: error },
      );
    }
    throw error;
  }
}).use(observed());
