// `npm start`: the embedded runtime. Options: --port N (or RONDO_PORT), --in-memory,
// --data-dir DIR (default .rondo), --user NAME (development identity), --log-level LEVEL.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { StatusEventLevel } from '#shared/model/status-change.ts';
import { consoleBuilt } from './console.ts';
import { PROJECT_ROOT, startRuntime } from './runtime.ts';

const DEFAULT_PORT = 3000;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'in-memory': { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    user: { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(
    'Usage: npm start -- [--port 3000] [--in-memory] [--data-dir .rondo] [--user admin] [--log-level WARN]',
  );
  process.exit(0);
}

const port = Number(values.port ?? process.env.RONDO_PORT ?? DEFAULT_PORT);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be a port number, not '${values.port ?? process.env.RONDO_PORT}'`);
  process.exit(2);
}
const dataDir = values['in-memory'] ? undefined : (values['data-dir'] ?? join(PROJECT_ROOT, '.rondo'));
const started = Date.now();
const runtime = await startRuntime({
  port,
  dataDir,
  developmentIdentity: values.user ?? 'admin',
  workflowsDir: join(PROJECT_ROOT, 'examples', 'workflows'),
  functionsDirs: [join(PROJECT_ROOT, 'examples', 'functions')],
  logLevel: values['log-level'] ?? 'WARN',
  // Task secrets ({{secret:NAME}}) for local runs; RONDO_SECRET_<NAME> variables work too.
  secretsFile: join(PROJECT_ROOT, '.rondo', 'secrets.json'),
  ...(process.env.RONDO_HTTP_ALLOWED_HOSTS
    ? { httpAllowedHosts: process.env.RONDO_HTTP_ALLOWED_HOSTS.split(',').map((h) => h.trim()) }
    : {}),
  ...(process.env.RONDO_STATUS_EVENTS
    ? { statusEvents: process.env.RONDO_STATUS_EVENTS as StatusEventLevel }
    : {}),
  // Local shell tasks may run longer than AWS's functions allow attempts inline (870 s).
  ...(process.env.RONDO_MAX_INLINE_ATTEMPT_SECONDS
    ? { maxInlineAttemptSeconds: Number(process.env.RONDO_MAX_INLINE_ATTEMPT_SECONDS) }
    : {}),
});

console.log(`
  Rondo embedded runtime is up (${((Date.now() - started) / 1000).toFixed(1)} s, Node ${process.version})

  Console         ${runtime.apiUrl}/${consoleBuilt() ? '' : '   (not built: npm run build:console)'}
  API             ${runtime.apiUrl}/v1            try: curl ${runtime.apiUrl}/v1/instances
  Health          ${runtime.apiUrl}/v1/health
  AWS endpoints   DynamoDB ${runtime.dynamoDbEndpoint}   SQS/S3 ${runtime.sqsEndpoint}
                  Step Functions, EventBridge, Scheduler, Lambda, Secrets Manager ${runtime.awsEndpoint}
  Data            ${dataDir ?? 'in memory (nothing kept)'}
  Workflows       ${runtime.loadedWorkflows.join(', ') || 'none'}
  Task functions  ${
    runtime.lambda
      .names()
      .filter((n) => !n.startsWith('rondo-'))
      .join(', ') || 'none'
  }

  Ctrl-C stops.
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await runtime.stop();
  console.log('Stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
