import { createHash } from 'node:crypto';
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RetryRunner } from '../ports/retry-runner.ts';

const EXECUTION_NAME_LIMIT = 80;

/** Execution names are unique per (instance, attempt), so a duplicated start is a no-op. */
export function retryExecutionName(instanceId: string, attempt: number, restart?: number): string {
  const raw = `${instanceId}-a${attempt}${restart === undefined ? '' : `-r${restart}`}`;
  const name = raw.replace(/[^A-Za-z0-9_.-]/g, '_');
  // Replaced characters could make two ids one name (`each~1~2`, `each_1_2`): a digest of
  // the raw name keeps them apart, as it does for a name cut to the limit.
  if (name === raw && name.length <= EXECUTION_NAME_LIMIT) return name;
  const digest = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  return `${name.slice(0, EXECUTION_NAME_LIMIT - 17)}-${digest}`;
}

/** The retry runner on Step Functions: one short execution per retry (wait, then attempt). */
export function createSfnRetryRunner(options: { client: SFNClient; stateMachineArn: string }): RetryRunner {
  return {
    async startRetry({ instanceId, attempt, waitSeconds, restart }) {
      try {
        await options.client.send(
          new StartExecutionCommand({
            stateMachineArn: options.stateMachineArn,
            name: retryExecutionName(instanceId, attempt, restart),
            input: JSON.stringify({ instanceId, attempt, waitSeconds }),
          }),
        );
      } catch (error) {
        if (!(error instanceof ExecutionAlreadyExists)) throw error;
      }
    },
  };
}
