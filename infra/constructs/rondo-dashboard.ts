// One CloudWatch dashboard per stage: what the engine does (instances by status, retries,
// dispatch latency) from its embedded metrics, and how its plumbing holds up (dead letters,
// queue age, function errors and throttles) from the services' own metrics.
import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, Metric, SingleValueWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INSTANCE_STATUSES } from '../../shared/model/instance.ts';
import { METRIC } from '../../shared/ports/metrics.ts';

const PERIOD = Duration.minutes(5);

export type RondoDashboardProps = {
  dashboardName: string;
  /** The functions' POWERTOOLS_METRICS_NAMESPACE. */
  namespace: string;
  /** The POWERTOOLS_SERVICE_NAME dimension every embedded metric carries. */
  service: string;
  queues: Record<string, IQueue>;
  deadLetterQueues: Record<string, IQueue>;
  functions: Record<string, IFunction>;
};

export class RondoDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: RondoDashboardProps) {
    super(scope, id);
    const engine = (metricName: string, statistic: string, dimensions: Record<string, string> = {}) =>
      new Metric({
        namespace: props.namespace,
        metricName,
        dimensionsMap: { service: props.service, ...dimensions },
        statistic,
        period: PERIOD,
      });
    const instancesByStatus = INSTANCE_STATUSES.map((status) =>
      engine(METRIC.instanceStatus, 'Sum', { status }).with({ label: status }),
    );
    const each = <T>(record: Record<string, T>, metric: (item: T) => Metric) =>
      Object.entries(record).map(([name, item]) => metric(item).with({ label: name }));

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      widgets: [
        [
          new GraphWidget({
            title: 'Instances by status entered',
            left: instancesByStatus,
            width: 12,
            stacked: true,
          }),
          new GraphWidget({
            title: 'Dispatch latency (released → handled, ms)',
            left: ['p50', 'p95', 'p99'].map((p) => engine(METRIC.dispatchLatency, p).with({ label: p })),
            width: 6,
          }),
          new GraphWidget({ title: 'Retries', left: [engine(METRIC.retries, 'Sum')], width: 6 }),
        ],
        [
          new SingleValueWidget({
            title: 'Dead letters (messages waiting)',
            metrics: each(props.deadLetterQueues, (q) =>
              q.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
            ),
            width: 12,
          }),
          new GraphWidget({
            title: 'Oldest message (s)',
            left: each(props.queues, (q) =>
              q.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
            ),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Function errors',
            left: each(props.functions, (fn) => fn.metricErrors({ period: PERIOD, statistic: 'Sum' })),
            width: 12,
          }),
          new GraphWidget({
            title: 'Function throttles',
            left: each(props.functions, (fn) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum' })),
            width: 12,
          }),
        ],
      ],
    });
  }
}
