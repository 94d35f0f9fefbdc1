// The for-each state machine: one execution per for-each attempt. A distributed Map state
// iterates over the iteration indexes (never the items: they stay on the iterations'
// instances), at most `maxConcurrency` at once; each slot invokes the loop function with a
// task token and waits until the engine reports that iteration's final result, so an
// iteration's retries happen inside its slot. The Map state's end, or its failure (an
// iteration failed beyond the loop's tolerance), goes back to the loop function, which
// finishes the for-each attempt. Written once as Amazon States Language; CDK deploys it and
// the embedded runtime runs the very same document.

/** The error an iteration reports when the loop cannot tolerate its failure (shared/engine/loops.ts). */
export const ITERATION_FAILED = 'ITERATION_FAILED';

/** Finishing is idempotent: any fault calls again. */
const FINISH_RETRY = [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }];

/** The longest one slot waits for its iteration (Step Functions' own limit is a year). */
export const ITERATION_WAIT_SECONDS = 8 * 24 * 3600;

export function loopStateMachineDefinition(arns: { loopFunctionArn: string }) {
  const invoke = (payload: Record<string, unknown>) => ({
    FunctionName: arns.loopFunctionArn,
    Payload: payload,
  });
  return {
    Comment: 'Rondo for-each: run each iteration of one for-each attempt, at most maxConcurrency at once',
    StartAt: 'Iterate',
    States: {
      Iterate: {
        Type: 'Map',
        ItemsPath: '$.iterations',
        MaxConcurrencyPath: '$.maxConcurrency',
        ItemSelector: {
          'instanceId.$': '$.instanceId',
          'attempt.$': '$.attempt',
          'index.$': '$$.Map.Item.Value',
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'RunIteration',
          States: {
            RunIteration: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: invoke({
                action: 'iteration',
                'instanceId.$': '$.instanceId',
                'attempt.$': '$.attempt',
                'index.$': '$.index',
                'taskToken.$': '$$.Task.Token',
              }),
              TimeoutSeconds: ITERATION_WAIT_SECONDS,
              // An iteration that failed the loop, or a slot that waited too long, is final; any
              // other fault (the function's, Lambda's, a lost response) calls again: starting an
              // iteration is idempotent, and the new token replaces the old one.
              Retry: [
                { ErrorEquals: [ITERATION_FAILED, 'States.Timeout'], MaxAttempts: 0 },
                { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 },
              ],
              End: true,
            },
          },
        },
        ResultPath: null,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'LoopFailed' }],
        Next: 'LoopSucceeded',
      },
      LoopSucceeded: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: invoke({ action: 'finish', 'instanceId.$': '$.instanceId', 'attempt.$': '$.attempt' }),
        Retry: FINISH_RETRY,
        End: true,
      },
      LoopFailed: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: invoke({
          action: 'finish',
          'instanceId.$': '$.instanceId',
          'attempt.$': '$.attempt',
          'failure.$': '$.failure',
        }),
        Retry: FINISH_RETRY,
        End: true,
      },
    },
  };
}
