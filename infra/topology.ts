// Rondo's resources, described once: the CDK stack deploys them and the embedded runtime
// emulates them, with the same names, handlers, queue settings and environment variables.
import { ENV } from '../functions/commons/config.ts';

export type FunctionName =
  | 'api'
  | 'create-run'
  | 'dispatch'
  | 'resolve'
  | 'retry-attempt'
  | 'loop'
  | 'ingest-event'
  | 'reconcile'
  | 'workflow-resource'
  | 'status-events';
export type QueueName = 'dispatch' | 'completion' | 'events';

export type FunctionSpec = {
  /** Module path from the project root; the module exports `handler`. */
  entry: string;
  timeoutSeconds: number;
  memoryMiB: number;
  /**
   * Concurrency reserved for the function, which also caps it (unset: the account's pool).
   * The reconciler has one: one sweep at a time, even when a sweep outlasts its minute.
   */
  reservedConcurrency?: number;
};

export type QueueSpec = {
  consumer: FunctionName;
  /** Records per handler call (the event source mapping's BatchSize). */
  batchSize: number;
  /** Deliveries before a message moves to the queue's dead-letter queue. */
  maxReceiveCount: number;
};

export const FUNCTIONS: Record<FunctionName, FunctionSpec> = {
  api: { entry: 'functions/api/handler.ts', timeoutSeconds: 29, memoryMiB: 1024 },
  'create-run': { entry: 'functions/create-run/handler.ts', timeoutSeconds: 300, memoryMiB: 1024 },
  // Runs first attempts inline, so its timeout bounds a task's inline execution.
  dispatch: { entry: 'functions/dispatch/handler.ts', timeoutSeconds: 900, memoryMiB: 1024 },
  resolve: { entry: 'functions/resolve/handler.ts', timeoutSeconds: 60, memoryMiB: 1024 },
  'retry-attempt': { entry: 'functions/retry-attempt/handler.ts', timeoutSeconds: 900, memoryMiB: 1024 },
  // Starts an iteration (its first attempt runs inline) or finishes a for-each attempt.
  loop: { entry: 'functions/loop/handler.ts', timeoutSeconds: 900, memoryMiB: 1024 },
  'ingest-event': { entry: 'functions/ingest-event/handler.ts', timeoutSeconds: 60, memoryMiB: 512 },
  reconcile: {
    entry: 'functions/reconcile/handler.ts',
    timeoutSeconds: 300,
    memoryMiB: 1024,
    reservedConcurrency: 1,
  },
  // CloudFormation's custom resource for workflows declared in CDK apps (RondoWorkflow).
  'workflow-resource': {
    entry: 'functions/workflow-resource/handler.ts',
    timeoutSeconds: 60,
    memoryMiB: 512,
  },
  // The table's change stream: status-change events, and the alerts they raise.
  'status-events': { entry: 'functions/status-events/handler.ts', timeoutSeconds: 120, memoryMiB: 512 },
};

/**
 * The table's stream (new and old images) and its consumer: records per handler call, and
 * retries of a failing batch before its records go to the stream's dead-letter queue.
 */
export const STATUS_STREAM = { consumer: 'status-events' as FunctionName, batchSize: 100, maxRetries: 10 };

/** The reconciler's own schedule (EventBridge Scheduler, in Rondo's schedule group). */
export const RECONCILER_SCHEDULE = {
  name: 'rondo-reconciler',
  expression: 'rate(1 minute)',
  target: 'reconcile' as FunctionName,
};

export const QUEUES: Record<QueueName, QueueSpec> = {
  dispatch: { consumer: 'dispatch', batchSize: 10, maxReceiveCount: 5 },
  completion: { consumer: 'resolve', batchSize: 10, maxReceiveCount: 5 },
  events: { consumer: 'ingest-event', batchSize: 10, maxReceiveCount: 5 },
};

/** SQS visibility timeout: at least six times the consumer's timeout (AWS's guidance). */
export function visibilityTimeoutSeconds(queue: QueueName): number {
  return 6 * FUNCTIONS[QUEUES[queue].consumer].timeoutSeconds;
}

export const RESOURCE_PREFIX = 'rondo';

/** Time an attempt's function keeps to record a timed-out attempt before Lambda stops it. */
export const INLINE_ATTEMPT_MARGIN_SECONDS = 30;

/**
 * The longest an attempt may run inside a function (dispatch, retry-attempt, loop): their
 * shortest timeout less the margin. The same in AWS and in the embedded runtime.
 */
export const MAX_INLINE_ATTEMPT_SECONDS =
  Math.min(
    FUNCTIONS.dispatch.timeoutSeconds,
    FUNCTIONS['retry-attempt'].timeoutSeconds,
    FUNCTIONS.loop.timeoutSeconds,
  ) - INLINE_ATTEMPT_MARGIN_SECONDS;

/** `retry-attempt` → `RetryAttempt`, for construct ids and output names. */
export function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The stack outputs naming a work queue's URL and its dead-letter queue's (read by the LocalStack target). */
export const queueUrlOutputs = (queue: QueueName) => ({
  queue: `${pascal(queue)}QueueUrl`,
  deadLetterQueue: `${pascal(queue)}DeadLetterQueueUrl`,
});

/**
 * The CloudFormation export naming a stage's workflow custom-resource provider (its service
 * token): `RondoWorkflow.serviceTokenOf(stage)` in a team's own CDK app imports it.
 */
export const workflowServiceTokenExport = (stage: string) =>
  `${RESOURCE_PREFIX}-${stage}-workflow-service-token`;

/** The stage `npm run deploy:local` deploys to LocalStack. */
export const LOCALSTACK_STAGE = 'local';

/** The CloudWatch namespace of a stage's metrics (`Rondo/dev`); the embedded runtime's is `Rondo/local`. */
export const metricsNamespace = (stage: string) => `Rondo/${stage}`;
export const SCHEDULE_GROUP = 'rondo';
export const EVENT_BUS = 'rondo';

/**
 * External events on Rondo's bus go to the events queue; Rondo's own status events
 * (source prefix `rondo.`) do not loop back.
 */
export const EXTERNAL_EVENTS_RULE = {
  name: 'external-events',
  pattern: { source: [{ 'anything-but': { prefix: 'rondo.' } }] },
  target: 'events' as QueueName,
};

/** Which executors each deployment offers; `shell` exists only in the embedded runtime. */
export const AWS_EXECUTORS = ['lambda', 'http', 'callback', 'condition', 'noop'];
export const LOCAL_EXECUTORS = ['lambda', 'http', 'callback', 'condition', 'noop', 'shell'];

export type ResourceIds = {
  tableName: string;
  queueUrls: Record<QueueName, string>;
  retryStateMachineArn: string;
  loopStateMachineArn: string;
  scheduleGroup: string;
  createRunFunctionArn: string;
  schedulerRoleArn: string;
  executors: string[];
  eventBusName: string;
};

/** The environment every engine function receives, here and in AWS. */
export function engineEnvironment(ids: ResourceIds): Record<string, string> {
  return {
    [ENV.tableName]: ids.tableName,
    [ENV.dispatchQueueUrl]: ids.queueUrls.dispatch,
    [ENV.completionQueueUrl]: ids.queueUrls.completion,
    [ENV.retryStateMachineArn]: ids.retryStateMachineArn,
    [ENV.loopStateMachineArn]: ids.loopStateMachineArn,
    [ENV.scheduleGroup]: ids.scheduleGroup,
    [ENV.scheduleTargetArn]: ids.createRunFunctionArn,
    [ENV.schedulerRoleArn]: ids.schedulerRoleArn,
    [ENV.executors]: ids.executors.join(','),
    [ENV.eventBusName]: ids.eventBusName,
  };
}
