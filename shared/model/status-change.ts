// A status an instance or a run entered, as the table's change stream reports it: the
// source of Rondo's status-change events and of its alerts.
import type { Instance, InstanceStatus } from './instance.ts';
import type { Run, RunStatus } from './run.ts';

export type StatusChange =
  | {
      kind: 'instance';
      /** Unique per change (the stream record's id): consumers deduplicate on it. */
      changeId: string;
      /** Absent for a new instance. */
      previous?: InstanceStatus;
      instance: Instance;
      /** When the change was written, as the stream knows it (to the second). */
      at?: string;
    }
  | { kind: 'run'; changeId: string; previous?: RunStatus; run: Run; at?: string };

/**
 * Which status changes become events (a deployment setting, `statusEvents`): every one (the
 * default); an instance's final status only (SUCCESS, FAILED, TERMINATED, SKIPPED) and every
 * run change; or none. EventBridge bills each event: a first-time success makes three with
 * ALL, one with FINISHED (docs/benchmarks.md). Alerts are raised from every change whatever
 * the level.
 */
export const STATUS_EVENT_LEVELS = ['ALL', 'FINISHED', 'NONE'] as const;
export type StatusEventLevel = (typeof STATUS_EVENT_LEVELS)[number];
