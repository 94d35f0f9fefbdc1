// An event instance: one received external event (PRODUCT.md §2).

export type EventInstanceStatus = 'PENDING' | 'CONSUMING' | 'CONSUMED' | 'EXPIRED';

export type EventInstance = {
  /** The EventBridge event id: a redelivered event names the same instance. */
  id: string;
  name: string;
  source: string;
  dataTime: string;
  triggerTime: string;
  receivedAt: string;
  status: EventInstanceStatus;
  detail: Record<string, unknown>;
};
