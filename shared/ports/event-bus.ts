/** One event for Rondo's event bus. */
export type BusEntry = { source: string; detailType: string; detail: Record<string, unknown> };

/** Puts events on Rondo's event bus (EventBridge in AWS), where rules route them. */
export type EventBus = {
  put(entry: BusEntry): Promise<{ eventId: string }>;
  /** Puts many events in as few requests as the bus allows; throws when some could not be put. */
  putMany(entries: BusEntry[]): Promise<void>;
};
