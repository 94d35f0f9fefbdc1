// CloudFormation custom resource `Custom::RondoWorkflow` (through the CDK Provider
// framework, which answers CloudFormation): a workflow declared in a team's CDK app is saved,
// replaced or removed by the engine's own code, exactly as through the API.
import middy from '@middy/core';
import { loadEngineConfig } from '#functions/commons/config.ts';
import { createEngineDeps } from '#functions/commons/engine.ts';
import { logger, observed } from '#functions/commons/observability.ts';
import { applyWorkflowResource } from '#shared/engine/workflow-resources.ts';
import { ValidationError } from '#shared/errors.ts';
import { workflowResourceEventSchema } from './schema.ts';

const deps = createEngineDeps(loadEngineConfig(process.env));

/** The stack name out of its ARN: `arn:aws:cloudformation:…:stack/<name>/<id>`. */
const stackName = (stackId: string) => stackId.split('/')[1] ?? stackId;

export const handler = middy(async (event: unknown) => {
  const request = workflowResourceEventSchema.parse(event);
  const properties = request.ResourceProperties;
  const actor = properties.Owner ?? 'cloudformation';
  try {
    const result =
      request.RequestType === 'Delete'
        ? await applyWorkflowResource(deps, {
            type: 'Delete',
            workflowId: request.PhysicalResourceId,
            onDelete: properties.OnDelete,
            actor,
          })
        : await applyWorkflowResource(deps, {
            type: request.RequestType,
            definition: JSON.parse(properties.Definition),
            actor,
          });
    logger.info(`workflow ${request.RequestType.toLowerCase()}`, {
      workflowId: result.physicalResourceId,
      version: result.version,
      changed: result.changed,
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
      throw new Error(`${error.code}: ${error.message}${faults ? ` (${faults})` : ''}`, { cause: error });
    }
    throw error;
  }
}).use(observed());
