// Alerts: what a rule of a workflow reported about one instance (or one run, for a run's
// deadline), kept once per subject and rule, with where it was delivered.
import type { AlertChannel, AlertRule } from './workflow.ts';

export type AlertSubject = { kind: 'instance' | 'run'; id: string };

export type ChannelDelivery = {
  channel: AlertChannel;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  deliveredAt?: string;
  lastError?: string;
};

export type Alert = {
  /** `<subject id>~<rule id>`: one alert per instance (or run) per rule. */
  id: string;
  workflowId: string;
  workflowVersion: number;
  ruleId: string;
  on: AlertRule['on'];
  subject: AlertSubject;
  runId: string;
  taskId?: string;
  dataTime: string;
  /** The subject's status when the alert fired. */
  status: string;
  error?: { code: string; message: string };
  title: string;
  message: string;
  /** Where an operator looks at the subject (the API, or the console once there is one). */
  link: string;
  firedAt: string;
  delivery: 'PENDING' | 'DELIVERED' | 'FAILED';
  channels: ChannelDelivery[];
};

export const alertId = (subject: AlertSubject, ruleId: string): string => `${subject.id}~${ruleId}`;

/**
 * Something to check at a time, in the alert timers' sparse index: a deadline (is the run,
 * or are its named tasks, SUCCESS yet?), a waiting limit (is the instance still waiting
 * since then?), or an alert's next delivery attempt. Nothing is read before it is due.
 */
export type AlertTimer = {
  id: string;
  dueAt: string;
  type: 'DEADLINE' | 'WAITING' | 'DELIVERY';
  workflowId: string;
  workflowVersion: number;
  ruleId: string;
  runId?: string;
  instanceId?: string;
  /** WAITING: the status, and when the instance entered it. */
  status?: string;
  since?: string;
  /** DELIVERY: the alert. */
  alertId?: string;
};
