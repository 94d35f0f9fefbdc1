// Alerts: a workflow's rules (PRODUCT.md §6 `alerts`) turned into one alert per instance (or
// run) per rule, delivered to SNS topics and webhooks. FAILED, TERMINATED and the Nth retry
// fire from the status changes of the table's stream; a deadline and a waiting limit are
// timers in a sparse index that the reconciler's sweep reads only when they are due, so a
// deadline costs nothing while nothing is late. Deliveries that fail are tried again by the
// same sweep, with backoff, then given up (the alert keeps the error).
import { type Alert, type AlertSubject, type AlertTimer, alertId } from '../model/alert.ts';
import { instanceId as idOf } from '../model/ids.ts';
import { currentAttempt, type Instance } from '../model/instance.ts';
import type { Run } from '../model/run.ts';
import type { StatusChange } from '../model/status-change.ts';
import { type AlertRule, durationSeconds } from '../model/workflow.ts';
import type { AlertSender } from '../ports/alert-sender.ts';
import type { AlertStore } from '../ports/alert-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';

export type AlertDeps = {
  store: Pick<Store, 'getWorkflowVersion' | 'getRun' | 'getInstance' | 'getInstances'>;
  alerts: AlertStore;
  sender: AlertSender;
  clock: Clock;
  settings: {
    /** Links in alerts start here (the API's URL); absent: links are paths. */
    linkBaseUrl?: string;
  };
};

/** Tries per channel before an alert's delivery there is given up. */
export const MAX_DELIVERY_ATTEMPTS = 5;
/** The first retry waits this long, each next one twice as long. */
const DELIVERY_RETRY_SECONDS = 60;
/** A raised alert's delivery timer: due only if the delivery right after raising it is lost. */
const FIRST_DELIVERY_GRACE_SECONDS = 120;
const ERROR_EXCERPT = 300;

/** Rules by workflow version: versions never change, so a warm function reads each once. */
const rulesCache = new Map<string, AlertRule[]>();
const RULES_CACHE_SIZE = 500;

async function rulesOf(deps: AlertDeps, workflowId: string, version: number): Promise<AlertRule[]> {
  const key = `${workflowId}@${version}`;
  const cached = rulesCache.get(key);
  if (cached) return cached;
  const workflow = await deps.store.getWorkflowVersion(workflowId, version);
  const rules = workflow?.definition.alerts ?? [];
  if (rulesCache.size >= RULES_CACHE_SIZE) rulesCache.delete(rulesCache.keys().next().value as string);
  rulesCache.set(key, rules);
  return rules;
}

const appliesTo = (rule: AlertRule, taskId: string) => !rule.tasks || rule.tasks.includes(taskId);
const plus = (time: string | Date, seconds: number) =>
  new Date(new Date(time).getTime() + seconds * 1000).toISOString();

/**
 * Raises the alerts and arms the timers a batch of status changes calls for. Safe to repeat
 * (the stream delivers at least once): an alert exists once per subject and rule, and a
 * timer is put under a key of its own.
 */
export async function alertOnStatusChange(deps: AlertDeps, change: StatusChange): Promise<void> {
  if (change.kind === 'run') {
    const { run } = change;
    // A new run arms its deadlines. A backfill's runs are not held to them (their data times
    // are long past); any other run whose deadline has already passed is checked at once.
    if (change.previous !== undefined || run.backfillId || run.type === 'SUPPLEMENTARY') return;
    for (const rule of await rulesOf(deps, run.workflowId, run.workflowVersion)) {
      if (rule.on !== 'DEADLINE' || !rule.deadline) continue;
      const base = rule.deadline.from === 'PLANNED_TIME' ? run.plannedTime : run.dataTime;
      const deadline = plus(base, durationSeconds(rule.deadline.after));
      const now = deps.clock.now().toISOString();
      await deps.alerts.putTimer({
        id: `${run.id}~${rule.id}~deadline`,
        type: 'DEADLINE',
        dueAt: deadline > now ? deadline : now,
        workflowId: run.workflowId,
        workflowVersion: run.workflowVersion,
        ruleId: rule.id,
        runId: run.id,
      });
    }
    return;
  }
  const { instance } = change;
  // A for-each's iterations are the for-each's business: its own instance is what alerts.
  if (instance.iteration) return;
  for (const rule of await rulesOf(deps, instance.workflowId, instance.workflowVersion)) {
    if (!appliesTo(rule, instance.taskId)) continue;
    if (
      (rule.on === 'FAILED' && instance.status === 'FAILED') ||
      (rule.on === 'TERMINATED' && instance.status === 'TERMINATED') ||
      // Entering RETRYING, `retries` counts the retries made so far: the next is number retries + 1.
      (rule.on === 'RETRY' && instance.status === 'RETRYING' && instance.retries + 1 === (rule.retry ?? 1))
    ) {
      await raiseAlert(deps, rule, instanceSubject(instance));
    } else if (rule.on === 'WAITING' && rule.waiting && change.previous === rule.waiting.status) {
      // It moved on: its waiting limit is void (no read or alert for it later).
      await deps.alerts.cancelTimer(`${instance.id}~${rule.id}~waiting`);
    }
    if (rule.on === 'WAITING' && rule.waiting && instance.status === rule.waiting.status) {
      const since = instance.transitions.at(-1)?.at ?? deps.clock.now().toISOString();
      await deps.alerts.putTimer({
        id: `${instance.id}~${rule.id}~waiting`,
        type: 'WAITING',
        dueAt: plus(since, durationSeconds(rule.waiting.longerThan)),
        workflowId: instance.workflowId,
        workflowVersion: instance.workflowVersion,
        ruleId: rule.id,
        instanceId: instance.id,
        status: instance.status,
        since,
      });
    }
  }
}

export type TimerSweep = { examined: number; raised: number; delivered: number; errors: string[] };

/** The reconciler's part: the timers due now (deadlines, waiting limits, delivery retries). */
export async function sweepAlertTimers(
  deps: AlertDeps,
  options: { limit: number; pages?: number },
): Promise<TimerSweep> {
  const report: TimerSweep = { examined: 0, raised: 0, delivered: 0, errors: [] };
  // Page after page of due timers (each handled is deleted or moved on), up to `pages`.
  for (let page = 0; page < (options.pages ?? 1); page++) {
    const due = await deps.alerts.listDueTimers(deps.clock.now().toISOString(), options.limit);
    await handleTimers(deps, due, report);
    if (due.length < options.limit || report.errors.length > 0) break;
  }
  return report;
}

async function handleTimers(deps: AlertDeps, timers: AlertTimer[], report: TimerSweep): Promise<void> {
  for (const timer of timers) {
    report.examined++;
    try {
      if (timer.type === 'DELIVERY') {
        const alert = timer.alertId ? await deps.alerts.getAlert(timer.alertId) : undefined;
        if (alert?.delivery === 'PENDING') {
          if ((await deliverAlert(deps, alert, timer)) === 'DELIVERED') report.delivered++;
          continue;
        }
      } else {
        report.raised +=
          timer.type === 'DEADLINE' ? await checkDeadline(deps, timer) : await checkWaiting(deps, timer);
      }
      await deps.alerts.deleteTimer(timer);
    } catch (error) {
      report.errors.push(`${timer.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

async function ruleOf(deps: AlertDeps, timer: AlertTimer): Promise<AlertRule | undefined> {
  return (await rulesOf(deps, timer.workflowId, timer.workflowVersion)).find((r) => r.id === timer.ruleId);
}

/** A run's deadline: its named tasks not SUCCESS (each an alert), or the run itself not SUCCESS. */
async function checkDeadline(deps: AlertDeps, timer: AlertTimer): Promise<number> {
  const rule = await ruleOf(deps, timer);
  const run = timer.runId ? await deps.store.getRun(timer.runId) : undefined;
  if (!rule || !run) return 0;
  if (!rule.tasks) {
    if (run.status === 'SUCCESS') return 0;
    return (await raiseAlert(deps, rule, runSubject(run))) ? 1 : 0;
  }
  let raised = 0;
  const instances = await deps.store.getInstances(rule.tasks.map((task) => idOf(run.id, task)));
  for (const instance of instances) {
    if (instance.status === 'SUCCESS' || instance.status === 'SKIPPED') continue;
    if (await raiseAlert(deps, rule, instanceSubject(instance))) raised++;
  }
  return raised;
}

/** A waiting limit: the instance still in the same status since the same moment. */
async function checkWaiting(deps: AlertDeps, timer: AlertTimer): Promise<number> {
  const rule = await ruleOf(deps, timer);
  const instance = timer.instanceId ? await deps.store.getInstance(timer.instanceId) : undefined;
  if (!rule || !instance || instance.status !== timer.status) return 0;
  if (instance.transitions.at(-1)?.at !== timer.since) return 0;
  return (await raiseAlert(deps, rule, instanceSubject(instance))) ? 1 : 0;
}

type Subject = {
  subject: AlertSubject;
  workflowId: string;
  workflowVersion: number;
  runId: string;
  taskId?: string;
  dataTime: string;
  status: string;
  error?: { code: string; message: string };
  attempt?: number;
  maxRetries?: number;
};

function instanceSubject(instance: Instance): Subject {
  return {
    subject: { kind: 'instance', id: instance.id },
    workflowId: instance.workflowId,
    workflowVersion: instance.workflowVersion,
    runId: instance.runId,
    taskId: instance.taskId,
    dataTime: instance.dataTime,
    status: instance.status,
    ...(instance.error ? { error: instance.error } : {}),
    attempt: currentAttempt(instance),
    maxRetries: instance.task.retry.maxRetries,
  };
}

function runSubject(run: Run): Subject {
  return {
    subject: { kind: 'run', id: run.id },
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    runId: run.id,
    dataTime: run.dataTime,
    status: run.status,
  };
}

/** Records the alert (once per subject and rule) and delivers it; false when it existed. */
async function raiseAlert(deps: AlertDeps, rule: AlertRule, about: Subject): Promise<boolean> {
  const now = deps.clock.now();
  const { title, message, link } = describeAlert(deps, rule, about);
  const alert: Alert = {
    id: alertId(about.subject, rule.id),
    workflowId: about.workflowId,
    workflowVersion: about.workflowVersion,
    ruleId: rule.id,
    on: rule.on,
    subject: about.subject,
    runId: about.runId,
    ...(about.taskId ? { taskId: about.taskId } : {}),
    dataTime: about.dataTime,
    status: about.status,
    ...(about.error ? { error: about.error } : {}),
    title,
    message,
    link,
    firedAt: now.toISOString(),
    delivery: 'PENDING',
    channels: rule.channels.map((channel) => ({ channel, status: 'PENDING', attempts: 0 })),
  };
  // The timer goes in with the alert: if this handler stops before delivering, the sweep does it.
  const timer: AlertTimer = {
    id: `${alert.id}~delivery`,
    type: 'DELIVERY',
    dueAt: plus(now, FIRST_DELIVERY_GRACE_SECONDS),
    workflowId: alert.workflowId,
    workflowVersion: alert.workflowVersion,
    ruleId: rule.id,
    alertId: alert.id,
  };
  if (!(await deps.alerts.createAlert(alert, timer))) return false;
  await deliverAlert(deps, alert, timer);
  return true;
}

/** Sends on each channel not yet delivered; records the outcome and when to try again. */
async function deliverAlert(deps: AlertDeps, alert: Alert, timer: AlertTimer): Promise<Alert['delivery']> {
  const now = deps.clock.now().toISOString();
  const channels: Alert['channels'] = [];
  for (const delivery of alert.channels) {
    if (delivery.status !== 'PENDING') {
      channels.push(delivery);
      continue;
    }
    try {
      await deps.sender.send(delivery.channel, alert);
      channels.push({ ...delivery, status: 'DELIVERED', attempts: delivery.attempts + 1, deliveredAt: now });
    } catch (error) {
      const attempts = delivery.attempts + 1;
      const lastError = (error instanceof Error ? error.message : String(error)).slice(0, ERROR_EXCERPT);
      channels.push({
        ...delivery,
        status: attempts >= MAX_DELIVERY_ATTEMPTS ? 'FAILED' : 'PENDING',
        attempts,
        lastError,
      });
    }
  }
  const delivery: Alert['delivery'] = channels.some((c) => c.status === 'PENDING')
    ? 'PENDING'
    : channels.every((c) => c.status === 'DELIVERED')
      ? 'DELIVERED'
      : 'FAILED';
  await deps.alerts.updateAlertDelivery(alert.id, { delivery, channels });
  if (delivery === 'PENDING') {
    const tries = Math.max(...channels.filter((c) => c.status === 'PENDING').map((c) => c.attempts));
    await deps.alerts.putTimer({ ...timer, dueAt: plus(now, DELIVERY_RETRY_SECONDS * 2 ** (tries - 1)) });
  } else {
    await deps.alerts.deleteTimer(timer);
  }
  return delivery;
}

function describeAlert(
  deps: AlertDeps,
  rule: AlertRule,
  about: Subject,
): { title: string; message: string; link: string } {
  const what = about.taskId ? `task ${about.taskId}` : 'run';
  const why = {
    FAILED: 'failed',
    TERMINATED: 'was terminated',
    RETRY: `is retrying (retry ${rule.retry ?? 1} of ${about.maxRetries ?? '?'})`,
    DEADLINE: `is not SUCCESS ${rule.deadline?.after} after its ${rule.deadline?.from === 'PLANNED_TIME' ? 'planned time' : 'data time'} (deadline)`,
    WAITING: `has waited in ${rule.waiting?.status} for more than ${rule.waiting?.longerThan}`,
  }[rule.on];
  const path =
    about.subject.kind === 'run'
      ? `/v1/runs/${encodeURIComponent(about.subject.id)}`
      : `/v1/instances/${encodeURIComponent(about.subject.id)}`;
  const link = `${deps.settings.linkBaseUrl?.replace(/\/+$/, '') ?? ''}${path}`;
  const title = `Rondo: ${about.workflowId} ${what} ${why}`;
  const lines = [
    title,
    `Workflow: ${about.workflowId} (version ${about.workflowVersion})`,
    ...(about.taskId ? [`Task: ${about.taskId}`] : []),
    `Data time: ${about.dataTime}`,
    `Run: ${about.runId}`,
    `Status: ${about.status}${about.attempt ? ` (attempt ${about.attempt})` : ''}`,
    ...(about.error ? [`Error: ${about.error.code}: ${about.error.message.slice(0, ERROR_EXCERPT)}`] : []),
    `Rule: ${rule.id}`,
    `Open: ${link}`,
  ];
  return { title, message: lines.join('\n'), link };
}
