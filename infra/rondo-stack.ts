// Rondo in one stack: the resources `infra/topology.ts` describes and the embedded runtime
// emulates (table, queues with DLQs, the engine functions, the retry state machine, the
// schedule group, the event bus and its rule, the HTTP API). Hardening comes later.
import {
  ArnFormat,
  type CfnElement,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type CfnFunction, FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnSchedule, CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Provider } from 'aws-cdk-lib/custom-resources';
import type { Construct, IConstruct } from 'constructs';
import { ENV, OPTIONAL_ENV } from '../functions/commons/config.ts';
import { INDEXES, KEY, TTL_ATTRIBUTE } from '../shared/aws/dynamodb/table.ts';
import { allowListFaults } from '../shared/executors/host-guard.ts';
import { STATUS_EVENT_LEVELS, type StatusEventLevel } from '../shared/model/status-change.ts';
import { RondoAlarms } from './constructs/rondo-alarms.ts';
import { RondoConsole } from './constructs/rondo-console.ts';
import { RondoDashboard } from './constructs/rondo-dashboard.ts';
import { DEFAULT_LOG_RETENTION, RondoFunction } from './constructs/rondo-function.ts';
import { loopStateMachineDefinition } from './state-machines/loop.ts';
import { retryStateMachineDefinition } from './state-machines/retry.ts';
import {
  AWS_EXECUTORS,
  EVENT_BUS,
  EXTERNAL_EVENTS_RULE,
  engineEnvironment,
  FUNCTIONS,
  type FunctionName,
  LOCALSTACK_STAGE,
  MAX_INLINE_ATTEMPT_SECONDS,
  metricsNamespace,
  pascal,
  QUEUES,
  type QueueName,
  queueUrlOutputs,
  RECONCILER_SCHEDULE,
  RESOURCE_PREFIX,
  SCHEDULE_GROUP,
  STATUS_STREAM,
  visibilityTimeoutSeconds,
  workflowServiceTokenExport,
} from './topology.ts';

export const DEFAULT_STAGE = 'dev';
export const DEFAULT_LOG_LEVEL = 'INFO';
export const DEFAULT_TASK_FUNCTION_PREFIX = 'rondo-task-';

/** The DynamoDB actions of the store's commands (get, batch get, query, put, update, delete, batch write). */
export const TABLE_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/** Dead letters wait the longest SQS allows, so there is time to look at them. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/** Requests a second (and a burst) the API takes before it answers 429: generous for operators and the console. */
export const API_THROTTLE = { rateLimit: 100, burstLimit: 200 };

/** Stage names end up in resource names, some of which are capped at 64 characters. */
const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;
const TASK_FUNCTION_PREFIX_PATTERN = /^[A-Za-z0-9_-]+$/;

/**
 * The queues each function writes to, as the engine's code paths do: run creation
 * dispatches the roots, an attempt reports its completion, resolution dispatches the
 * released downstream and completes the skipped ones.
 */
const SENDS_TO: Record<FunctionName, QueueName[]> = {
  // The API finishes callback attempts: it completes them and wakes resource-group waiters.
  api: ['dispatch', 'completion'],
  'create-run': ['dispatch', 'completion'],
  dispatch: ['dispatch', 'completion'],
  resolve: ['dispatch', 'completion'],
  'retry-attempt': ['dispatch', 'completion'],
  loop: ['dispatch', 'completion'],
  // An event releases the instances waiting for it: they are dispatched, or completed as blocked.
  'ingest-event': ['dispatch', 'completion'],
  reconcile: ['dispatch', 'completion'],
  // Saving a workflow writes the table and its schedule; it starts no work.
  'workflow-resource': [],
  // It publishes events and delivers alerts; it starts no work.
  'status-events': [],
};

/** Functions that save workflows, and so create, update and delete their schedules. */
const MANAGES_SCHEDULES: FunctionName[] = ['api', 'workflow-resource'];

/** Functions that run attempts: they invoke task functions. */
const RUNS_ATTEMPTS: FunctionName[] = ['dispatch', 'retry-attempt', 'loop'];

/**
 * Functions that read secrets: those that run attempts, where configs are resolved, and
 * those that deliver alerts (a webhook URL may be a secret).
 */
const READS_SECRETS: FunctionName[] = [...RUNS_ATTEMPTS, 'status-events', 'reconcile'];

/** Functions that deliver alerts: status-events (FAILED, TERMINATED, retries), the reconciler (deadlines, waiting, retries). */
const DELIVERS_ALERTS: FunctionName[] = ['status-events', 'reconcile'];

/** A secret prefix names a folder of Secrets Manager (`rondo/prod/`), never all secrets. */
const SECRET_PREFIX_PATTERN = /^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*\/$/;

/**
 * Functions that finish attempts and so may hand a failed one to the retry machine (resolve
 * finishes a subworkflow's attempt when its child run closes).
 */
const STARTS_RETRIES: FunctionName[] = ['dispatch', 'retry-attempt', 'loop', 'reconcile', 'api', 'resolve'];

/** Functions that start a for-each attempt's loop (its first attempt runs where attempts start). */
const STARTS_LOOPS: FunctionName[] = ['dispatch', 'retry-attempt'];

/** Functions that report an iteration's end to its Map slot: resolution, and a repeated start. */
const REPORTS_ITERATIONS: FunctionName[] = ['resolve', 'loop'];

/**
 * Functions that stop a loop: the reconciler (a for-each past its timeout), the API
 * (terminate, mark success) and the loop function (a failed loop stops the loops of the
 * subworkflows its iterations started).
 */
const STOPS_LOOPS: FunctionName[] = ['reconcile', 'api', 'loop'];

/**
 * Why a function needs no dead-letter queue of its own: it is not invoked asynchronously,
 * or a lost invocation costs nothing. create-run, which Scheduler invokes asynchronously, has one.
 */
const NO_ASYNC_DEAD_LETTERS: Partial<Record<FunctionName, string>> = {
  api: 'Invoked synchronously by API Gateway: a failure is the HTTP response the caller sees.',
  dispatch:
    "Invoked synchronously by its SQS event source: failed messages go to the dispatch queue's dead-letter queue.",
  resolve:
    "Invoked synchronously by its SQS event source: failed messages go to the completion queue's dead-letter queue.",
  'ingest-event':
    "Invoked synchronously by its SQS event source: failed messages go to the events queue's dead-letter queue.",
  'retry-attempt':
    'Invoked synchronously by the retry state machine, which retries and records failures (an alarm watches failed executions).',
  loop: 'Invoked synchronously by the loop state machine, which records failures (an alarm watches failed executions).',
  'workflow-resource':
    "Invoked synchronously by the CDK custom-resource provider, which reports a failure to CloudFormation: the stack's deployment fails and rolls back.",
  'status-events':
    "Invoked synchronously by the table stream's event source mapping: records that fail every retry go to the status stream's dead-letter queue (its on-failure destination).",
  reconcile:
    'Invoked every minute by its schedule and holds no work of its own: a lost sweep is redone by the next one a minute later.',
};

export type RondoStackProps = StackProps & {
  stage: string;
  /** POWERTOOLS_LOG_LEVEL of every function. */
  logLevel?: string;
  /** `lambda` tasks may invoke only functions whose name starts with this. */
  taskFunctionPrefix?: string;
  /** Identities that may do everything through the API (IAM user names, `role/session`). */
  admins?: string[];
  /**
   * How API callers authenticate: IAM (SigV4, the default; the caller is its IAM identity) or
   * JWT from any OIDC issuer such as a Cognito user pool (the caller is the token's
   * `username`, `cognito:username` or `sub`). The URL-trigger route checks its own token either way.
   */
  apiAuth?: { mode: 'IAM' } | { mode: 'JWT'; issuer: string; audience: string[] };
  /** Subscribed to the alarm topic (dead letters, errors, throttles, failed executions, late messages). */
  alarmEmail?: string;
  /** An existing SNS topic (ARN) the alarms notify, instead of the topic the stack creates. */
  alarmTopicArn?: string;
  /** Days the functions', state machines' and API's logs are kept (a CloudWatch Logs retention value). Default 30. */
  logRetentionDays?: RetentionDays;
  /**
   * Reserve the concurrency the topology gives some functions (the reconciler's 1). Lambda
   * keeps 10 of an account's concurrency unreserved, so an account still at the default
   * limit of 10 must turn this off, or ask for a higher limit. Default true.
   */
  reserveConcurrency?: boolean;
  /**
   * Unsigned API callers act as this identity (X-Rondo-User picks another), as in the
   * embedded runtime: for a LocalStack deployment only (stage `local`), which enforces no
   * IAM. Any other stage refuses it.
   */
  developmentIdentity?: string;
  /**
   * Task secrets (`{{secret:NAME}}`) are read from Secrets Manager under this prefix, and IAM
   * lets the functions that run attempts read no other secret. Default `rondo/<stage>/`.
   */
  secretPrefix?: string;
  /**
   * Hosts, `*.domains`, addresses and CIDR blocks `http` tasks may call; any other is refused
   * with HTTP_HOST_NOT_ALLOWED (redirects included). Unset: any host.
   */
  httpAllowedHosts?: string[];
  /**
   * Which status changes become events on the stack's bus: ALL (the default), FINISHED (an
   * instance's final status and every run change) or NONE. EventBridge bills each event
   * ($1.00 a million): a first-time success makes three with ALL, one with FINISHED.
   */
  statusEvents?: StatusEventLevel;
  /**
   * The web console on CloudFront, signing in with the JWT auth mode's issuer as this
   * (public, PKCE) client, which must be one of the API's audiences. Needs `apiAuth` JWT and
   * a built console (`npm run build:console`; `distDir` to take it from elsewhere).
   */
  console?: { clientId: string; scopes?: string[]; distDir?: string };
};

export class RondoStack extends Stack {
  readonly table: TableV2;
  readonly queues: Record<QueueName, Queue>;
  readonly deadLetterQueues: Record<QueueName, Queue>;
  /** Scheduled run creations that failed every asynchronous retry (create-run's Lambda DLQ). */
  readonly runCreationDeadLetterQueue: Queue;
  /** External events EventBridge could not deliver to the events queue. */
  readonly eventDeliveryDeadLetterQueue: Queue;
  readonly functions: Record<FunctionName, RondoFunction>;
  readonly retryStateMachine: StateMachine;
  readonly loopStateMachine: StateMachine;
  readonly schedulerRole: Role;
  readonly scheduleGroup: CfnScheduleGroup;
  readonly eventBus: EventBus;
  readonly api: HttpApi;
  readonly alarms: RondoAlarms;
  /** Where `sns` alert channels without a topic of their own publish; KMS-encrypted. */
  readonly alertTopic: Topic;
  readonly alertTopicKey: Key;
  /** Status-change records the status-events function failed on every retry. */
  readonly statusStreamDeadLetterQueue: Queue;
  readonly dashboard: Dashboard;
  /**
   * The custom-resource provider behind `RondoWorkflow`: its service token saves workflows
   * declared in CDK apps through the engine's own code. Exported as
   * `workflowServiceTokenExport(stage)` for apps in other stacks.
   */
  readonly workflowProvider: Provider;
  /** The web console on CloudFront, when the stack has one (`console`). */
  console?: RondoConsole;

  constructor(scope: Construct, id: string, props: RondoStackProps) {
    super(scope, id, props);
    const { stage } = props;
    if (!STAGE_PATTERN.test(stage)) {
      throw new Error(`stage '${stage}' must match ${STAGE_PATTERN} (it is part of resource names)`);
    }
    const taskFunctionPrefix = props.taskFunctionPrefix ?? DEFAULT_TASK_FUNCTION_PREFIX;
    // An empty prefix would turn the task-invocation grant into "every function in the account".
    if (!TASK_FUNCTION_PREFIX_PATTERN.test(taskFunctionPrefix)) {
      throw new Error(
        `taskFunctionPrefix '${taskFunctionPrefix}' must match ${TASK_FUNCTION_PREFIX_PATTERN}`,
      );
    }
    const secretPrefix = props.secretPrefix ?? `${RESOURCE_PREFIX}/${stage}/`;
    // An empty or open prefix would turn the secret grant into "every secret in the account".
    if (!SECRET_PREFIX_PATTERN.test(secretPrefix)) {
      throw new Error(`secretPrefix '${secretPrefix}' must match ${SECRET_PREFIX_PATTERN}`);
    }
    if (props.statusEvents !== undefined && !STATUS_EVENT_LEVELS.includes(props.statusEvents)) {
      throw new Error(
        `statusEvents '${props.statusEvents}' must be one of ${STATUS_EVENT_LEVELS.join(', ')}`,
      );
    }
    const allowListFaultsFound = allowListFaults(props.httpAllowedHosts ?? []);
    if (allowListFaultsFound.length > 0) {
      throw new Error(`httpAllowedHosts: ${allowListFaultsFound.join('; ')}`);
    }
    if (props.developmentIdentity !== undefined && stage !== LOCALSTACK_STAGE) {
      throw new Error(
        `developmentIdentity lets unsigned callers act as a user: only the '${LOCALSTACK_STAGE}' (LocalStack) stage may set it`,
      );
    }
    const logRetention = props.logRetentionDays ?? DEFAULT_LOG_RETENTION;
    if (!Object.values(RetentionDays).includes(logRetention)) {
      throw new Error(
        `logRetentionDays ${logRetention} is not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, …)`,
      );
    }
    const isProduction = stage === 'prod';
    const removalPolicy = isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const prefix = `${RESOURCE_PREFIX}-${stage}`;
    const functionName = (name: FunctionName) => `${prefix}-${name}`;
    // ARNs built from names, not taken from the resources: create-run's environment holds its
    // own ARN, and retry-attempt's holds the ARN of the state machine that invokes it; either
    // reference would be a dependency cycle.
    const functionArn = (name: FunctionName) =>
      this.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: functionName(name),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const stateMachineArn = (name: string) =>
      this.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const retryStateMachineName = `${prefix}-retry`;
    const retryStateMachineArn = stateMachineArn(retryStateMachineName);
    const loopStateMachineName = `${prefix}-loop`;
    const loopStateMachineArn = stateMachineArn(loopStateMachineName);
    // A loop's executions (`<name>:<execution>`) and its distributed Map state's child
    // executions (`<name>/<map run>:<execution>`). Wildcards because execution names are
    // made at run time; the state machine's name bounds them to its own executions.
    const loopExecutionsArns = [`${loopStateMachineName}:*`, `${loopStateMachineName}/*`].map(
      (resourceName) =>
        this.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
    );

    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: KEY.pk, type: AttributeType.STRING },
      sortKey: { name: KEY.sk, type: AttributeType.STRING },
      globalSecondaryIndexes: Object.values(INDEXES).map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.pk, type: AttributeType.STRING },
        sortKey: { name: index.sk, type: AttributeType.STRING },
        projectionType: ProjectionType[index.projection],
      })),
      billing: Billing.onDemand(),
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      // The status-change events and alerts come from the stream, never from the write path.
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      deletionProtection: isProduction,
      removalPolicy,
    });

    const queueEntries = (Object.entries(QUEUES) as [QueueName, (typeof QUEUES)[QueueName]][]).map(
      ([name, spec]) => {
        const deadLetterQueue = new Queue(this, `${pascal(name)}DeadLetterQueue`, {
          retentionPeriod: DEAD_LETTER_RETENTION,
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
        });
        const queue = new Queue(this, `${pascal(name)}Queue`, {
          visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(name)),
          deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
        });
        return [name, { queue, deadLetterQueue }] as const;
      },
    );
    this.queues = Object.fromEntries(queueEntries.map(([name, q]) => [name, q.queue])) as Record<
      QueueName,
      Queue
    >;
    this.deadLetterQueues = Object.fromEntries(
      queueEntries.map(([name, q]) => [name, q.deadLetterQueue]),
    ) as Record<QueueName, Queue>;

    const deadLetterQueue = (id: string) =>
      new Queue(this, id, {
        retentionPeriod: DEAD_LETTER_RETENTION,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
    this.runCreationDeadLetterQueue = deadLetterQueue('RunCreationDeadLetterQueue');
    this.eventDeliveryDeadLetterQueue = deadLetterQueue('EventDeliveryDeadLetterQueue');
    this.statusStreamDeadLetterQueue = deadLetterQueue('StatusStreamDeadLetterQueue');
    for (const queue of [
      ...Object.values(this.deadLetterQueues),
      this.runCreationDeadLetterQueue,
      this.eventDeliveryDeadLetterQueue,
      this.statusStreamDeadLetterQueue,
    ]) {
      Validations.of(queue).acknowledge({
        id: 'Serverless::Serverless-SQSRedrivePolicy',
        reason:
          'A dead-letter queue is where redrive ends: its messages wait 14 days for an operator (an alarm fires on the first) to read and redrive them.',
      });
    }
    Validations.of(this.statusStreamDeadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue, the table stream's on-failure destination (it holds the stream positions of status changes whose events or alerts failed every retry).",
    });
    Validations.of(this.eventDeliveryDeadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue, the external-events rule target's (the rule recognises queues named in a redrive policy or a function's dead-letter config only).",
    });

    // One group per stage, so two stages in one account keep their schedules apart.
    const scheduleGroupName = `${SCHEDULE_GROUP}-${stage}`;
    this.scheduleGroup = new CfnScheduleGroup(this, 'ScheduleGroup', { name: scheduleGroupName });

    // The role EventBridge Scheduler assumes to fire the schedules the API creates.
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: 'EventBridge Scheduler: invoke the run-creation function',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [functionArn('create-run')] }),
    );

    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: `${EVENT_BUS}-${stage}` });

    // What the store does, and no more: no Scan (every list is a key or index query), no
    // table management. Transactions need the actions of the items they write.
    const tableItemAccess = new PolicyStatement({
      actions: TABLE_ITEM_ACTIONS,
      resources: [this.table.tableArn],
    });
    const indexQueries = new PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: Object.values(INDEXES).map((index) => `${this.table.tableArn}/index/${index.name}`),
    });

    // Alerts' default SNS topic (e-mail, SMS, HTTPS subscribers), encrypted with a key of its own.
    this.alertTopicKey = new Key(this, 'AlertTopicKey', {
      description: `${prefix}: encrypts the alert topic`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.alertTopic = new Topic(this, 'AlertTopic', {
      topicName: `${prefix}-alerts`,
      displayName: `Rondo alerts (${stage})`,
      masterKey: this.alertTopicKey,
      enforceSSL: true,
    });

    const environment = {
      // Attempts run inside the dispatch and retry-attempt functions: stop them before Lambda does.
      [OPTIONAL_ENV.maxInlineAttemptSeconds]: String(MAX_INLINE_ATTEMPT_SECONDS),
      POWERTOOLS_SERVICE_NAME: RESOURCE_PREFIX,
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? DEFAULT_LOG_LEVEL,
      // X-Ray would record every fetch's URL, and a webhook's or an http task's URL may be a
      // credential: AWS calls are traced, outbound HTTP calls are not.
      POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
      // Embedded metrics (InstanceStatus, Retries, DispatchLatency, cold starts), per stage.
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(stage),
      ...(props.admins?.length ? { [OPTIONAL_ENV.admins]: props.admins.join(',') } : {}),
      [OPTIONAL_ENV.secretPrefix]: secretPrefix,
      [OPTIONAL_ENV.alertTopicArn]: this.alertTopic.topicArn,
      ...(props.httpAllowedHosts
        ? { [OPTIONAL_ENV.httpAllowedHosts]: props.httpAllowedHosts.join(',') }
        : {}),
      ...(props.statusEvents ? { [OPTIONAL_ENV.statusEvents]: props.statusEvents } : {}),
      ...(props.developmentIdentity ? { [ENV.developmentIdentity]: props.developmentIdentity } : {}),
      ...engineEnvironment({
        tableName: this.table.tableName,
        queueUrls: {
          dispatch: this.queues.dispatch.queueUrl,
          completion: this.queues.completion.queueUrl,
          events: this.queues.events.queueUrl,
        },
        retryStateMachineArn,
        loopStateMachineArn,
        scheduleGroup: scheduleGroupName,
        createRunFunctionArn: functionArn('create-run'),
        schedulerRoleArn: this.schedulerRole.roleArn,
        executors: AWS_EXECUTORS,
        eventBusName: this.eventBus.eventBusName,
      }),
    };

    this.functions = Object.fromEntries(
      (Object.entries(FUNCTIONS) as [FunctionName, (typeof FUNCTIONS)[FunctionName]][]).map(
        ([name, spec]) => {
          const fn = new RondoFunction(this, `${pascal(name)}Function`, {
            ...spec,
            functionName: functionName(name),
            description: `Rondo ${name} (${stage})`,
            environment,
            logRemovalPolicy: removalPolicy,
            logRetention,
            ...(spec.reservedConcurrency !== undefined && props.reserveConcurrency !== false
              ? { reservedConcurrentExecutions: spec.reservedConcurrency }
              : {}),
            // Scheduler invokes run creation asynchronously: after Lambda's own retries a
            // failed fire would be lost, so it waits here, with an alarm.
            ...(name === 'create-run' ? { deadLetterQueue: this.runCreationDeadLetterQueue } : {}),
          });
          fn.addToRolePolicy(tableItemAccess);
          fn.addToRolePolicy(indexQueries);
          for (const queue of SENDS_TO[name]) this.queues[queue].grantSendMessages(fn);
          return [name, fn];
        },
      ),
    ) as Record<FunctionName, RondoFunction>;

    for (const [name, spec] of Object.entries(QUEUES) as [QueueName, (typeof QUEUES)[QueueName]][]) {
      const consumer = this.functions[spec.consumer];
      consumer.addEventSource(
        new SqsEventSource(this.queues[name], { batchSize: spec.batchSize, reportBatchItemFailures: true }),
      );
      Validations.of(consumer).acknowledge({
        id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
        reason: `Lambda offers on-failure destinations for stream and Kafka sources, not SQS: a ${name} message that fails ${spec.maxReceiveCount} deliveries moves to its queue's dead-letter queue (redrive policy), which has an alarm.`,
      });
    }
    // Status changes → events and alerts, from the table's stream (instance and run items only:
    // the filter is free, and spares invocations for counters, logs and index items).
    const statusEvents = this.functions[STATUS_STREAM.consumer];
    statusEvents.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: STATUS_STREAM.batchSize,
        maxBatchingWindow: Duration.seconds(1),
        retryAttempts: STATUS_STREAM.maxRetries,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.statusStreamDeadLetterQueue),
        filters: [
          FilterCriteria.filter({
            dynamodb: { NewImage: { kind: { S: FilterRule.or('instance', 'run') } } },
          }),
        ],
      }),
    );
    this.eventBus.grantPutEventsTo(statusEvents);
    for (const name of DELIVERS_ALERTS) {
      const fn = this.functions[name];
      // Publishing to an encrypted topic needs the key for the message's data key; named actions only.
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['sns:Publish'], resources: [this.alertTopic.topicArn] }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [this.alertTopicKey.keyArn],
        }),
      );
      // Teams' own topics, named under the stage's alert prefix (`rondo-prod-alerts-data-team`).
      acknowledgeWildcard(
        fn.role,
        nagArn('sns', `${prefix}-alerts-*`),
        "Alert rules may name a team's own SNS topic: publishing is allowed to topics named under this stage's alert prefix only, never to every topic.",
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['sns:Publish'],
          resources: [this.formatArn({ service: 'sns', resource: `${prefix}-alerts-*` })],
        }),
      );
    }

    // Lambda's dead-letter queue takes failed asynchronous invocations only.
    for (const [name, reason] of Object.entries(NO_ASYNC_DEAD_LETTERS)) {
      Validations.of(this.functions[name as FunctionName]).acknowledge({
        id: 'Serverless::Serverless-LambdaDLQ',
        reason,
      });
    }

    const retryLogs = new LogGroup(this, 'RetryStateMachineLogs', {
      // Step Functions writes to /aws/vendedlogs/ groups without growing the account's
      // CloudWatch Logs resource policy, which has a small size limit.
      logGroupName: `/aws/vendedlogs/states/${retryStateMachineName}`,
      retention: logRetention,
      removalPolicy,
    });
    this.retryStateMachine = new StateMachine(this, 'RetryStateMachine', {
      stateMachineName: retryStateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      // The same document the embedded runtime executes, with the deployed function's ARN.
      definitionBody: DefinitionBody.fromString(
        JSON.stringify(
          retryStateMachineDefinition({
            retryAttemptFunctionArn: this.functions['retry-attempt'].functionArn,
          }),
        ),
      ),
      tracingEnabled: true,
      logs: { destination: retryLogs, level: LogLevel.ERROR, includeExecutionData: true },
      removalPolicy,
    });
    // The unqualified function only (grantInvoke would add every version and alias).
    this.retryStateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.functions['retry-attempt'].functionArn],
      }),
    );

    const loopLogs = new LogGroup(this, 'LoopStateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${loopStateMachineName}`,
      retention: logRetention,
      removalPolicy,
    });
    this.loopStateMachine = new StateMachine(this, 'LoopStateMachine', {
      stateMachineName: loopStateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(
        JSON.stringify(loopStateMachineDefinition({ loopFunctionArn: this.functions.loop.functionArn })),
      ),
      tracingEnabled: true,
      logs: { destination: loopLogs, level: LogLevel.ERROR, includeExecutionData: true },
      removalPolicy,
    });
    this.loopStateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.functions.loop.functionArn],
      }),
    );
    for (const machine of [this.retryStateMachine, this.loopStateMachine]) {
      Validations.of(machine).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SF1',
        reason:
          'Logs at ERROR level with execution data: every failure is logged, while ALL would log each transition of every loop iteration and retry (CloudWatch ingestion per event); the full history of any execution stays in Step Functions for 90 days.',
      });
      Validations.of(machine.role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          "X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and log delivery to CloudWatch Logs (logs:CreateLogDelivery and related): AWS supports only Resource '*' for these actions.",
      });
    }
    // A distributed Map state runs its iterations as child executions of its own state
    // machine, which its role must be allowed to start, describe and stop.
    this.loopStateMachine.addToRolePolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [loopStateMachineArn] }),
    );
    this.loopStateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: loopExecutionsArns,
      }),
    );
    for (const name of STARTS_LOOPS) {
      this.functions[name].addToRolePolicy(
        new PolicyStatement({ actions: ['states:StartExecution'], resources: [loopStateMachineArn] }),
      );
    }
    for (const name of REPORTS_ITERATIONS) {
      // Task tokens are scoped by the state machine whose task issued them; a distributed
      // Map's tokens come from its child executions, so those are named too.
      this.functions[name].addToRolePolicy(
        new PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [loopStateMachineArn, ...loopExecutionsArns],
        }),
      );
    }
    for (const name of STOPS_LOOPS) {
      this.functions[name].addToRolePolicy(
        new PolicyStatement({ actions: ['states:StopExecution'], resources: loopExecutionsArns }),
      );
    }
    const loopExecutionsReason =
      "Execution names are made at run time (one per loop, one per distributed Map child); the pattern is bounded to the loop state machine's own executions.";
    for (const scope of [
      this.loopStateMachine.role,
      ...[...new Set([...REPORTS_ITERATIONS, ...STOPS_LOOPS])].map((name) => this.functions[name].role),
    ]) {
      for (const resourceName of [`${loopStateMachineName}:*`, `${loopStateMachineName}/*`]) {
        acknowledgeWildcard(scope, nagArn('states', `execution:${resourceName}`), loopExecutionsReason);
      }
    }

    for (const name of STARTS_RETRIES) {
      this.functions[name].addToRolePolicy(
        new PolicyStatement({ actions: ['states:StartExecution'], resources: [retryStateMachineArn] }),
      );
    }
    const secretsUnderPrefix = this.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      // Secrets Manager appends `-` and six random characters to every secret's name.
      resourceName: `${secretPrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    for (const name of READS_SECRETS) {
      const fn = this.functions[name];
      acknowledgeWildcard(
        fn.role,
        nagArn('secretsmanager', `secret:${secretPrefix}*`),
        "Task configs name secrets ({{secret:NAME}}) that teams create after Rondo: the grant covers Rondo's secret prefix (secretPrefix) only, never other secrets.",
      );
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretsUnderPrefix] }),
      );
    }
    for (const name of RUNS_ATTEMPTS) {
      const fn = this.functions[name];
      acknowledgeWildcard(
        fn.role,
        nagArn('lambda', `function:${taskFunctionPrefix}*`),
        "`lambda` tasks invoke the team's own functions, deployed after Rondo: the stack allows only names under the configured task-function prefix (taskFunctionPrefix), never all functions.",
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          // A wildcard on purpose: task functions are the users', deployed after Rondo and
          // named freely under the prefix. `*` also matches `:alias` and `:version` suffixes.
          resources: [
            this.formatArn({
              service: 'lambda',
              resource: 'function',
              resourceName: `${taskFunctionPrefix}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
    }

    for (const name of MANAGES_SCHEDULES) {
      const fn = this.functions[name];
      acknowledgeWildcard(
        fn.role,
        nagArn('scheduler', `schedule/${scheduleGroupName}/*`),
        "Schedules are created per workflow at run time and named by workflow id; the pattern covers this stage's schedule group only.",
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: [
            'scheduler:CreateSchedule',
            'scheduler:UpdateSchedule',
            'scheduler:DeleteSchedule',
            'scheduler:GetSchedule',
          ],
          resources: [
            this.formatArn({
              service: 'scheduler',
              resource: 'schedule',
              resourceName: `${scheduleGroupName}/*`,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ],
        }),
      );
      // Creating a schedule hands Scheduler the role; only that role, and only to Scheduler.
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [this.schedulerRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        }),
      );
    }
    const apiFunction = this.functions.api;
    // `POST /v1/events` puts events on Rondo's bus.
    this.eventBus.grantPutEventsTo(apiFunction);

    // The reconciler sweeps every minute, through its own schedule and a role that can only
    // invoke it (the run-creation role stays limited to run creation).
    const reconcilerRole = new Role(this, 'ReconcilerScheduleRole', {
      description: 'EventBridge Scheduler: invoke the reconciler',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    reconcilerRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.functions[RECONCILER_SCHEDULE.target].functionArn],
      }),
    );
    new CfnSchedule(this, 'ReconcilerSchedule', {
      name: RECONCILER_SCHEDULE.name,
      groupName: this.scheduleGroup.ref,
      scheduleExpression: RECONCILER_SCHEDULE.expression,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.functions[RECONCILER_SCHEDULE.target].functionArn,
        roleArn: reconcilerRole.roleArn,
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    });

    new Rule(this, 'ExternalEventsRule', {
      eventBus: this.eventBus,
      description: 'External events release the instances that wait for them',
      // CDK types pattern fields as string lists, but renders them as given; the topology's
      // pattern uses EventBridge content filters (`anything-but`), the same JSON CDK's
      // `Match` helpers produce, and the same pattern the local event bus applies.
      eventPattern: EXTERNAL_EVENTS_RULE.pattern as unknown as EventPattern,
      targets: [
        new SqsQueue(this.queues[EXTERNAL_EVENTS_RULE.target], {
          // EventBridge retries a failed delivery for a day, then keeps the event here.
          deadLetterQueue: this.eventDeliveryDeadLetterQueue,
        }),
      ],
    });

    // The console first: the API lets its origin call it from the browser (CORS).
    let webConsole: RondoConsole | undefined;
    if (props.console) {
      if (props.apiAuth?.mode !== 'JWT') {
        throw new Error(
          'console: the web console signs in with the JWT auth mode (apiAuth: { mode: "JWT", … })',
        );
      }
      if (!props.apiAuth.audience.includes(props.console.clientId)) {
        throw new Error(`console: clientId '${props.console.clientId}' must be one of apiAuth.audience`);
      }
      webConsole = new RondoConsole(this, 'Console', { removalPolicy });
    }
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `${prefix}-api`,
      description: 'Rondo operations API',
      ...(webConsole
        ? {
            corsPreflight: {
              allowOrigins: [webConsole.url],
              allowHeaders: ['authorization', 'content-type'],
              allowMethods: [
                CorsHttpMethod.GET,
                CorsHttpMethod.POST,
                CorsHttpMethod.PUT,
                CorsHttpMethod.DELETE,
              ],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
      // The stage below, with access logs and throttling.
      createDefaultStage: false,
      // IAM: callers sign requests with SigV4 and the handler reads their IAM identity. JWT:
      // API Gateway checks the token against the issuer, and the handler reads its claims.
      defaultAuthorizer:
        props.apiAuth?.mode === 'JWT'
          ? new HttpJwtAuthorizer('JwtAuthorizer', props.apiAuth.issuer, {
              jwtAudience: props.apiAuth.audience,
            })
          : new HttpIamAuthorizer(),
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: logRetention,
      removalPolicy,
    });
    new HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // One JSON line per request: who called what, how it ended, how long it took.
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
      throttle: API_THROTTLE,
    });
    const integration = new HttpLambdaIntegration('ApiIntegration', apiFunction, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    this.api.addRoutes({ path: '/v1/{proxy+}', methods: [HttpMethod.ANY], integration });
    // URL triggers authenticate with their own secret token (checked by the handler), so other
    // systems can call them with curl and no AWS credentials. Only this route skips IAM.
    this.api.addRoutes({
      path: '/v1/triggers/{workflowId}',
      methods: [HttpMethod.POST],
      integration,
      authorizer: new HttpNoneAuthorizer(),
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason:
        "Only POST /v1/triggers/{workflowId} skips the API's authorizer: the handler requires the workflow's own trigger token (stored hashed, compared in constant time), so other systems can start a run without AWS credentials. Every other route is IAM or JWT authorized.",
    });

    // Links in alerts lead to the API (the console, once it exists).
    for (const name of DELIVERS_ALERTS) {
      this.functions[name].addEnvironment(OPTIONAL_ENV.linkBaseUrl, this.api.apiEndpoint);
    }

    this.alarms = new RondoAlarms(this, 'Alarms', {
      queues: Object.fromEntries(
        (Object.keys(this.queues) as QueueName[]).map((name) => [
          pascal(name),
          { queue: this.queues[name], deadLetterQueue: this.deadLetterQueues[name] },
        ]),
      ),
      functions: Object.fromEntries(
        (Object.keys(this.functions) as FunctionName[]).map((name) => [pascal(name), this.functions[name]]),
      ),
      deadLetterQueues: {
        RunCreation: {
          queue: this.runCreationDeadLetterQueue,
          description:
            'A scheduled run creation failed every retry: its event (workflow id, scheduled time) waits in the run-creation dead-letter queue.',
        },
        EventDelivery: {
          queue: this.eventDeliveryDeadLetterQueue,
          description:
            'EventBridge could not deliver an external event to the events queue: it waits in the event-delivery dead-letter queue.',
        },
        StatusStream: {
          queue: this.statusStreamDeadLetterQueue,
          description:
            "Status changes whose events or alerts failed every retry: the status stream's dead-letter queue holds their stream positions (24 hours of stream to replay from).",
        },
      },
      stateMachines: { Retry: this.retryStateMachine, Loop: this.loopStateMachine },
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
      ...(props.alarmTopicArn ? { topic: Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn) } : {}),
    });

    this.dashboard = new RondoDashboard(this, 'Dashboard', {
      dashboardName: prefix,
      namespace: metricsNamespace(stage),
      service: RESOURCE_PREFIX,
      queues: Object.fromEntries((Object.keys(this.queues) as QueueName[]).map((n) => [n, this.queues[n]])),
      deadLetterQueues: {
        ...Object.fromEntries(
          (Object.keys(this.deadLetterQueues) as QueueName[]).map((n) => [n, this.deadLetterQueues[n]]),
        ),
        'run-creation': this.runCreationDeadLetterQueue,
        'event-delivery': this.eventDeliveryDeadLetterQueue,
        'status-stream': this.statusStreamDeadLetterQueue,
      },
      functions: Object.fromEntries(
        (Object.keys(this.functions) as FunctionName[]).map((n) => [n, this.functions[n]]),
      ),
    }).dashboard;

    this.workflowProvider = this.workflowResourceProvider(prefix, logRetention, removalPolicy);

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    if (webConsole && props.console && props.apiAuth?.mode === 'JWT') {
      webConsole.deploy(
        {
          apiUrl: this.api.apiEndpoint,
          signIn: {
            issuer: props.apiAuth.issuer,
            clientId: props.console.clientId,
            scopes: props.console.scopes ?? ['openid'],
          },
        },
        props.console.distDir,
      );
      this.console = webConsole;
      new CfnOutput(this, 'ConsoleUrl', { value: webConsole.url });
    }
    new CfnOutput(this, 'WorkflowServiceToken', {
      value: this.workflowProvider.serviceToken,
      exportName: workflowServiceTokenExport(stage),
      description:
        'The service token of RondoWorkflow custom resources (RondoWorkflow.serviceTokenOf(stage))',
    });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboardName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'AlertTopicArn', {
      value: this.alertTopic.topicArn,
      description: "Alert rules' default SNS topic: subscribe e-mail, SMS or HTTPS endpoints to it",
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'ScheduleGroupName', { value: scheduleGroupName });
    new CfnOutput(this, 'ScheduleTargetArn', { value: functionArn('create-run') });
    // Where to look when an alarm says a message failed every delivery (and to redrive from).
    for (const name of Object.keys(QUEUES) as QueueName[]) {
      const outputs = queueUrlOutputs(name);
      new CfnOutput(this, outputs.queue, { value: this.queues[name].queueUrl });
      new CfnOutput(this, outputs.deadLetterQueue, {
        value: this.deadLetterQueues[name].queueUrl,
      });
    }
  }

  /**
   * CDK's Provider framework in front of the workflow-resource function: the framework's
   * function answers CloudFormation (the response URL, retries, time-outs), ours saves.
   */
  private workflowResourceProvider(
    prefix: string,
    logRetention: RetentionDays,
    removalPolicy: RemovalPolicy,
  ): Provider {
    const onEvent = this.functions['workflow-resource'];
    const frameworkRole = new Role(this, 'WorkflowProviderRole', {
      description: `${prefix}: the CDK custom-resource framework in front of workflow-resource`,
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    const logGroup = new LogGroup(this, 'WorkflowProviderLogs', { retention: logRetention, removalPolicy });
    frameworkRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const provider = new Provider(this, 'WorkflowProvider', {
      onEventHandler: onEvent,
      frameworkOnEventRole: frameworkRole,
      logGroup,
      providerFunctionName: `${prefix}-workflow-provider`,
    });
    acknowledgeWildcard(
      frameworkRole,
      `<${this.getLogicalId(onEvent.node.defaultChild as CfnElement)}.Arn>:*`,
      "CDK's Provider framework grants invoke on the onEvent function and its versions (`:*`); it is the workflow-resource function only, and the framework invokes its unqualified ARN.",
    );
    const framework = provider.node.findChild('framework-onEvent');
    // It only relays: 128 MiB, said out loud (the default is the same).
    (framework.node.defaultChild as CfnFunction).memorySize = 128;
    Validations.of(framework).acknowledge(
      {
        id: 'Serverless::Serverless-LambdaDLQ',
        reason:
          'CloudFormation invokes the framework and waits for its answer on the response URL: a lost invocation fails the stack operation in front of the deployer, so a dead-letter queue would hold nothing to act on.',
      },
      {
        id: 'Serverless::Serverless-LambdaTracing',
        reason:
          "The framework function is CDK's and only relays the request; the workflow-resource function behind it, which does the work, is traced with X-Ray.",
      },
    );
    return provider;
  }
}

/** An ARN as cdk-nag prints it in a finding's id prints it in a finding's id (pseudo parameters in angle brackets). */
function nagArn(service: string, resource: string): string {
  return `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}`;
}

/** Acknowledges one resource wildcard (AwsSolutions-IAM5) on the policies of `scope`. */
function acknowledgeWildcard(scope: IConstruct | undefined, resource: string, reason: string): void {
  if (!scope) throw new Error(`no role to acknowledge ${resource} on`);
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`, reason });
}
