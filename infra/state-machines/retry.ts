// The retry state machine: wait the backoff, then run the instance's next attempt. Written
// once as Amazon States Language; CDK deploys it with the function's ARN and the embedded
// runtime runs the very same document with its local ARN.

export const RETRY_ATTEMPT_TIMEOUT_SECONDS = 900;

/** Lambda's own transient faults, retried by the state machine (task failures are the engine's). */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

export function retryStateMachineDefinition(arns: { retryAttemptFunctionArn: string }) {
  return {
    Comment: 'Rondo retry: wait the backoff interval, then run the next attempt of one instance',
    StartAt: 'Backoff',
    States: {
      Backoff: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'RunAttempt' },
      RunAttempt: {
        Type: 'Task',
        Resource: arns.retryAttemptFunctionArn,
        TimeoutSeconds: RETRY_ATTEMPT_TIMEOUT_SECONDS,
        Retry: [{ ErrorEquals: LAMBDA_TRANSIENT_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }],
        End: true,
      },
    },
  };
}
