// The CloudFormation custom-resource request as the CDK Provider framework hands it to its
// onEvent handler. CloudFormation passes every property as a string, so the definition
// travels as JSON text.
import { z } from 'zod';
import { ON_DELETE } from '#shared/engine/workflow-resources.ts';

export const workflowResourcePropertiesSchema = z.object({
  ServiceToken: z.string().optional(),
  WorkflowId: z.string().min(1),
  Definition: z.string().min(2),
  OnDelete: z.enum(ON_DELETE).default('DELETE'),
  /** Who owns the workflow when the resource creates it (else `cloudformation`). */
  Owner: z.string().min(1).optional(),
});

const common = {
  RequestId: z.string(),
  StackId: z.string(),
  LogicalResourceId: z.string(),
  ResourceType: z.string(),
  ResourceProperties: workflowResourcePropertiesSchema,
};

export const workflowResourceEventSchema = z.discriminatedUnion('RequestType', [
  z.object({ ...common, RequestType: z.literal('Create') }),
  z.object({
    ...common,
    RequestType: z.literal('Update'),
    PhysicalResourceId: z.string(),
    OldResourceProperties: z.record(z.string(), z.unknown()),
  }),
  z.object({ ...common, RequestType: z.literal('Delete'), PhysicalResourceId: z.string() }),
]);
export type WorkflowResourceEvent = z.infer<typeof workflowResourceEventSchema>;
