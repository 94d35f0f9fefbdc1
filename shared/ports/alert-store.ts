// Alerts and alert timers, kept in Rondo's table.
import type { Alert, AlertTimer } from '../model/alert.ts';
import type { Page } from './store.ts';

export type AlertStore = {
  /**
   * Records an alert with its first delivery timer, both or neither; false when that subject
   * and rule already have one (the alert was raised before: nothing is written).
   */
  createAlert(alert: Alert, delivery: AlertTimer): Promise<boolean>;
  getAlert(id: string): Promise<Alert | undefined>;
  /** Replaces what is known of its deliveries. */
  updateAlertDelivery(id: string, patch: Pick<Alert, 'delivery' | 'channels'>): Promise<void>;
  /** Newest first; only one workflow's with `workflowId`. */
  listAlerts(query: { workflowId?: string; limit: number; cursor?: string }): Promise<Page<Alert>>;
  /** Puts (or replaces) a timer. */
  putTimer(timer: AlertTimer): Promise<void>;
  /** Timers due at `now`, soonest first. */
  listDueTimers(now: string, limit: number): Promise<AlertTimer[]>;
  /** Deletes the timer as read (one moved on meanwhile stays). */
  deleteTimer(timer: AlertTimer): Promise<void>;
  /** Deletes a timer by id, whenever it is due (none: nothing happens). */
  cancelTimer(id: string): Promise<void>;
};
