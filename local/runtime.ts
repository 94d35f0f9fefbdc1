// The embedded runtime: AWS emulators in one process, wired to Rondo's own handlers with
// the environment CDK gives them. Handlers reach every service through the SDK, pointed
// here by AWS_ENDPOINT_URL_<SERVICE>; they cannot tell where they run.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { applyWorkflows } from '#cli/apply.ts';
import { createApiClient } from '#cli/client.ts';
import { formatFileFaults, readWorkflowFiles } from '#cli/workflow-files.ts';
import { ENV, OPTIONAL_ENV } from '#functions/commons/config.ts';
import { loopStateMachineDefinition } from '#infra/state-machines/loop.ts';
import { retryStateMachineDefinition } from '#infra/state-machines/retry.ts';
import {
  EVENT_BUS,
  EXTERNAL_EVENTS_RULE,
  engineEnvironment,
  FUNCTIONS,
  type FunctionName,
  LOCAL_EXECUTORS,
  MAX_INLINE_ATTEMPT_SECONDS,
  metricsNamespace,
  QUEUES,
  type QueueName,
  RECONCILER_SCHEDULE,
  RESOURCE_PREFIX,
  SCHEDULE_GROUP,
  STATUS_STREAM,
  visibilityTimeoutSeconds,
} from '#infra/topology.ts';
import type { StatusEventLevel } from '#shared/model/status-change.ts';
import type { Clock } from '#shared/ports/clock.ts';
import { type ApiGatewayOptions, LocalApiGateway } from './api-gateway.ts';
import { AwsEndpoint } from './aws-endpoint.ts';
import { serveConsole } from './console.ts';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from './constants.ts';
import { createRondoTable, startDynamoDbLocal, tableStreamArn } from './dynamodb.ts';
import { DynamoDbStreamMapping } from './dynamodb-stream-mapping.ts';
import { EventSourceMapping } from './event-source-mapping.ts';
import { LocalEventBus } from './eventbridge/event-bus.ts';
import { functionArn, type LambdaHandler, LocalLambdaService } from './lambda-service.ts';
import { LocalScheduler } from './scheduler-service.ts';
import { LOCAL_SECRET_PREFIX, LocalSecretsManager } from './secrets-manager-service.ts';
import { LocalStepFunctions } from './stepfunctions-service.ts';

export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

export type RuntimeOptions = {
  /** API port; 0 picks a free one. */
  port: number;
  /** Where state is kept between restarts; undefined keeps everything in memory. */
  dataDir?: string;
  developmentIdentity?: string;
  /** Identities that may do everything (default: the development identity). */
  admins?: string[];
  /** Folder of example workflows (JSON) to load at start; undefined loads none. */
  workflowsDir?: string;
  /** Folders of local Lambda functions for `lambda` tasks (one module per function). */
  functionsDirs?: string[];
  /** Overrides every queue's visibility timeout (tests that crash handlers on purpose). */
  visibilityTimeoutSeconds?: number;
  /**
   * Overrides every queue's receive count before a message moves to its DLQ: with a visibility
   * timeout shorter than handlers take, messages come back while they are still being handled,
   * and five receives no longer mean five failures.
   */
  maxReceiveCount?: number;
  logLevel?: string;
  /** Print the functions' embedded metrics (CloudWatch EMF lines) to stdout, as Lambda would. */
  metrics?: boolean;
  /** The reconciler's schedule expression (tests sweep more often). */
  reconcilerExpression?: string;
  /** Seconds past its due time before the reconciler heals an instance. */
  graceSeconds?: number;
  /** Fault injection: every queue hands each batch to its consumer twice at once. */
  duplicateDelivery?: boolean;
  /** Keep a log of every Lambda invocation (`runtime.lambda.invocations`). */
  recordInvocations?: boolean;
  /** The scheduler's clock (tests move it to fire schedules across hours and DST changes). */
  clock?: Clock;
  onError?: (source: string, error: unknown) => void;
  /** Task secrets by name (`{{secret:NAME}}`), before those of `secretsFile` and RONDO_SECRET_<NAME>. */
  secrets?: Record<string, string>;
  /** A JSON file of `{ "NAME": "value" }` task secrets (`npm start`: `.rondo/secrets.json`). */
  secretsFile?: string;
  /** Hosts, `*.domains`, addresses and CIDR blocks `http` tasks may call (unset: any). */
  httpAllowedHosts?: string[];
  /** Which status changes become events on the local bus (default ALL). */
  statusEvents?: StatusEventLevel;
  /**
   * The longest an attempt runs inside a function (default: AWS's, 870 s); `npm start` takes
   * RONDO_MAX_INLINE_ATTEMPT_SECONDS, for local `shell` tasks that run longer.
   */
  maxInlineAttemptSeconds?: number;
};

export type Runtime = {
  apiUrl: string;
  awsEndpoint: string;
  dynamoDbEndpoint: string;
  sqsEndpoint: string;
  tableName: string;
  queueUrls: Record<QueueName, string>;
  deadLetterQueueUrls: Record<QueueName, string>;
  /** The environment handlers run with (also set on this process). */
  environment: Record<string, string>;
  lambda: LocalLambdaService;
  stepFunctions: LocalStepFunctions;
  scheduler: LocalScheduler;
  eventBus: LocalEventBus;
  loadedWorkflows: string[];
  /** Messages the event-source mappings delivered twice (`duplicateDelivery`). */
  duplicatedMessages(): number;
  stop(): Promise<void>;
};

const localName = (name: string) => `${RESOURCE_PREFIX}-${name}`;

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const onError = options.onError ?? ((source, error) => console.error(`[${source}]`, error));
  const dataDir = options.dataDir;
  const [dynamoDb, sqsServer] = await Promise.all([
    startDynamoDbLocal({ dataDir: dataDir && join(dataDir, 'dynamodb') }),
    startFauxqs({
      port: 0,
      logger: false,
      ...(dataDir ? { dataDir: join(dataDir, 'sqs'), s3StorageDir: join(dataDir, 's3') } : {}),
    }),
  ]);
  const stops: (() => Promise<void>)[] = [() => dynamoDb.stop(), () => sqsServer.stop()];
  try {
    const sqsEndpoint = sqsServer.address;
    const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const sqs = new SQSClient({ ...clientConfig, endpoint: sqsEndpoint });
    const dynamoDbClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamoDb.endpoint });
    const tableName = localName('table');
    await createRondoTable(dynamoDbClient, tableName);
    const streamArn = await tableStreamArn(dynamoDbClient, tableName);
    dynamoDbClient.destroy();

    const queues = await createQueues(sqs, sqsEndpoint, {
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      maxReceiveCount: options.maxReceiveCount,
    });
    // The alert topic `sns` channels default to (fauxqs speaks SNS too).
    const snsClient = new SNSClient({ ...clientConfig, endpoint: sqsEndpoint });
    const { TopicArn: alertTopicArn = '' } = await snsClient.send(
      new CreateTopicCommand({ Name: localName('alerts') }),
    );
    snsClient.destroy();

    const lambda = new LocalLambdaService();
    lambda.recordInvocations = options.recordInvocations ?? false;
    lambda.onError = (name, error) => onError(`lambda ${name}`, error);
    const stepFunctions = new LocalStepFunctions(lambda);
    stepFunctions.onExecutionFailed = (e) =>
      onError('stepfunctions', new Error(`${e.executionArn}: ${e.error} ${e.cause}`));
    const retryStateMachineArn = stepFunctions.createStateMachine(
      localName('retry'),
      retryStateMachineDefinition({ retryAttemptFunctionArn: functionArn(localName('retry-attempt')) }),
    );
    const loopStateMachineArn = stepFunctions.createStateMachine(
      localName('loop'),
      loopStateMachineDefinition({ loopFunctionArn: functionArn(localName('loop')) }),
    );

    const queueArnToUrl = new Map(Object.values(queues).map((q) => [q.arn, q.url]));
    // Any queue of the emulator, by ARN (arn:aws:sqs:<region>:<account>:<name>).
    const sendToQueue = async (queueArn: string, body: string) => {
      const url =
        queueArnToUrl.get(queueArn) ?? `${sqsEndpoint}/${LOCAL_ACCOUNT}/${queueArn.split(':')[5] ?? ''}`;
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    };
    const scheduler = new LocalScheduler({
      ...(options.clock ? { clock: options.clock } : {}),
      persistPath: dataDir && join(dataDir, 'scheduler', 'schedules.json'),
      deliver: async (targetArn, payload) => {
        // Scheduler invokes Lambda targets asynchronously (function errors get Lambda's own retries).
        if (targetArn.startsWith('arn:aws:lambda:')) lambda.invokeAsync(targetArn, JSON.parse(payload));
        else await sendToQueue(targetArn, payload);
      },
    });
    scheduler.onDeliveryFailed = (name, error) => onError(`scheduler ${name}`, error);

    const eventBus = new LocalEventBus({ deliver: (arn, event) => sendToQueue(arn, JSON.stringify(event)) });
    eventBus.putRule(EVENT_BUS, EXTERNAL_EVENTS_RULE.name, EXTERNAL_EVENTS_RULE.pattern, [
      (event) => sendToQueue(queues[EXTERNAL_EVENTS_RULE.target].arn, JSON.stringify(event)),
    ]);

    const endpoint = new AwsEndpoint();
    endpoint.addJsonService('AWSStepFunctions', stepFunctions.operations());
    endpoint.addJsonService('AWSEvents', eventBus.operations());
    endpoint.addJsonService(
      'secretsmanager',
      new LocalSecretsManager({
        ...(options.secrets ? { secrets: options.secrets } : {}),
        ...(options.secretsFile ? { file: options.secretsFile } : {}),
      }).operations(),
    );
    endpoint.addRestRoutes([...lambda.restRoutes(), ...scheduler.restRoutes()]);
    const awsEndpoint = await endpoint.listen();
    stops.unshift(() => endpoint.close());

    const environment: Record<string, string> = {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_S3: sqsEndpoint,
      AWS_ENDPOINT_URL_SFN: awsEndpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: awsEndpoint,
      AWS_ENDPOINT_URL_SCHEDULER: awsEndpoint,
      AWS_ENDPOINT_URL_LAMBDA: awsEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: awsEndpoint,
      AWS_ENDPOINT_URL_SNS: sqsEndpoint,
      [OPTIONAL_ENV.alertTopicArn]: alertTopicArn,
      // Links in alerts: absolute when the port is known before the handlers load.
      ...(options.port ? { [OPTIONAL_ENV.linkBaseUrl]: `http://127.0.0.1:${options.port}` } : {}),
      [OPTIONAL_ENV.secretPrefix]: LOCAL_SECRET_PREFIX,
      // As in AWS: an attempt runs inside its function for at most the function's timeout less a margin.
      [OPTIONAL_ENV.maxInlineAttemptSeconds]: String(
        options.maxInlineAttemptSeconds ?? MAX_INLINE_ATTEMPT_SECONDS,
      ),
      ...(options.httpAllowedHosts
        ? { [OPTIONAL_ENV.httpAllowedHosts]: options.httpAllowedHosts.join(',') }
        : {}),
      ...(options.statusEvents ? { [OPTIONAL_ENV.statusEvents]: options.statusEvents } : {}),
      POWERTOOLS_SERVICE_NAME: 'rondo',
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace('local'),
      // Embedded metrics are log lines for CloudWatch; here they would only flood the console.
      POWERTOOLS_METRICS_DISABLED: options.metrics ? 'false' : 'true',
      ...engineEnvironment({
        tableName,
        queueUrls: {
          dispatch: queues.dispatch.url,
          completion: queues.completion.url,
          events: queues.events.url,
        },
        retryStateMachineArn,
        loopStateMachineArn,
        scheduleGroup: SCHEDULE_GROUP,
        createRunFunctionArn: functionArn(localName('create-run')),
        schedulerRoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${localName('scheduler')}`,
        executors: LOCAL_EXECUTORS,
        eventBusName: EVENT_BUS,
      }),
      ...(options.developmentIdentity ? { [ENV.developmentIdentity]: options.developmentIdentity } : {}),
      // The development identity is an admin here unless told otherwise (`admins`).
      [OPTIONAL_ENV.admins]: (options.admins ?? [options.developmentIdentity ?? 'admin']).join(','),
      ...(options.graceSeconds === undefined
        ? {}
        : { [OPTIONAL_ENV.graceSeconds]: String(options.graceSeconds) }),
    };
    // Handlers read their configuration once, at import: the environment comes first.
    Object.assign(process.env, environment);
    for (const [name, spec] of Object.entries(FUNCTIONS) as [
      FunctionName,
      (typeof FUNCTIONS)[FunctionName],
    ][]) {
      const module = (await import(pathToFileURL(join(PROJECT_ROOT, spec.entry)).href)) as {
        handler: LambdaHandler;
      };
      lambda.register(localName(name), module.handler, spec.timeoutSeconds);
    }
    for (const dir of options.functionsDirs ?? []) await registerTaskFunctions(lambda, dir);

    scheduler.putSchedule({
      name: RECONCILER_SCHEDULE.name,
      groupName: SCHEDULE_GROUP,
      expression: options.reconcilerExpression ?? RECONCILER_SCHEDULE.expression,
      targetArn: functionArn(localName(RECONCILER_SCHEDULE.target)),
    });
    scheduler.start();
    stops.unshift(() => scheduler.stop());
    const mappings = (Object.entries(QUEUES) as [QueueName, (typeof QUEUES)[QueueName]][]).map(
      ([queue, spec]) =>
        new EventSourceMapping({
          client: sqs,
          lambda,
          functionName: localName(spec.consumer),
          queueUrl: queues[queue].url,
          queueArn: queues[queue].arn,
          batchSize: spec.batchSize,
          concurrency: 4,
          waitTimeSeconds: 1,
          duplicateDelivery: options.duplicateDelivery ?? false,
          onError: (error) => onError(`${queue} poller`, error),
        }),
    );
    for (const mapping of mappings) mapping.start();
    // The table's stream → status-events, as Lambda's DynamoDB event source mapping does.
    const streams = new DynamoDBStreamsClient({ ...clientConfig, endpoint: dynamoDb.endpoint });
    const statusStream = new DynamoDbStreamMapping({
      client: streams,
      streamArn,
      handler: (event) => lambda.invoke(localName(STATUS_STREAM.consumer), event),
      batchSize: STATUS_STREAM.batchSize,
      maxRetries: STATUS_STREAM.maxRetries,
      onFailure: (records, error) =>
        onError('status stream', new Error(`${records.length} record(s) failed: ${String(error)}`)),
      onError: (error) => onError('status stream', error),
    });
    await statusStream.start();
    stops.unshift(async () => {
      await statusStream.stop();
      streams.destroy();
      await Promise.all(mappings.map((m) => m.stop()));
      await lambda.drain();
      await stepFunctions.drain();
    });

    const gatewayOptions: ApiGatewayOptions = {
      lambda,
      functionName: localName('api'),
      developmentIdentity: options.developmentIdentity ?? 'admin',
      // The web console (console/dist) at `/`, beside the API.
      fallback: serveConsole(),
    };
    const gateway = new LocalApiGateway(gatewayOptions);
    const port = await gateway.listen(options.port);
    stops.unshift(() => gateway.close());
    const apiUrl = `http://127.0.0.1:${port}`;

    const loadedWorkflows = options.workflowsDir ? await loadWorkflows(apiUrl, options.workflowsDir) : [];

    return {
      apiUrl,
      awsEndpoint,
      dynamoDbEndpoint: dynamoDb.endpoint,
      sqsEndpoint,
      tableName,
      queueUrls: {
        dispatch: queues.dispatch.url,
        completion: queues.completion.url,
        events: queues.events.url,
      },
      deadLetterQueueUrls: {
        dispatch: queues.dispatch.dlqUrl,
        completion: queues.completion.dlqUrl,
        events: queues.events.dlqUrl,
      },
      environment,
      lambda,
      stepFunctions,
      scheduler,
      eventBus,
      loadedWorkflows,
      duplicatedMessages: () => mappings.reduce((sum, m) => sum + m.duplicated, 0),
      stop: async () => {
        for (const stop of stops) await stop().catch((error: unknown) => onError('shutdown', error));
        sqs.destroy();
      },
    };
  } catch (error) {
    for (const stop of stops) await stop().catch(() => {});
    throw error;
  }
}

type LocalQueue = { url: string; arn: string; dlqUrl: string };

/**
 * Creates each queue and its DLQ. Queue URLs are given on the emulator's own origin
 * (`http://127.0.0.1:<port>/<account>/<name>`): the SDK sends to a queue URL's host.
 */
async function createQueues(
  sqs: SQSClient,
  endpoint: string,
  overrides: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number },
): Promise<Record<QueueName, LocalQueue>> {
  const urlOf = (created: string | undefined) => `${endpoint}${new URL(created ?? '').pathname}`;
  const arnOf = async (url: string) => {
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return out.Attributes?.QueueArn ?? '';
  };
  const entries = await Promise.all(
    (Object.entries(QUEUES) as [QueueName, (typeof QUEUES)[QueueName]][]).map(async ([name, spec]) => {
      const dlq = await sqs.send(
        new CreateQueueCommand({
          QueueName: localName(`${name}-dlq`),
          Attributes: { MessageRetentionPeriod: '1209600' },
        }),
      );
      const dlqUrl = urlOf(dlq.QueueUrl);
      const queue = await sqs.send(
        new CreateQueueCommand({
          QueueName: localName(name),
          Attributes: {
            VisibilityTimeout: String(overrides.visibilityTimeoutSeconds ?? visibilityTimeoutSeconds(name)),
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: await arnOf(dlqUrl),
              maxReceiveCount: overrides.maxReceiveCount ?? spec.maxReceiveCount,
            }),
          },
        }),
      );
      const url = urlOf(queue.QueueUrl);
      return [name, { url, arn: await arnOf(url), dlqUrl }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<QueueName, LocalQueue>;
}

/** Each module in the folder is a function named after its file, exporting `handler`. */
async function registerTaskFunctions(lambda: LocalLambdaService, dir: string): Promise<void> {
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { handler?: LambdaHandler };
    if (typeof module.handler === 'function') lambda.register(file.replace(/\.ts$/, ''), module.handler);
  }
}

/** Loads each workflow file through the API, as a user would (`PUT /v1/workflows/{id}`). */
/** Applies the workflow files of `dir` (JSON or YAML) the way `rondo apply -f dir` does. */
async function loadWorkflows(apiUrl: string, dir: string): Promise<string[]> {
  const { files, faults } = await readWorkflowFiles(dir);
  if (faults.length > 0) throw new Error(`loading ${dir} failed:\n${formatFileFaults(faults).join('\n')}`);
  const results = await applyWorkflows(createApiClient(apiUrl), files, { dryRun: false, prune: false });
  return results.map((r) => r.id);
}
