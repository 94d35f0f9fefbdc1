// The CDK app: one Rondo stack per stage. `npm run synth` (or `npx cdk deploy -c stage=prod`).
// Context: `stage` (default dev), `logLevel` (default INFO), `taskFunctionPrefix` (default
// rondo-task-), `admins` (comma-separated identities), `alarmEmail`, and `jwtIssuer` with
// `jwtAudience` (comma-separated) for the JWT auth mode instead of IAM.
import { App, Tags } from 'aws-cdk-lib';
import { addSecurityChecks } from '../nag.ts';
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
const list = (key: string) =>
  context(key)
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const jwtIssuer = context('jwtIssuer');
const admins = list('admins');
const alarmEmail = context('alarmEmail');

// No `env`: the stack is environment-agnostic, so it synthesizes offline and deploys to the
// account and region of the credentials `cdk deploy` runs with.
const stack = new RondoStack(app, `${RESOURCE_PREFIX}-${stage}`, {
  stage,
  description: `Rondo workflow orchestrator (${stage})`,
  logLevel: context('logLevel'),
  taskFunctionPrefix: context('taskFunctionPrefix'),
  ...(admins ? { admins } : {}),
  ...(alarmEmail ? { alarmEmail } : {}),
  ...(jwtIssuer
    ? { apiAuth: { mode: 'JWT' as const, issuer: jwtIssuer, audience: list('jwtAudience') ?? [] } }
    : {}),
});
Tags.of(stack).add('rondo:stage', stage);
addSecurityChecks(app);
