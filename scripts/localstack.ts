// The LocalStack path (needs Docker and LocalStack running; see README "Three ways to run").
//   node scripts/localstack.ts deploy   cdklocal bootstrap + deploy of the `local` stage and
//                                       the integration suite's task functions; outputs in
//                                       .rondo/localstack/outputs.json
//   node scripts/localstack.ts test     the integration suite's API-level files against it
// AWS_ENDPOINT_URL (default http://localhost.localstack.cloud:4566) names LocalStack.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LOCALSTACK_STAGE, RESOURCE_PREFIX } from '../infra/topology.ts';
import { LOCALSTACK_OUTPUTS_FILE, LOCALSTACK_SUITE } from '../test/integration/localstack.ts';

const ROOT = join(import.meta.dirname, '..');
const OUTPUTS = LOCALSTACK_OUTPUTS_FILE;
const ENDPOINT = process.env.AWS_ENDPOINT_URL ?? 'http://localhost.localstack.cloud:4566';

async function requireLocalStack(): Promise<void> {
  try {
    const response = await fetch(`${ENDPOINT}/_localstack/health`);
    if (response.ok) return;
    throw new Error(`answered ${response.status}`);
  } catch (error) {
    console.error(`LocalStack is not reachable at ${ENDPOINT} (${String(error)}).`);
    console.error('Start it (docker run --rm -p 4566:4566 localstack/localstack) or set AWS_ENDPOINT_URL.');
    process.exit(2);
  }
}

function run(command: string, args: string[], env: Record<string, string> = {}): void {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, AWS_ENDPOINT_URL: ENDPOINT, ...env },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const context = [
  `stage=${LOCALSTACK_STAGE}`,
  // LocalStack enforces no IAM, so unsigned requests act as this identity (X-Rondo-User another).
  'developmentIdentity=admin',
  'taskFixtures=true',
  'reserveConcurrency=false',
].flatMap((entry) => ['-c', entry]);

const command = process.argv[2];
await requireLocalStack();
if (command === 'deploy') {
  mkdirSync(dirname(join(ROOT, OUTPUTS)), { recursive: true });
  run('npx', ['cdklocal', 'bootstrap', ...context]);
  run('npx', [
    'cdklocal',
    'deploy',
    `${RESOURCE_PREFIX}-${LOCALSTACK_STAGE}`,
    `${RESOURCE_PREFIX}-${LOCALSTACK_STAGE}-task-fixtures`,
    '--require-approval',
    'never',
    '--outputs-file',
    OUTPUTS,
    ...context,
  ]);
} else if (command === 'test') {
  if (!existsSync(join(ROOT, OUTPUTS))) {
    console.error(`${OUTPUTS} is missing: run npm run deploy:local first.`);
    process.exit(2);
  }
  run('npx', ['vitest', 'run', '--project', 'integration', ...LOCALSTACK_SUITE], {
    RONDO_TARGET: 'localstack',
  });
} else {
  console.error('usage: node scripts/localstack.ts deploy|test');
  process.exit(2);
}
