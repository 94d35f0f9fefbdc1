// The loop runner on Step Functions: one execution of the for-each state machine per
// (instance, attempt), whose Map state waits on a task token per iteration.
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { LoopRunner } from '../ports/loop-runner.ts';
import { retryExecutionName } from './sfn-retry-runner.ts';

/** The for-each state machine's input: iteration indexes, never the items themselves. */
export type LoopInput = { instanceId: string; attempt: number; iterations: number[]; maxConcurrency: number };

export const loopExecutionName = (instanceId: string, attempt: number): string =>
  retryExecutionName(`${instanceId}-loop`, attempt);

/** Step Functions' Cause is at most 32,768 characters. */
const CAUSE_LIMIT = 32_768;

export function createSfnLoopRunner(options: { client: SFNClient; stateMachineArn: string }): LoopRunner {
  const { client, stateMachineArn } = options;
  const executionArn = (instanceId: string, attempt: number) =>
    `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${loopExecutionName(instanceId, attempt)}`;
  return {
    async startLoop({ instanceId, attempt, count, maxConcurrency }) {
      const input: LoopInput = {
        instanceId,
        attempt,
        iterations: Array.from({ length: count }, (_, i) => i),
        maxConcurrency,
      };
      try {
        await client.send(
          new StartExecutionCommand({
            stateMachineArn,
            name: loopExecutionName(instanceId, attempt),
            input: JSON.stringify(input),
          }),
        );
      } catch (error) {
        // Started before (a redelivered dispatch): same name, so the loop runs once.
        if (!(error instanceof ExecutionAlreadyExists)) throw error;
      }
    },

    async reportIteration(taskToken, report) {
      try {
        if (report.status === 'DONE') {
          await client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
        } else {
          await client.send(
            new SendTaskFailureCommand({
              taskToken,
              error: report.error.code,
              cause: report.error.message.slice(0, CAUSE_LIMIT),
            }),
          );
        }
      } catch (error) {
        // The slot is gone: reported before, or the loop stopped. Nothing waits for this report.
        if (
          error instanceof TaskTimedOut ||
          error instanceof TaskDoesNotExist ||
          error instanceof InvalidToken
        )
          return;
        throw error;
      }
    },

    async stopLoop({ instanceId, attempt }) {
      try {
        await client.send(
          new StopExecutionCommand({
            executionArn: executionArn(instanceId, attempt),
            error: 'LoopStopped',
            cause: 'the for-each instance was stopped',
          }),
        );
      } catch (error) {
        if (!(error instanceof ExecutionDoesNotExist)) throw error;
      }
    },
  };
}
