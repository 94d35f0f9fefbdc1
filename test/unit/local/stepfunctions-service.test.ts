// The embedded runtime's Step Functions: the callback pattern the library lacks, on the
// for-each state machine CDK deploys (a Map state whose slots wait on task tokens).
import { describe, expect, it } from 'vitest';
import { loopStateMachineDefinition } from '#infra/state-machines/loop.ts';
import { functionArn, LocalLambdaService } from '#local/lambda-service.ts';
import { LocalStepFunctions } from '#local/stepfunctions-service.ts';

type LoopCall = { action: string; index?: number; taskToken?: string; failure?: { Error: string } };

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(condition()).toBe(true);
}

function setup() {
  const lambda = new LocalLambdaService();
  const calls: LoopCall[] = [];
  lambda.register('loop', async (event: unknown) => {
    calls.push(event as LoopCall);
    return { ok: true };
  });
  const sfn = new LocalStepFunctions(lambda);
  const arn = sfn.createStateMachine(
    'loop',
    loopStateMachineDefinition({ loopFunctionArn: functionArn('loop') }),
  );
  const operations = sfn.operations();
  const ops = {
    StartExecution: operations.StartExecution!,
    DescribeExecution: operations.DescribeExecution!,
    SendTaskSuccess: operations.SendTaskSuccess!,
    SendTaskFailure: operations.SendTaskFailure!,
  };
  const start = (count: number, maxConcurrency: number) =>
    ops.StartExecution({
      stateMachineArn: arn,
      name: `run-${Math.random().toString(36).slice(2)}`,
      input: JSON.stringify({
        instanceId: 'r.w.each',
        attempt: 1,
        iterations: Array.from({ length: count }, (_, i) => i),
        maxConcurrency,
      }),
    }) as { executionArn: string };
  const waiting = () => calls.filter((c) => c.action === 'iteration');
  return { sfn, ops, start, calls, waiting };
}

describe('local Step Functions: waitForTaskToken', () => {
  it('hands each slot a fresh token and holds at most maxConcurrency slots until they are reported', async () => {
    const { sfn, ops, start, calls, waiting } = setup();
    const { executionArn } = start(5, 2);
    await until(() => waiting().length === 2);
    // Nothing more starts while both slots wait.
    await new Promise((r) => setTimeout(r, 20));
    expect(waiting().map((c) => c.index)).toEqual([0, 1]);
    const tokens = new Set(waiting().map((c) => c.taskToken));
    expect(tokens.size).toBe(2);
    ops.SendTaskSuccess({ taskToken: waiting()[0]?.taskToken, output: '{}' });
    await until(() => waiting().length === 3);
    // A token reports once: again is TaskTimedOut; a token never handed out is InvalidToken.
    expect(() => ops.SendTaskSuccess({ taskToken: waiting()[0]?.taskToken, output: '{}' })).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    expect(() => ops.SendTaskSuccess({ taskToken: 'forged', output: '{}' })).toThrow(
      expect.objectContaining({ name: 'InvalidToken' }),
    );
    for (let i = 1; i < 5; i++) {
      await until(() => waiting().length > i);
      ops.SendTaskSuccess({ taskToken: waiting()[i]?.taskToken, output: '{}' });
    }
    await sfn.drain();
    expect(calls.at(-1)).toMatchObject({ action: 'finish', instanceId: 'r.w.each', attempt: 1 });
    expect(calls.at(-1)?.failure).toBeUndefined();
    expect((ops.DescribeExecution({ executionArn }) as { status: string }).status).toBe('SUCCEEDED');
  });

  it('fails the Map state on a reported failure, starts no further slot, and finishes with the failure', async () => {
    const { sfn, ops, start, calls, waiting } = setup();
    start(4, 1);
    await until(() => waiting().length === 1);
    ops.SendTaskFailure({
      taskToken: waiting()[0]?.taskToken,
      error: 'ITERATION_FAILED',
      cause: 'iteration 0 broke',
    });
    await sfn.drain();
    expect(waiting().map((c) => c.index)).toEqual([0]);
    expect(calls.at(-1)).toMatchObject({
      action: 'finish',
      failure: { Error: 'ITERATION_FAILED', Cause: 'iteration 0 broke' },
    });
  });
});
