// Configuration of the engine functions: read once by each entry module from its
// environment (the same names in AWS, set by CDK, and in the embedded runtime).
import { z } from 'zod';
import { DEFAULT_ENGINE_SETTINGS } from '#shared/engine/deps.ts';
import { STATUS_EVENT_LEVELS, type StatusEventLevel } from '#shared/model/status-change.ts';

export const ENV = {
  tableName: 'RONDO_TABLE_NAME',
  dispatchQueueUrl: 'RONDO_DISPATCH_QUEUE_URL',
  completionQueueUrl: 'RONDO_COMPLETION_QUEUE_URL',
  retryStateMachineArn: 'RONDO_RETRY_STATE_MACHINE_ARN',
  loopStateMachineArn: 'RONDO_LOOP_STATE_MACHINE_ARN',
  scheduleGroup: 'RONDO_SCHEDULE_GROUP',
  scheduleTargetArn: 'RONDO_SCHEDULE_TARGET_ARN',
  schedulerRoleArn: 'RONDO_SCHEDULER_ROLE_ARN',
  executors: 'RONDO_EXECUTORS',
  eventBusName: 'RONDO_EVENT_BUS_NAME',
  developmentIdentity: 'RONDO_DEVELOPMENT_IDENTITY',
} as const;

/** Settings with defaults: deployments set them only to change the default. */
export const OPTIONAL_ENV = {
  graceSeconds: 'RONDO_GRACE_SECONDS',
  maxInlineAttemptSeconds: 'RONDO_MAX_INLINE_ATTEMPT_SECONDS',
  /** Comma-separated identities (IAM user names, role/session, JWT usernames) that may do everything. */
  admins: 'RONDO_ADMINS',
  /** Task secrets are read under this Secrets Manager prefix (`rondo/<stage>/` in AWS). */
  secretPrefix: 'RONDO_SECRET_PREFIX',
  /** Comma-separated hosts, `*.domains`, addresses and CIDR blocks `http` tasks may call (unset: any). */
  httpAllowedHosts: 'RONDO_HTTP_ALLOWED_HOSTS',
  /** The stack's alert topic: `sns` alert channels without a topic publish here. */
  alertTopicArn: 'RONDO_ALERT_TOPIC_ARN',
  /** Links in alerts start here (the API's URL). */
  linkBaseUrl: 'RONDO_LINK_BASE_URL',
  /** Which status changes become events: ALL (default), FINISHED or NONE (shared/engine/status-events.ts). */
  statusEvents: 'RONDO_STATUS_EVENTS',
} as const;

export const DEFAULT_SECRET_PREFIX = 'rondo/';

export type EngineConfig = {
  tableName: string;
  dispatchQueueUrl: string;
  completionQueueUrl: string;
  retryStateMachineArn: string;
  loopStateMachineArn: string;
  scheduleGroup: string;
  scheduleTargetArn: string;
  schedulerRoleArn: string;
  executors: string[];
  eventBusName: string;
  developmentIdentity: string | undefined;
  /** Seconds past an instance's due time before the reconciler heals it. */
  graceSeconds: number;
  /** The longest an attempt may run inside a function (unset: no limit but the task's). */
  maxInlineAttemptSeconds: number | undefined;
  /** PATH for `shell` tasks (where that executor is enabled). */
  shellPath: string;
  admins: string[];
  secretPrefix: string;
  /** Undefined: `http` tasks may call any host. */
  httpAllowedHosts: string[] | undefined;
  alertTopicArn: string | undefined;
  linkBaseUrl: string | undefined;
  statusEvents: StatusEventLevel;
};

const required = z.string().min(1);

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Reads and checks the configuration; a missing variable fails the cold start, loudly. */
export function loadEngineConfig(env: Record<string, string | undefined>): EngineConfig {
  const read = (key: keyof typeof ENV) => {
    const parsed = required.safeParse(env[ENV[key]]);
    if (!parsed.success) throw new Error(`Missing environment variable ${ENV[key]}`);
    return parsed.data;
  };
  return {
    tableName: read('tableName'),
    dispatchQueueUrl: read('dispatchQueueUrl'),
    completionQueueUrl: read('completionQueueUrl'),
    retryStateMachineArn: read('retryStateMachineArn'),
    loopStateMachineArn: read('loopStateMachineArn'),
    scheduleGroup: read('scheduleGroup'),
    scheduleTargetArn: read('scheduleTargetArn'),
    schedulerRoleArn: read('schedulerRoleArn'),
    executors: read('executors')
      .split(',')
      .map((s) => s.trim()),
    eventBusName: read('eventBusName'),
    developmentIdentity: env[ENV.developmentIdentity] || undefined,
    graceSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_ENGINE_SETTINGS.graceSeconds)
      .parse(env[OPTIONAL_ENV.graceSeconds]),
    maxInlineAttemptSeconds: z.coerce
      .number()
      .int()
      .positive()
      .optional()
      .parse(env[OPTIONAL_ENV.maxInlineAttemptSeconds] || undefined),
    shellPath: env.PATH ?? '/usr/bin:/bin',
    admins: list(env[OPTIONAL_ENV.admins]),
    secretPrefix: env[OPTIONAL_ENV.secretPrefix] || DEFAULT_SECRET_PREFIX,
    httpAllowedHosts: env[OPTIONAL_ENV.httpAllowedHosts]
      ? list(env[OPTIONAL_ENV.httpAllowedHosts])
      : undefined,
    alertTopicArn: env[OPTIONAL_ENV.alertTopicArn] || undefined,
    linkBaseUrl: env[OPTIONAL_ENV.linkBaseUrl] || undefined,
    statusEvents: z
      .enum(STATUS_EVENT_LEVELS, {
        error: `${OPTIONAL_ENV.statusEvents} must be one of ${STATUS_EVENT_LEVELS.join(', ')}`,
      })
      .default('ALL')
      .parse(env[OPTIONAL_ENV.statusEvents] || undefined),
  };
}
