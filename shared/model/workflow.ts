// The workflow definition: the public contract of PRODUCT.md §6, as a zod schema, plus
// the graph rules a schema cannot express (unknown tasks in edges, self-edges, cycles).
import { z } from 'zod';
import { type ErrorDetail, ValidationError } from '../errors.ts';
import { TASK_ID_PATTERN, WORKFLOW_ID_PATTERN } from './ids.ts';

export const TASK_TYPES = [
  'lambda',
  'http',
  'callback',
  'subworkflow',
  'foreach',
  'condition',
  'noop',
  'shell',
] as const;
export const EDGE_CONDITIONS = ['SUCCESS', 'FAILURE', 'ALWAYS'] as const;
export const CYCLE_TYPES = ['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'CRON'] as const;

export const MAX_RETRIES_LIMIT = 100;
export const MAX_TASK_TIMEOUT_SECONDS = 7 * 24 * 3600;
export const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_RETRY_INTERVAL_SECONDS = 60;
export const DEFAULT_TASK_TIMEOUT_SECONDS = 3600;
export const DEFAULT_RESOURCE_GROUP = 'default';

const parameterSchema = z.discriminatedUnion('type', [
  z.strictObject({ name: z.string().min(1), type: z.literal('text'), default: z.string().optional() }),
  z.strictObject({ name: z.string().min(1), type: z.literal('numeric'), default: z.number().optional() }),
  z.strictObject({ name: z.string().min(1), type: z.literal('date'), default: z.iso.datetime().optional() }),
]);

const retrySchema = z.strictObject({
  maxRetries: z.number().int().min(0).max(MAX_RETRIES_LIMIT).default(DEFAULT_MAX_RETRIES),
  intervalSeconds: z.number().int().min(0).max(86_400).default(DEFAULT_RETRY_INTERVAL_SECONDS),
  backoffRate: z.number().min(1).max(10).default(1),
});

const taskSchema = z.strictObject({
  id: z.string().regex(TASK_ID_PATTERN, 'letters, digits, - and _ only, at most 64'),
  name: z.string().min(1).max(200).optional(),
  type: z.enum(TASK_TYPES),
  config: z.record(z.string(), z.unknown()).default({}),
  retry: retrySchema.default({
    maxRetries: DEFAULT_MAX_RETRIES,
    intervalSeconds: DEFAULT_RETRY_INTERVAL_SECONDS,
    backoffRate: 1,
  }),
  timeoutSeconds: z.number().int().min(1).max(MAX_TASK_TIMEOUT_SECONDS).default(DEFAULT_TASK_TIMEOUT_SECONDS),
  resourceGroup: z.string().min(1).max(64).default(DEFAULT_RESOURCE_GROUP),
  event: z
    .strictObject({ name: z.string().min(1), validitySeconds: z.number().int().positive().optional() })
    .optional(),
  selfDependent: z.boolean().default(false),
  dependsOn: z
    .array(
      z.strictObject({
        workflow: z.string().regex(WORKFLOW_ID_PATTERN),
        task: z.string(),
        offset: z.string().default('0d'),
      }),
    )
    .default([]),
  outputs: z.array(z.string()).optional(),
});

const edgeSchema = z.strictObject({
  from: z.string(),
  to: z.string(),
  condition: z.enum(EDGE_CONDITIONS).default('SUCCESS'),
  /** From a `condition` task: the branch this edge belongs to (`then`, `else`, a case, `default`). */
  branch: z.string().min(1).optional(),
});

/** A `condition` task's config: `if` (branches then/else) or `switch` over `cases` (plus `default`). */
export const conditionConfigSchema = z.union([
  z.strictObject({ if: z.string().min(1) }),
  z.strictObject({ switch: z.string().min(1), cases: z.array(z.string().min(1)).min(1) }),
]);
export type ConditionConfig = z.infer<typeof conditionConfigSchema>;

/** A `subworkflow` task's config: the workflow to run as a child, and its parameters. */
export const subworkflowConfigSchema = z.strictObject({
  workflow: z.string().regex(WORKFLOW_ID_PATTERN),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/** The most items one for-each attempt iterates over (its Map state's input lists their indexes). */
export const MAX_FOREACH_ITEMS = 10_000;
/** The most iterations of one for-each that run at once (a distributed Map allows 10,000). */
export const MAX_FOREACH_CONCURRENCY = 1_000;
export const DEFAULT_FOREACH_CONCURRENCY = 10;
/** The body of a for-each: a task template run once per item (no nested for-each). */
export const FOREACH_BODY_TYPES = ['lambda', 'http', 'callback', 'subworkflow', 'noop', 'shell'] as const;

/**
 * A `foreach` task's config: `items` (a list, or a template that renders to one: a
 * parameter, an upstream task's output), the `body` run for each item (one task template;
 * a `subworkflow` body runs a whole workflow per item), how many iterations run at once,
 * and how many may finally fail before the loop does.
 */
export const foreachConfigSchema = z.strictObject({
  items: z.union([z.string().min(1), z.array(z.unknown()).max(MAX_FOREACH_ITEMS)]),
  body: z.strictObject({
    type: z.enum(FOREACH_BODY_TYPES),
    config: z.record(z.string(), z.unknown()).default({}),
    retry: retrySchema.optional(),
    timeoutSeconds: z.number().int().min(1).max(MAX_TASK_TIMEOUT_SECONDS).optional(),
  }),
  maxConcurrency: z.number().int().min(1).max(MAX_FOREACH_CONCURRENCY).default(DEFAULT_FOREACH_CONCURRENCY),
  toleratedFailures: z.number().int().min(0).max(MAX_FOREACH_ITEMS).default(0),
});
export type ForeachConfig = z.infer<typeof foreachConfigSchema>;

/** The branches a condition task can choose. */
export function branchesOf(config: ConditionConfig): string[] {
  return 'if' in config ? ['then', 'else'] : [...config.cases, 'default'];
}

const scheduleSchema = z.strictObject({
  cycle: z.enum(CYCLE_TYPES),
  expression: z.string().min(1),
  timezone: z.string().default('UTC'),
  start: z.iso.datetime().optional(),
  end: z.iso.datetime().optional(),
  status: z.enum(['ENABLED', 'PAUSED']).default('ENABLED'),
});

/** `90s`, `30m`, `2h`, `1d`: how long, for alert deadlines and waiting limits. */
export const DURATION_PATTERN = /^([1-9]\d{0,5})(s|m|h|d)$/;
const DURATION_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const durationSchema = z.string().regex(DURATION_PATTERN, 'a duration such as 90s, 30m, 2h or 1d');

/** Seconds in a duration (`2h` → 7200); the string must match DURATION_PATTERN. */
export function durationSeconds(duration: string): number {
  const match = DURATION_PATTERN.exec(duration);
  if (!match) throw new Error(`'${duration}' is not a duration`);
  return Number(match[1]) * DURATION_SECONDS[match[2] as keyof typeof DURATION_SECONDS];
}

export const ALERT_CONDITIONS = ['FAILED', 'TERMINATED', 'RETRY', 'DEADLINE', 'WAITING'] as const;
export const WAITING_STATUSES = ['WAITING_UPSTREAM', 'WAITING_EVENT', 'WAITING_EXECUTION'] as const;

/**
 * Where an alert goes: an SNS topic (e-mail, SMS, HTTPS subscribers; the stack's alert topic
 * when no ARN is given), or a webhook that takes Slack/Teams-style JSON (`{ "text": … }`);
 * its URL may be a secret (`{{secret:slack-webhook}}`).
 */
export const alertChannelSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('sns'),
    topicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN')
      .optional(),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    url: z
      .string()
      .min(1)
      .refine((url) => /^\{\{secret:[^}]+\}\}$/.test(url) || /^https?:\/\/[^\s]+$/.test(url), {
        message: 'an http(s) URL, or a secret holding one ({{secret:NAME}})',
      }),
  }),
]);

/**
 * An alert rule: when (the condition), for which tasks (all when absent; a DEADLINE without
 * tasks is the whole run's), and where to. RETRY fires on the Nth retry (`retry`, default 1);
 * DEADLINE when not SUCCESS `deadline.after` the data time or the planned time; WAITING when
 * an instance stays in `waiting.status` longer than `waiting.longerThan`.
 */
const alertRuleSchema = z
  .strictObject({
    id: z.string().regex(TASK_ID_PATTERN, 'letters, digits, - and _ only, at most 64'),
    on: z.enum(ALERT_CONDITIONS),
    tasks: z.array(z.string()).min(1).optional(),
    retry: z.number().int().min(1).max(MAX_RETRIES_LIMIT).optional(),
    deadline: z
      .strictObject({
        after: durationSchema,
        from: z.enum(['DATA_TIME', 'PLANNED_TIME']).default('DATA_TIME'),
      })
      .optional(),
    waiting: z.strictObject({ status: z.enum(WAITING_STATUSES), longerThan: durationSchema }).optional(),
    channels: z.array(alertChannelSchema).min(1).max(5),
  })
  .superRefine((rule, context) => {
    const needs = { DEADLINE: 'deadline', WAITING: 'waiting', RETRY: 'retry' } as const;
    for (const [on, field] of Object.entries(needs)) {
      if (rule.on === on && field !== 'retry' && rule[field] === undefined) {
        context.addIssue({ code: 'custom', path: [field], message: `an alert on ${on} says its ${field}` });
      }
      if (rule.on !== on && rule[field] !== undefined) {
        context.addIssue({ code: 'custom', path: [field], message: `only an alert on ${on} has a ${field}` });
      }
    }
  });

export type AlertRule = z.output<typeof alertRuleSchema>;
export type AlertChannel = z.output<typeof alertChannelSchema>;

export const workflowDefinitionSchema = z.strictObject({
  id: z.string().regex(WORKFLOW_ID_PATTERN, 'lower-case letters, digits, - and _ only, at most 64'),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  folder: z
    .string()
    .regex(/^\/([^/]+(\/[^/]+)*)?$/, 'an absolute folder path such as /finance/reports')
    .default('/'),
  parameters: z.array(parameterSchema).default([]),
  schedule: scheduleSchema.optional(),
  tasks: z.array(taskSchema).min(1),
  edges: z.array(edgeSchema).default([]),
  /** Alert rules (absent: none). */
  alerts: z.array(alertRuleSchema).max(50).optional(),
});

export type WorkflowDefinitionInput = z.input<typeof workflowDefinitionSchema>;
export type WorkflowDefinition = z.output<typeof workflowDefinitionSchema>;
export type TaskDefinition = WorkflowDefinition['tasks'][number];
export type EdgeDefinition = WorkflowDefinition['edges'][number];
export type ScheduleDefinition = NonNullable<WorkflowDefinition['schedule']>;
export type EdgeCondition = (typeof EDGE_CONDITIONS)[number];
export type CycleType = (typeof CYCLE_TYPES)[number];

/** Renders a zod issue path as `tasks[2].id`. */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** Validates a definition; throws ValidationError listing every fault with its path. */
export function parseWorkflowDefinition(input: unknown): WorkflowDefinition {
  const parsed = workflowDefinitionSchema.safeParse(input);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      path: issuePath(issue.path),
      message: issue.message,
      code: issue.code,
    }));
    throw new ValidationError('The workflow definition is not valid', details, 'INVALID_WORKFLOW');
  }
  const faults = graphFaults(parsed.data);
  if (faults.length > 0)
    throw new ValidationError('The workflow graph is not valid', faults, 'INVALID_WORKFLOW');
  return parsed.data;
}

function graphFaults(definition: WorkflowDefinition): ErrorDetail[] {
  const faults: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  definition.tasks.forEach((task, i) => {
    if (seen.has(task.id)) {
      faults.push({
        path: `tasks[${i}].id`,
        code: 'DUPLICATE_TASK_ID',
        message: `task id '${task.id}' is used twice`,
      });
    }
    seen.set(task.id, i);
  });
  const pairs = new Set<string>();
  definition.edges.forEach((edge, i) => {
    const pair = `${edge.from}→${edge.to}`;
    if (pairs.has(pair)) {
      faults.push({
        path: `edges[${i}]`,
        code: 'DUPLICATE_EDGE',
        message: `a second edge ${pair}: one edge per pair of tasks`,
      });
    }
    pairs.add(pair);
    for (const end of ['from', 'to'] as const) {
      if (!seen.has(edge[end])) {
        faults.push({ path: `edges[${i}].${end}`, code: 'UNKNOWN_TASK', message: `no task '${edge[end]}'` });
      }
    }
    const from = definition.tasks[seen.get(edge.from) ?? -1];
    if (from?.type === 'condition') {
      const config = conditionConfigSchema.safeParse(from.config);
      const branches = config.success ? branchesOf(config.data) : [];
      if (!edge.branch || (config.success && !branches.includes(edge.branch))) {
        faults.push({
          path: `edges[${i}].branch`,
          code: 'UNKNOWN_BRANCH',
          message: `an edge from condition task '${edge.from}' names one of its branches: ${branches.join(', ')}`,
        });
      }
    } else if (edge.branch !== undefined) {
      faults.push({
        path: `edges[${i}].branch`,
        code: 'UNEXPECTED_BRANCH',
        message: `only edges from a condition task have a branch; '${edge.from}' is a ${from?.type ?? 'missing'} task`,
      });
    }
    if (edge.from === edge.to) {
      faults.push({
        path: `edges[${i}]`,
        code: 'SELF_EDGE',
        message: `task '${edge.from}' depends on itself`,
      });
    }
  });
  const ruleIds = new Set<string>();
  (definition.alerts ?? []).forEach((rule, i) => {
    if (ruleIds.has(rule.id)) {
      faults.push({
        path: `alerts[${i}].id`,
        code: 'DUPLICATE_ALERT_ID',
        message: `alert id '${rule.id}' is used twice`,
      });
    }
    ruleIds.add(rule.id);
    (rule.tasks ?? []).forEach((task, j) => {
      if (!seen.has(task))
        faults.push({ path: `alerts[${i}].tasks[${j}]`, code: 'UNKNOWN_TASK', message: `no task '${task}'` });
    });
  });
  if (faults.length === 0) {
    const cycle = findCycle(definition);
    if (cycle)
      faults.push({ path: 'edges', code: 'CYCLE', message: `the edges form a cycle: ${cycle.join(' → ')}` });
  }
  return faults;
}

/** Returns one cycle as a list of task ids (first repeated at the end), or undefined. */
export function findCycle(definition: Pick<WorkflowDefinition, 'tasks' | 'edges'>): string[] | undefined {
  const next = new Map<string, string[]>(definition.tasks.map((t) => [t.id, []]));
  for (const edge of definition.edges) next.get(edge.from)?.push(edge.to);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'open');
    stack.push(id);
    for (const to of next.get(id) ?? []) {
      if (state.get(to) === 'open') return [...stack.slice(stack.indexOf(to)), to];
      if (!state.has(to)) {
        const found = visit(to);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const task of definition.tasks) {
    if (!state.has(task.id)) {
      const found = visit(task.id);
      if (found) return found;
    }
  }
  return undefined;
}
