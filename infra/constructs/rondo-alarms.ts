// The alarms an operator of Rondo needs (issue 7): dead letters, function errors and
// throttles, failed state-machine executions, and work waiting too long in a queue. They go
// to one SNS topic, which the stack exposes (and subscribes an e-mail address to, if given).
import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** A message older than this in a work queue means the engine falls behind. */
export const OLDEST_MESSAGE_ALARM_SECONDS = 300;
const PERIOD = Duration.minutes(5);

export type RondoAlarmsProps = {
  queues: Record<string, { queue: IQueue; deadLetterQueue: IQueue }>;
  /** Dead-letter queues of something other than a work queue (failed async invocations, event deliveries). */
  deadLetterQueues?: Record<string, { queue: IQueue; description: string }>;
  functions: Record<string, IFunction>;
  stateMachines: Record<string, IStateMachine>;
  /** Subscribed to the alarm topic when given. */
  email?: string;
  /** A topic of the team's own to notify instead of a new one. */
  topic?: ITopic;
};

export class RondoAlarms extends Construct {
  readonly topic: ITopic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: RondoAlarmsProps) {
    super(scope, id);
    this.topic = props.topic ?? new Topic(this, 'Topic', { displayName: 'Rondo alarms', enforceSSL: true });
    if (props.email) {
      // Notifications the address could not take wait here instead of being dropped.
      const undelivered = new Queue(this, 'UndeliveredNotifications', {
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      Validations.of(undelivered).acknowledge(
        {
          id: 'Serverless::Serverless-SQSRedrivePolicy',
          reason:
            'A dead-letter queue is where redrive ends: alarm notifications the e-mail endpoint refused wait 14 days here.',
        },
        {
          id: 'AwsSolutions::AwsSolutions-SQS3',
          reason: "This queue is itself a dead-letter queue: the alarm topic's e-mail subscription's.",
        },
      );
      this.topic.addSubscription(new EmailSubscription(props.email, { deadLetterQueue: undelivered }));
    }
    const action = new SnsAction(this.topic);
    const alarm = (name: string, metric: IMetric, threshold: number, description: string) => {
      const created = new Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data means nothing happened: not an alarm.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
    };
    for (const [name, { queue, deadLetterQueue }] of Object.entries(props.queues)) {
      alarm(
        `${name}DeadLetters`,
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        1,
        `A ${name} message failed every delivery and waits in its dead-letter queue: read it, fix, redrive.`,
      );
      alarm(
        `${name}OldestMessage`,
        queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
        OLDEST_MESSAGE_ALARM_SECONDS,
        `The ${name} queue holds a message older than ${OLDEST_MESSAGE_ALARM_SECONDS}s: its consumer falls behind or fails.`,
      );
    }
    for (const [name, { queue, description }] of Object.entries(props.deadLetterQueues ?? {})) {
      alarm(
        `${name}DeadLetters`,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        1,
        description,
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(
        `${name}Errors`,
        fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        1,
        `The ${name} function failed.`,
      );
      alarm(
        `${name}Throttles`,
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        1,
        `The ${name} function was throttled: raise its concurrency or the account's.`,
      );
    }
    for (const [name, machine] of Object.entries(props.stateMachines)) {
      alarm(
        `${name}ExecutionsFailed`,
        machine.metricFailed({ period: PERIOD, statistic: 'Sum' }),
        1,
        `An execution of the ${name} state machine failed: the instance it ran waits for the reconciler.`,
      );
    }
  }
}
