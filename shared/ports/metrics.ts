/**
 * Operational metrics the engine reports: counts and durations, with a few low-cardinality
 * dimensions (a status, never an id). The AWS adapter publishes them as CloudWatch embedded
 * metrics; where nothing listens, `noMetrics` drops them.
 */
export type MetricUnit = 'Count' | 'Milliseconds';

export type Metrics = {
  add(name: MetricName, unit: MetricUnit, value: number, dimensions?: Record<string, string>): void;
};

/** Every metric Rondo publishes, one name per concept. */
export const METRIC = {
  /** Instances entering a status (creation included), by `status`: instances by status. */
  instanceStatus: 'InstanceStatus',
  /** Failed attempts that will be retried. */
  retries: 'Retries',
  /** From a dispatch message's sending (work released) to its handling (ms). */
  dispatchLatency: 'DispatchLatency',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export const noMetrics: Metrics = { add: () => {} };
