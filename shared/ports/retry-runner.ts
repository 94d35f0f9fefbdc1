/** Starts the retry loop of an instance (the runner state machine in AWS). */
export type RetryRunner = {
  /** Idempotent per (instance, attempt): a duplicated start is a no-op. */
  startRetry(request: {
    instanceId: string;
    attempt: number;
    waitSeconds: number;
    /** Set by the reconciler to start again a retry whose execution was lost (a new name). */
    restart?: number;
  }): Promise<void>;
};
