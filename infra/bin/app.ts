// The CDK app: one Rondo stack per stage. `npm run synth` (or `npx cdk deploy -c stage=prod`).
// Context: `stage` (default dev), `logLevel` (default INFO), `taskFunctionPrefix` (default rondo-task-).
import { App, Tags } from 'aws-cdk-lib';
import { DEFAULT_STAGE, RondoStack } from '../rondo-stack.ts';
import { RESOURCE_PREFIX } from '../topology.ts';

const app = new App();

const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`context '${key}' must be a string`);
  return value;
};

const stage = context('stage') ?? DEFAULT_STAGE;

// No `env`: the stack is environment-agnostic, so it synthesizes offline and deploys to the
// account and region of the credentials `cdk deploy` runs with.
const stack = new RondoStack(app, `${RESOURCE_PREFIX}-${stage}`, {
  stage,
  description: `Rondo workflow orchestrator (${stage})`,
  logLevel: context('logLevel'),
  taskFunctionPrefix: context('taskFunctionPrefix'),
});
Tags.of(stack).add('rondo:stage', stage);
