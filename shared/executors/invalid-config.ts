import type { z } from 'zod';
import { issuePath } from '../model/workflow.ts';
import type { AttemptResult } from '../ports/executor.ts';

/** A task config the executor cannot use: a failure with every fault's path, never retried. */
export function invalidConfig(error: z.ZodError): AttemptResult {
  const faults = error.issues.map((i) => `config.${issuePath(i.path)}: ${i.message}`);
  return {
    status: 'FAILED',
    error: { code: 'INVALID_TASK_CONFIG', message: faults.join('; ') },
    metrics: {},
    retryable: false,
  };
}
