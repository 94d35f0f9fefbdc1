// The LocalStack path, checked offline: the suite it runs is the API-level part of the
// integration suite (files that exist and start no embedded runtime of their own), and the
// target it builds from a deployment's outputs names the deployed resources.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../../../infra/constructs/rondo-function.ts';
import { LOCALSTACK_STACK, LOCALSTACK_SUITE, localStackTarget } from '../../integration/localstack.ts';

describe('the LocalStack suite', () => {
  it.each(LOCALSTACK_SUITE)('%s exists and runs against the shared target only', (file) => {
    const path = join(PROJECT_ROOT, file);
    expect(existsSync(path)).toBe(true);
    const source = readFileSync(path, 'utf8');
    expect(source).not.toMatch(/startRuntime|startFaultInjectingRuntime|#local\/runtime/);
  });
});

describe('the LocalStack target', () => {
  const outputs = {
    ApiUrl: 'https://abc123.execute-api.localhost.localstack.cloud:4566/',
    TableName: 'rondo-local-Table',
    EventBusName: 'rondo-local',
    ScheduleGroupName: 'rondo-local',
    ScheduleTargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:rondo-local-create-run',
    DispatchQueueUrl: 'http://q/dispatch',
    DispatchDeadLetterQueueUrl: 'http://q/dispatch-dlq',
    CompletionQueueUrl: 'http://q/completion',
    CompletionDeadLetterQueueUrl: 'http://q/completion-dlq',
    EventsQueueUrl: 'http://q/events',
    EventsDeadLetterQueueUrl: 'http://q/events-dlq',
  };
  const file = (content: unknown) => {
    const path = join(mkdtempSync(join(tmpdir(), 'rondo-ls-')), 'outputs.json');
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  it("reads the deployment's outputs and puts every client on AWS_ENDPOINT_URL", () => {
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://localstack:4566');
    const { info } = localStackTarget(file({ [LOCALSTACK_STACK]: outputs }));
    vi.unstubAllEnvs();
    expect(info).toMatchObject({
      apiUrl: 'https://abc123.execute-api.localhost.localstack.cloud:4566',
      awsEndpoint: 'http://localstack:4566',
      dynamoDbEndpoint: 'http://localstack:4566',
      sqsEndpoint: 'http://localstack:4566',
      tableName: 'rondo-local-Table',
      queueUrls: {
        dispatch: 'http://q/dispatch',
        completion: 'http://q/completion',
        events: 'http://q/events',
      },
      deadLetterQueueUrls: { dispatch: 'http://q/dispatch-dlq' },
      environment: {
        RONDO_SCHEDULE_GROUP: 'rondo-local',
        RONDO_SCHEDULE_TARGET_ARN: outputs.ScheduleTargetArn,
      },
    });
  });

  it('says what to run when the deployment or one of its outputs is missing', () => {
    expect(() => localStackTarget(file({}))).toThrow(/npm run deploy:local/);
    const { TableName: _, ...withoutTable } = outputs;
    expect(() => localStackTarget(file({ [LOCALSTACK_STACK]: withoutTable }))).toThrow(/no output TableName/);
  });
});
