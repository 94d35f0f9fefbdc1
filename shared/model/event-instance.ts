// An event instance: one received external event (PRODUCT.md §2).
import type { CycleType } from './workflow.ts';

/** REJECTED: received but unusable (e.g. a malformed data time); kept, never matched. */
export type EventInstanceStatus = 'PENDING' | 'CONSUMING' | 'CONSUMED' | 'EXPIRED' | 'REJECTED';

export type EventInstance = {
  /** The EventBridge event id: a redelivered event names the same instance. */
  id: string;
  name: string;
  source: string;
  dataTime: string;
  triggerTime: string;
  receivedAt: string;
  /** The cycle it stands for, when its sender names one (`detail.cycleType`). */
  cycleType?: CycleType;
  status: EventInstanceStatus;
  detail: Record<string, unknown>;
  /** Why a REJECTED event could not be used. */
  reason?: string;
  /** The instances it released (CONSUMED). */
  consumedBy?: string[];
  statusAt?: string;
};
