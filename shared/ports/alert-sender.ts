// Sends an alert on one channel: an SNS topic or a webhook. Throws when it was not delivered.
import type { Alert } from '../model/alert.ts';
import type { AlertChannel } from '../model/workflow.ts';

export type AlertSender = { send(channel: AlertChannel, alert: Alert): Promise<void> };
