import type { Executor } from '../ports/executor.ts';

/** `noop`: succeeds at once with no outputs (joins, markers, event gates). */
export const noopExecutor: Executor = {
  async execute() {
    return { status: 'SUCCESS', outputs: {}, metrics: { duration: 0 } };
  },
};
