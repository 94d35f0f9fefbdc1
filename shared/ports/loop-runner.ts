// Runs the loop of a for-each attempt: a Map state in Step Functions that holds one slot
// per iteration under way (at most `maxConcurrency`) until the engine reports the
// iteration's final result with the slot's task token.

export type IterationReport =
  | { status: 'DONE' }
  /** The iteration failed and the loop cannot tolerate it: the Map state fails and stops. */
  | { status: 'FAILED'; error: { code: string; message: string } };

export type LoopRunner = {
  /** Starts the loop of (instance, attempt); idempotent: a second start of the same loop is a no-op. */
  startLoop(request: {
    instanceId: string;
    attempt: number;
    count: number;
    maxConcurrency: number;
  }): Promise<void>;
  /** Releases an iteration's slot; a slot that is gone (loop stopped, reported before) is not an error. */
  reportIteration(taskToken: string, report: IterationReport): Promise<void>;
  /** Stops the loop of (instance, attempt), if it runs. */
  stopLoop(request: { instanceId: string; attempt: number }): Promise<void>;
};
