// What a team's own CDK app imports from Rondo (`import { RondoWorkflow } from 'rondo/cdk'`):
// the stack, the workflow construct, and the definition's types.

export type { OnDelete } from '../shared/engine/workflow-resources.ts';
export type { WorkflowDefinition, WorkflowDefinitionInput } from '../shared/model/workflow.ts';
export { RondoWorkflow, type RondoWorkflowProps } from './constructs/rondo-workflow.ts';
export { RondoStack, type RondoStackProps } from './rondo-stack.ts';
