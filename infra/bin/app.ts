// The CDK app: one Rondo stack per stage. `npm run synth` (or `npx cdk deploy -c stage=prod`).
// Context: `stage` (default dev), `logLevel` (default INFO), `logRetentionDays` (default 30),
// `taskFunctionPrefix` (default rondo-task-), `admins` (comma-separated identities),
// `alarmEmail`, `alarmTopicArn` (notify an existing topic instead), and `jwtIssuer` with
// `jwtAudience` (comma-separated) for the JWT auth mode instead of IAM, `reserveConcurrency`
// (`false` in accounts still at the default concurrency limit of 10), and
// `developmentIdentity` (the LocalStack stage `local` only, see scripts/localstack.ts),
// `httpAllowedHosts` (comma-separated hosts, *.domains, addresses, CIDR blocks `http` tasks
// may call), `secretPrefix` (Secrets Manager prefix of task secrets, default rondo/<stage>/),
// `statusEvents` (ALL, FINISHED or NONE: which status changes become events, default ALL)
// and `consoleClientId` (deploy the web console on CloudFront, signing in as this client of
// the JWT issuer; run `npm run build:console` first).
import { App, Tags } from 'aws-cdk-lib';
import type { StatusEventLevel } from '#shared/model/status-change.ts';
import { addSecurityChecks } from '../nag.ts';
import { DEFAULT_STAGE, RondoStack } from '../rondo-stack.ts';
import { TaskFixturesStack } from '../task-fixtures-stack.ts';
import { LOCALSTACK_STAGE, RESOURCE_PREFIX } from '../topology.ts';

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
const developmentIdentity = context('developmentIdentity');
const reserveConcurrency = context('reserveConcurrency');
const alarmTopicArn = context('alarmTopicArn');
const logRetentionDays = context('logRetentionDays');
const httpAllowedHosts = list('httpAllowedHosts');
const secretPrefix = context('secretPrefix');
const consoleClientId = context('consoleClientId');
const statusEvents = context('statusEvents');

// No `env`: the stack is environment-agnostic, so it synthesizes offline and deploys to the
// account and region of the credentials `cdk deploy` runs with.
const stack = new RondoStack(app, `${RESOURCE_PREFIX}-${stage}`, {
  stage,
  description: `Rondo workflow orchestrator (${stage})`,
  logLevel: context('logLevel'),
  taskFunctionPrefix: context('taskFunctionPrefix'),
  ...(admins ? { admins } : {}),
  ...(alarmEmail ? { alarmEmail } : {}),
  ...(developmentIdentity ? { developmentIdentity } : {}),
  ...(alarmTopicArn ? { alarmTopicArn } : {}),
  ...(logRetentionDays ? { logRetentionDays: Number(logRetentionDays) } : {}),
  ...(httpAllowedHosts ? { httpAllowedHosts } : {}),
  ...(secretPrefix ? { secretPrefix } : {}),
  ...(statusEvents ? { statusEvents: statusEvents as StatusEventLevel } : {}),
  ...(consoleClientId ? { console: { clientId: consoleClientId } } : {}),
  ...(reserveConcurrency === 'false' ? { reserveConcurrency: false } : {}),
  ...(jwtIssuer
    ? { apiAuth: { mode: 'JWT' as const, issuer: jwtIssuer, audience: list('jwtAudience') ?? [] } }
    : {}),
});
Tags.of(stack).add('rondo:stage', stage);
// `npm run deploy:local`: the integration suite's task functions, for LocalStack only.
if (context('taskFixtures') === 'true') {
  if (stage !== LOCALSTACK_STAGE) throw new Error(`taskFixtures is for the '${LOCALSTACK_STAGE}' stage only`);
  new TaskFixturesStack(app, `${RESOURCE_PREFIX}-${stage}-task-fixtures`, {
    description: 'Rondo integration-suite task functions (LocalStack)',
  });
}
addSecurityChecks(app);
