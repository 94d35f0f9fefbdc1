// The integration suite's target when `npm run test:localstack` runs it: the stack
// `npm run deploy:local` deployed to LocalStack, read from the deployment's outputs file,
// with every AWS client on LocalStack's endpoint (AWS_ENDPOINT_URL). LocalStack's Scheduler
// stores schedules but does not fire them: the schedule pump fires them instead (Rondo's
// own schedules and the reconciler's alike), with the embedded runtime's Scheduler clock.
import { readFileSync } from 'node:fs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { ENV } from '#functions/commons/config.ts';
import {
  LOCALSTACK_STAGE,
  QUEUES,
  type QueueName,
  queueUrlOutputs,
  RESOURCE_PREFIX,
} from '#infra/topology.ts';
import { type SchedulePump, startSchedulePump } from '#local/schedule-pump.ts';
import type { RuntimeInfo } from './global-setup.ts';

/**
 * The integration files that reach Rondo only through its API and the AWS APIs, with the
 * suite's shared target. The others start embedded runtimes of their own (fake clocks,
 * injected crashes) or test the embedded emulators themselves.
 */
export const LOCALSTACK_SUITE = [
  'test/integration/first-path.test.ts',
  'test/integration/permissions.test.ts',
  'test/integration/cli.test.ts',
  'test/integration/schedule-pump.test.ts',
];

export const LOCALSTACK_OUTPUTS_FILE = '.rondo/localstack/outputs.json';
export const LOCALSTACK_STACK = `${RESOURCE_PREFIX}-${LOCALSTACK_STAGE}`;
const DEFAULT_ENDPOINT = 'http://localhost.localstack.cloud:4566';

export function localStackTarget(outputsPath: string): { info: RuntimeInfo; startPump(): SchedulePump } {
  const endpoint = process.env.AWS_ENDPOINT_URL ?? DEFAULT_ENDPOINT;
  const all = JSON.parse(readFileSync(outputsPath, 'utf8')) as Record<string, Record<string, string>>;
  const outputs = all[LOCALSTACK_STACK];
  if (!outputs)
    throw new Error(`${outputsPath} has no outputs of ${LOCALSTACK_STACK}: run npm run deploy:local`);
  const output = (key: string) => {
    const value = outputs[key];
    if (!value) throw new Error(`${outputsPath}: ${LOCALSTACK_STACK} has no output ${key}`);
    return value;
  };
  const queueNames = Object.keys(QUEUES) as QueueName[];
  const info: RuntimeInfo = {
    apiUrl: output('ApiUrl').replace(/\/$/, ''),
    awsEndpoint: endpoint,
    dynamoDbEndpoint: endpoint,
    sqsEndpoint: endpoint,
    tableName: output('TableName'),
    queueUrls: Object.fromEntries(queueNames.map((n) => [n, output(queueUrlOutputs(n).queue)])) as Record<
      QueueName,
      string
    >,
    deadLetterQueueUrls: Object.fromEntries(
      queueNames.map((n) => [n, output(queueUrlOutputs(n).deadLetterQueue)]),
    ) as Record<QueueName, string>,
    environment: {
      [ENV.tableName]: output('TableName'),
      [ENV.scheduleGroup]: output('ScheduleGroupName'),
      [ENV.scheduleTargetArn]: output('ScheduleTargetArn'),
      [ENV.eventBusName]: output('EventBusName'),
    },
  };
  const client = { endpoint, region: process.env.AWS_REGION ?? 'us-east-1' };
  return {
    info,
    startPump: () =>
      startSchedulePump({
        scheduler: new SchedulerClient(client),
        lambda: new LambdaClient(client),
        groups: [output('ScheduleGroupName')],
        onError: (error) => console.error('schedule pump:', error),
      }),
  };
}
