/** Puts events on Rondo's event bus (EventBridge in AWS), where rules route them. */
export type EventBus = {
  put(entry: {
    source: string;
    detailType: string;
    detail: Record<string, unknown>;
  }): Promise<{ eventId: string }>;
};
