// Starts the embedded runtime once for the whole integration run (not once per test) and
// hands its addresses to the tests through vitest's provide/inject.
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { PROJECT_ROOT, type Runtime, startRuntime } from '#local/runtime.ts';
import type { SchedulePump } from '#local/schedule-pump.ts';
import { LOCALSTACK_OUTPUTS_FILE, localStackTarget } from './localstack.ts';

/** Task secrets the suite's runtime serves (`{{secret:NAME}}`). */
export const TEST_SECRETS = { 'receiver-token': 'rondo-test-secret-7f3a9c41' };
export const TEST_HTTP_ALLOWED_HOSTS = ['127.0.0.1', 'localhost', '::1'];

/** What tests read of the runtime started here. */
const RUNTIME_INFO = [
  'apiUrl',
  'awsEndpoint',
  'dynamoDbEndpoint',
  'sqsEndpoint',
  'tableName',
  'queueUrls',
  'deadLetterQueueUrls',
  'environment',
] as const;

export type RuntimeInfo = Pick<Runtime, (typeof RUNTIME_INFO)[number]>;

declare module 'vitest' {
  export interface ProvidedContext {
    runtime: RuntimeInfo;
  }
}

/** Short enough that a message left in flight by a failed handler comes back within a test. */
export const TEST_VISIBILITY_TIMEOUT_SECONDS = 2;

let runtime: Runtime | undefined;
let pump: SchedulePump | undefined;

export async function setup(project: TestProject) {
  // `npm run test:localstack`: the stack deployed to LocalStack instead of the embedded runtime.
  if (process.env.RONDO_TARGET === 'localstack') {
    const target = localStackTarget(join(PROJECT_ROOT, LOCALSTACK_OUTPUTS_FILE));
    pump = target.startPump();
    project.provide('runtime', target.info);
    return;
  }
  runtime = await startRuntime({
    port: 0,
    developmentIdentity: 'admin',
    workflowsDir: join(PROJECT_ROOT, 'examples', 'workflows'),
    functionsDirs: [
      join(PROJECT_ROOT, 'examples', 'functions'),
      join(PROJECT_ROOT, 'test', 'fixtures', 'functions'),
    ],
    visibilityTimeoutSeconds: TEST_VISIBILITY_TIMEOUT_SECONDS,
    logLevel: 'ERROR',
    secrets: TEST_SECRETS,
    // Every test service listens on the loopback interface; anything else is refused.
    httpAllowedHosts: TEST_HTTP_ALLOWED_HOSTS,
    onError: () => {},
  });
  const started = runtime;
  project.provide(
    'runtime',
    Object.fromEntries(RUNTIME_INFO.map((key) => [key, started[key]])) as RuntimeInfo,
  );
}

export async function teardown() {
  await pump?.stop();
  await runtime?.stop();
}
