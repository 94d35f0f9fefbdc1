// The synthesized stack against the sources it must agree with: the table the store
// expects, the topology's queues and functions, the environment the handlers read, and the
// retry state machine the embedded runtime executes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV, OPTIONAL_ENV } from '../../functions/commons/config.ts';
import { PROJECT_ROOT } from '../../infra/constructs/rondo-function.ts';
import { API_THROTTLE, RondoStack, TABLE_ITEM_ACTIONS } from '../../infra/rondo-stack.ts';
import { loopStateMachineDefinition } from '../../infra/state-machines/loop.ts';
import { retryStateMachineDefinition } from '../../infra/state-machines/retry.ts';
import {
  AWS_EXECUTORS,
  EXTERNAL_EVENTS_RULE,
  FUNCTIONS,
  type FunctionName,
  metricsNamespace,
  QUEUES,
  type QueueName,
  RESOURCE_PREFIX,
} from '../../infra/topology.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../local/constants.ts';
import { functionArn as localFunctionArn } from '../../local/lambda-service.ts';
import { INDEXES, KEY, TABLE_KEY_ATTRIBUTES, TTL_ATTRIBUTE } from '../../shared/aws/dynamodb/table.ts';
import { METRIC } from '../../shared/ports/metrics.ts';

// asl-validator ships no type declarations; this is the part of its API the test uses.
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText(separator?: string): string };
const validateAsl = createRequire(import.meta.url)('asl-validator') as AslValidator;

type Resource<P> = { Type: string; Properties: P; DeletionPolicy?: string; DependsOn?: string | string[] };
type Ref = { Ref: string };
type GetAtt = { 'Fn::GetAtt': [string, string] };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type PolicyProps = { PolicyDocument: { Statement: Statement[] }; Roles: Ref[] };
type FunctionProps = {
  FunctionName: string;
  Runtime: string;
  Architectures: string[];
  TracingConfig: { Mode: string };
  Timeout: number;
  MemorySize: number;
  Environment: { Variables: Record<string, unknown> };
  LoggingConfig: { LogGroup: Ref };
  Role: GetAtt;
};
type QueueProps = {
  VisibilityTimeout: number;
  RedrivePolicy: { deadLetterTargetArn: GetAtt; maxReceiveCount: number };
  SqsManagedSseEnabled: boolean;
};
type EventSourceMappingProps = {
  EventSourceArn: GetAtt;
  FunctionName: Ref;
  BatchSize: number;
  FunctionResponseTypes: string[];
};

/** What reading a table's stream takes (the event source mapping's grant). */
const STREAM_ACTIONS = new Set([
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
]);

let dev: RondoStack;
let template: Template;
let prodTemplate: Template;

beforeAll(() => {
  // The same feature flags `npm run synth` runs with; no bundling (it is the slow part).
  const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  dev = new RondoStack(app, 'rondo-dev', { stage: 'dev' });
  const prod = new RondoStack(app, 'rondo-prod', { stage: 'prod' });
  // Both come from one synthesis of the app. fromStack also refuses a template with a
  // dependency cycle, which CloudFormation would only reject at deploy time.
  template = Template.fromStack(dev);
  prodTemplate = Template.fromStack(prod);
});

function resources<P>(from: Template, type: string): Record<string, Resource<P>> {
  return from.findResources(type) as Record<string, Resource<P>>;
}

function only<P>(from: Template, type: string): [string, Resource<P>] {
  const found = Object.entries(resources<P>(from, type));
  expect(found).toHaveLength(1);
  return found[0]!;
}

function logicalId(construct: IConstruct): string {
  return dev.getLogicalId(construct.node.defaultChild as CfnElement);
}

const functionId = (name: FunctionName) => logicalId(dev.functions[name]);
const queueId = (name: QueueName) => logicalId(dev.queues[name]);

function functionResource(id: string): Resource<FunctionProps> {
  const fn = resources<FunctionProps>(template, 'AWS::Lambda::Function')[id];
  if (!fn) throw new Error(`no function ${id}`);
  return fn;
}

/**
 * Evaluates CloudFormation intrinsics as if deployed to the embedded runtime's account and
 * region; `getAtt` says what each `Fn::GetAtt` stands for.
 */
function resolve(value: unknown, getAtt: (id: string, attribute: string) => string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => resolve(part, getAtt)).join(separator);
    }
    if ('Fn::GetAtt' in value) {
      const [id, attribute] = value['Fn::GetAtt'] as [string, string];
      return getAtt(id, attribute);
    }
    if ('Ref' in value) {
      const pseudo: Record<string, string> = {
        'AWS::Partition': 'aws',
        'AWS::Region': LOCAL_REGION,
        'AWS::AccountId': LOCAL_ACCOUNT,
      };
      const resolved = pseudo[value.Ref as string];
      if (resolved) return resolved;
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** A function's ARN from its deployed name; anything else is unexpected here. */
function deployedFunctionArn(id: string, attribute: string): string {
  if (attribute !== 'Arn') throw new Error(`unexpected attribute ${id}.${attribute}`);
  return localFunctionArn(functionResource(id).Properties.FunctionName);
}

/** Every statement of the policies attached to one role. */
function statementsOfRole(roleId: string): Statement[] {
  const policies = Object.values(resources<PolicyProps>(template, 'AWS::IAM::Policy'));
  return policies
    .filter((p) => p.Properties.Roles.some((role) => role.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const statementsOfFunction = (name: FunctionName) =>
  statementsOfRole(functionResource(functionId(name)).Properties.Role['Fn::GetAtt'][0]);

const actionsOf = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

describe('table', () => {
  it('has the keys and indexes the store queries', () => {
    const [, table] = only<{
      KeySchema: unknown;
      AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
      GlobalSecondaryIndexes: { IndexName: string }[];
    }>(template, 'AWS::DynamoDB::GlobalTable');
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: KEY.pk, KeyType: 'HASH' },
      { AttributeName: KEY.sk, KeyType: 'RANGE' },
    ]);
    expect(table.Properties.AttributeDefinitions).toEqual(
      TABLE_KEY_ATTRIBUTES.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    );
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      Object.values(INDEXES).map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.pk, KeyType: 'HASH' },
          { AttributeName: index.sk, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
      })),
    );
  });

  it('is on demand, expires items by TTL, has point-in-time recovery and AWS-managed encryption', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }],
    });
  });

  it('is kept and protected from deletion in prod only', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: { Replicas: [{ DeletionProtectionEnabled: false }] },
    });
    prodTemplate.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { Replicas: [{ DeletionProtectionEnabled: true }] },
    });
  });
});

describe('queues', () => {
  const queueNames = Object.keys(QUEUES) as QueueName[];
  const mappings = () =>
    Object.values(resources<EventSourceMappingProps>(template, 'AWS::Lambda::EventSourceMapping'));
  const mappingOf = (queue: QueueName) => {
    const found = mappings().filter((m) => m.Properties.EventSourceArn['Fn::GetAtt'][0] === queueId(queue));
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it.each(queueNames)('%s has a dead-letter queue after the topology maxReceiveCount', (name) => {
    const queues = resources<QueueProps>(template, 'AWS::SQS::Queue');
    const queue = queues[queueId(name)]!;
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(QUEUES[name].maxReceiveCount);
    const dlqId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(dlqId).toBe(logicalId(dev.deadLetterQueues[name]));
    expect(queues[dlqId]?.Type).toBe('AWS::SQS::Queue');
  });

  it.each(queueNames)('%s hides a message for at least six times its consumer timeout', (name) => {
    const queue = resources<QueueProps>(template, 'AWS::SQS::Queue')[queueId(name)]!;
    const consumer = functionResource(mappingOf(name).Properties.FunctionName.Ref);
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumer.Properties.Timeout);
  });

  it.each(queueNames)('%s feeds its topology consumer in batches that report item failures', (name) => {
    const mapping = mappingOf(name);
    expect(mapping.Properties.FunctionName.Ref).toBe(functionId(QUEUES[name].consumer));
    expect(mapping.Properties.BatchSize).toBe(QUEUES[name].batchSize);
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it('every queue, dead letters included, is encrypted and refuses plain HTTP', () => {
    const queues = Object.entries(resources<QueueProps>(template, 'AWS::SQS::Queue'));
    // Work queues, their dead-letter queues, and those of run creation, event delivery and the status stream.
    expect(queues).toHaveLength(2 * queueNames.length + 3);
    const policies = Object.values(
      resources<PolicyProps & { Queues: Ref[] }>(template, 'AWS::SQS::QueuePolicy'),
    );
    for (const [id, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const statements = policies
        .filter((p) => p.Properties.Queues.some((q) => q.Ref === id))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });
});

describe('functions', () => {
  const functionNames = Object.keys(FUNCTIONS) as FunctionName[];

  it("are exactly the topology functions, and the CDK custom-resource framework's in front of workflow-resource", () => {
    const names = Object.values(resources<FunctionProps>(template, 'AWS::Lambda::Function')).map(
      (fn) => fn.Properties.FunctionName,
    );
    expect(names.sort()).toEqual(
      [
        ...functionNames.map((name) => `${RESOURCE_PREFIX}-dev-${name}`),
        `${RESOURCE_PREFIX}-dev-workflow-provider`,
      ].sort(),
    );
  });

  it.each(functionNames)(
    '%s runs Node 24 on arm64, traced, with source maps and its topology limits',
    (name) => {
      const fn = functionResource(functionId(name)).Properties;
      expect(fn.Runtime).toBe('nodejs24.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Timeout).toBe(FUNCTIONS[name].timeoutSeconds);
      expect(fn.MemorySize).toBe(FUNCTIONS[name].memoryMiB);
      expect(fn.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    },
  );

  it.each(functionNames)('%s logs to a log group of its own with a retention', (name) => {
    const groups = resources<{ RetentionInDays?: number }>(template, 'AWS::Logs::LogGroup');
    const group = groups[functionResource(functionId(name)).Properties.LoggingConfig.LogGroup.Ref];
    expect(group?.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it.each(functionNames)(
    '%s gets every engine variable the handlers read, and no development identity',
    (name) => {
      const variables = functionResource(functionId(name)).Properties.Environment.Variables;
      const required = Object.entries(ENV)
        .filter(([key]) => key !== 'developmentIdentity')
        .map(([, variable]) => variable);
      for (const variable of required) expect(variables).toHaveProperty(variable);
      // It would let unsigned callers act as that identity.
      expect(variables).not.toHaveProperty(ENV.developmentIdentity);
      expect(variables[ENV.executors]).toBe(AWS_EXECUTORS.join(','));
      expect(variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: RESOURCE_PREFIX,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    },
  );

  it.each(functionNames)(
    '%s has a role of its own: no managed policy, logs to its own group only',
    (name) => {
      const fn = functionResource(functionId(name)).Properties;
      const roleId = fn.Role['Fn::GetAtt'][0];
      const role = resources<{ ManagedPolicyArns?: unknown; AssumeRolePolicyDocument: unknown }>(
        template,
        'AWS::IAM::Role',
      )[roleId]!;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const logs = statementsOfRole(roleId).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [fn.LoggingConfig.LogGroup.Ref, 'Arn'] },
        },
      ]);
    },
  );

  it.each(functionNames)(
    '%s may use the table as the store does: item actions on the table, queries on its indexes, never Scan',
    (name) => {
      // The table's items and indexes (reading its stream is status-events' alone: tested below).
      const dynamodb = statementsOfFunction(name).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('dynamodb:') && !STREAM_ACTIONS.has(a)),
      );
      const tableArn = { 'Fn::GetAtt': [logicalId(dev.table), 'Arn'] };
      expect(dynamodb).toEqual([
        // CDK sorts a statement's actions.
        { Effect: 'Allow', Action: [...TABLE_ITEM_ACTIONS].sort(), Resource: tableArn },
        {
          Effect: 'Allow',
          Action: 'dynamodb:Query',
          Resource: Object.values(INDEXES).map((index) => ({
            'Fn::Join': ['', [tableArn, `/index/${index.name}`]],
          })),
        },
      ]);
      expect(dynamodb.flatMap(actionsOf)).not.toContain('dynamodb:Scan');
    },
  );

  it('reserves one concurrent sweep for the reconciler, unless the deployment turns reservations off', () => {
    for (const name of functionNames) {
      const fn = functionResource(functionId(name)).Properties as FunctionProps & {
        ReservedConcurrentExecutions?: number;
      };
      expect({ name, reserved: fn.ReservedConcurrentExecutions }).toEqual({
        name,
        reserved: FUNCTIONS[name].reservedConcurrency,
      });
    }
    expect(FUNCTIONS.reconcile.reservedConcurrency).toBe(1);
    const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const unreserved = Template.fromStack(
      new RondoStack(app, 'rondo-small', { stage: 'small', reserveConcurrency: false }),
    );
    expect(
      Object.values(resources<Record<string, unknown>>(unreserved, 'AWS::Lambda::Function')).filter(
        (fn) => 'ReservedConcurrentExecutions' in fn.Properties,
      ),
    ).toEqual([]);
  });

  it('keeps scheduled run creations that failed every asynchronous retry in a dead-letter queue', () => {
    for (const name of functionNames) {
      const fn = functionResource(functionId(name)).Properties as FunctionProps & {
        DeadLetterConfig?: { TargetArn: unknown };
      };
      expect({ name, deadLetters: fn.DeadLetterConfig }).toEqual({
        name,
        deadLetters:
          name === 'create-run'
            ? { TargetArn: { 'Fn::GetAtt': [logicalId(dev.runCreationDeadLetterQueue), 'Arn'] } }
            : undefined,
      });
    }
    const send = statementsOfFunction('create-run').find(
      (s) =>
        actionsOf(s).includes('sqs:SendMessage') &&
        JSON.stringify(s.Resource).includes(logicalId(dev.runCreationDeadLetterQueue)),
    );
    expect(send).toBeDefined();
  });

  it('get ARNs and names that point at the resources the stack creates', () => {
    const variables = functionResource(functionId('api')).Properties.Environment.Variables;
    const machines = resources<{ StateMachineName: string }>(template, 'AWS::StepFunctions::StateMachine');
    const machineArn = (construct: IConstruct) =>
      `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${machines[logicalId(construct)]?.Properties.StateMachineName}`;
    const [, group] = only<{ Name: string }>(template, 'AWS::Scheduler::ScheduleGroup');
    expect(resolve(variables[ENV.retryStateMachineArn], deployedFunctionArn)).toBe(
      machineArn(dev.retryStateMachine),
    );
    expect(resolve(variables[ENV.loopStateMachineArn], deployedFunctionArn)).toBe(
      machineArn(dev.loopStateMachine),
    );
    expect(resolve(variables[ENV.scheduleTargetArn], deployedFunctionArn)).toBe(
      deployedFunctionArn(functionId('create-run'), 'Arn'),
    );
    expect(variables[ENV.scheduleGroup]).toBe(group.Properties.Name);
    expect(variables[ENV.schedulerRoleArn]).toEqual({ 'Fn::GetAtt': [logicalId(dev.schedulerRole), 'Arn'] });
    expect(variables[ENV.tableName]).toEqual({ Ref: logicalId(dev.table) });
    expect(variables[ENV.dispatchQueueUrl]).toEqual({ Ref: queueId('dispatch') });
    expect(variables[ENV.completionQueueUrl]).toEqual({ Ref: queueId('completion') });
  });

  it('only the attempt runners invoke task functions; only the functions that finish attempts start retries', () => {
    const taskFunctions = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:rondo-task-*`;
    for (const name of functionNames) {
      const statements = statementsOfFunction(name);
      const invokesTasks = statements.some(
        (s) =>
          actionsOf(s).includes('lambda:InvokeFunction') &&
          resolve(s.Resource, deployedFunctionArn) === taskFunctions,
      );
      const retryMachine = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:rondo-dev-retry`;
      const startsRetries = statements.some(
        (s) =>
          actionsOf(s).includes('states:StartExecution') &&
          (Array.isArray(s.Resource) ? s.Resource : [s.Resource])
            .map((r) => resolve(r, deployedFunctionArn))
            .includes(retryMachine),
      );
      // Iterations of a for-each run their attempts in the loop function.
      const runsAttempts = name === 'dispatch' || name === 'retry-attempt' || name === 'loop';
      // The reconciler fails lost attempts, the API finishes callback attempts and resolution
      // finishes a subworkflow's attempt when its child run closes: all may retry.
      const finishesAttempts = runsAttempts || name === 'reconcile' || name === 'api' || name === 'resolve';
      expect({ name, invokesTasks, startsRetries }).toEqual({
        name,
        invokesTasks: runsAttempts,
        startsRetries: finishesAttempts,
      });
    }
  });

  // Saving a workflow starts no work, nor does publishing status events: their own tests are below.
  it.each(functionNames.filter((name) => name !== 'workflow-resource' && name !== 'status-events'))(
    '%s may send to the work queues the engine code it runs sends to, and to no other',
    (name) => {
      // Every function runs engine code that dispatches released instances or reports finished
      // ones (run creation, attempts, resolution, event ingestion, the reconciler, the API).
      const queuesSentTo = statementsOfFunction(name)
        .filter((s) => actionsOf(s).includes('sqs:SendMessage'))
        .flatMap((s) => [s.Resource].flat())
        .map((resource) => JSON.stringify(resource));
      const work = (['dispatch', 'completion'] as QueueName[]).map((queue) =>
        JSON.stringify({ 'Fn::GetAtt': [queueId(queue), 'Arn'] }),
      );
      for (const queue of work) expect(queuesSentTo).toContain(queue);
      expect(queuesSentTo).not.toContain(JSON.stringify({ 'Fn::GetAtt': [queueId('events'), 'Arn'] }));
    },
  );

  it("only the functions that run attempts or deliver alerts read secrets, and only under the stage's secret prefix", () => {
    for (const name of functionNames) {
      const grants = statementsOfFunction(name).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
      );
      if (['dispatch', 'retry-attempt', 'loop', 'status-events', 'reconcile'].includes(name)) {
        expect(
          grants.map((g) => [actionsOf(g), resolve(g.Resource, deployedFunctionArn)]),
          name,
        ).toEqual([
          [
            ['secretsmanager:GetSecretValue'],
            `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:rondo/dev/*`,
          ],
        ]);
      } else {
        expect(grants, name).toEqual([]);
      }
      expect(
        functionResource(functionId(name)).Properties.Environment.Variables[OPTIONAL_ENV.secretPrefix],
      ).toBe('rondo/dev/');
    }
  });

  it('the workflow custom resource manages schedules like the API, and sends no work', () => {
    const statements = statementsOfFunction('workflow-resource');
    const schedules = statements.find((s) => actionsOf(s).includes('scheduler:CreateSchedule'));
    expect(resolve(schedules?.Resource, deployedFunctionArn)).toBe(
      `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/${RESOURCE_PREFIX}-dev/*`,
    );
    expect(statements.some((s) => actionsOf(s).includes('iam:PassRole'))).toBe(true);
    expect(
      statements.flatMap(actionsOf).filter((a) => a.startsWith('sqs:') || a.startsWith('states:')),
    ).toEqual([]);
  });

  it('the API function manages schedules in its group only, and passes only the scheduler role', () => {
    const statements = statementsOfFunction('api');
    const schedules = statements.find((s) => actionsOf(s).includes('scheduler:CreateSchedule'));
    expect(resolve(schedules?.Resource, deployedFunctionArn)).toBe(
      `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/${RESOURCE_PREFIX}-dev/*`,
    );
    expect(statements.find((s) => actionsOf(s).includes('iam:PassRole'))).toEqual({
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: { 'Fn::GetAtt': [logicalId(dev.schedulerRole), 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    // It sends (callback completions) but never consumes.
    const sqsActions = new Set(statements.flatMap(actionsOf).filter((a) => a.startsWith('sqs:')));
    expect([...sqsActions].sort()).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
  });
});

describe('status events and alerts', () => {
  const functionNames = Object.keys(FUNCTIONS) as FunctionName[];

  it('status-events reads the table stream (instance and run items only), retries, bisects, and parks what fails', () => {
    const [, mapping] = Object.entries(
      resources<{
        FunctionName: Ref;
        EventSourceArn: GetAtt;
        BatchSize: number;
        MaximumRetryAttempts: number;
        BisectBatchOnFunctionError: boolean;
        FunctionResponseTypes: string[];
        StartingPosition: string;
        DestinationConfig: { OnFailure: { Destination: GetAtt } };
        FilterCriteria: { Filters: { Pattern: string }[] };
      }>(template, 'AWS::Lambda::EventSourceMapping'),
    ).find(([, m]) => m.Properties.FunctionName.Ref === functionId('status-events')) ?? [
      undefined,
      undefined,
    ];
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(dev.table), 'StreamArn'] },
      BatchSize: 100,
      MaximumRetryAttempts: 10,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(dev.statusStreamDeadLetterQueue), 'Arn'] } },
      },
    });
    expect(JSON.parse(mapping?.Properties.FilterCriteria.Filters[0]?.Pattern ?? '{}')).toEqual({
      dynamodb: { NewImage: { kind: { S: ['instance', 'run'] } } },
    });
    const [, table] = only<{ StreamSpecification: { StreamViewType: string } }>(
      template,
      'AWS::DynamoDB::GlobalTable',
    );
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    for (const name of functionNames) {
      const readsStream = statementsOfFunction(name).some((s) =>
        actionsOf(s).some((a) => STREAM_ACTIONS.has(a)),
      );
      expect(readsStream, name).toBe(name === 'status-events');
    }
  });

  it('the alert topic is encrypted with a rotated key of its own, refuses plain HTTP, and only alert deliverers publish', () => {
    // The alarm topic is the other one (CloudWatch alarms cannot publish to a topic under a customer key without a key policy for them).
    const [topicId, topic] = Object.entries(
      resources<{ KmsMasterKeyId: GetAtt; TopicName: string }>(template, 'AWS::SNS::Topic'),
    ).find(([id]) => id === logicalId(dev.alertTopic)) ?? ['', undefined];
    if (!topic) throw new Error('no alert topic');
    const [keyId, key] = only<{ EnableKeyRotation: boolean }>(template, 'AWS::KMS::Key');
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(topic.Properties.TopicName).toBe('rondo-dev-alerts');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const policy = Object.values(
      resources<{ PolicyDocument: { Statement: Statement[] } }>(template, 'AWS::SNS::TopicPolicy'),
    )
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .find((st) => st.Effect === 'Deny' && JSON.stringify(st.Resource).includes(topicId));
    expect(policy?.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    for (const name of functionNames) {
      const publishes = statementsOfFunction(name).filter((st) => actionsOf(st).includes('sns:Publish'));
      if (name === 'status-events' || name === 'reconcile') {
        expect(
          publishes
            .flatMap((st) => [st.Resource].flat())
            .map((r) => JSON.stringify(r))
            .sort(),
          name,
        ).toEqual([expect.stringContaining(':rondo-dev-alerts-*'), JSON.stringify({ Ref: topicId })]);
        expect(
          functionResource(functionId(name)).Properties.Environment.Variables[OPTIONAL_ENV.linkBaseUrl],
        ).toBeDefined();
      } else {
        expect(publishes, name).toEqual([]);
      }
      // X-Ray records AWS calls, never outbound HTTP URLs (a webhook's URL may be its credential).
      const variables = functionResource(functionId(name)).Properties.Environment.Variables;
      expect(variables.POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS, name).toBe('false');
      expect(
        functionResource(functionId(name)).Properties.Environment.Variables[OPTIONAL_ENV.alertTopicArn],
      ).toEqual({
        Ref: topicId,
      });
    }
  });
});

describe('IAM', () => {
  // AWS supports only Resource '*' for these: X-Ray, and Step Functions' log delivery.
  const ACTIONS_WITHOUT_RESOURCES = new Set([
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
  ]);
  const everyStatement = (from: Template) =>
    Object.values(resources<PolicyProps>(from, 'AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );

  it.each([
    ['dev', () => template],
    ['prod', () => prodTemplate],
  ])('%s: no statement allows every action, or every action of a service', (_stage, of) => {
    const statements = everyStatement(of());
    expect(statements.length).toBeGreaterThan(20);
    const wide = statements.flatMap(actionsOf).filter((action) => action === '*' || action.endsWith(':*'));
    expect(wide).toEqual([]);
    for (const statement of statements) expect(statement.Effect).toBe('Allow');
  });

  it.each([
    ['dev', () => template],
    ['prod', () => prodTemplate],
  ])("%s: Resource '*' only for the actions AWS allows no other resource for", (_stage, of) => {
    const everywhere = everyStatement(of()).filter((s) => [s.Resource].flat().includes('*'));
    expect(everywhere.length).toBeGreaterThan(0);
    for (const statement of everywhere) {
      expect(actionsOf(statement).filter((action) => !ACTIONS_WITHOUT_RESOURCES.has(action))).toEqual([]);
    }
  });
});

describe('scheduling', () => {
  it('sweeps with the reconciler every minute, through a role that can invoke only the reconciler', () => {
    const schedules = Object.values(resources<Record<string, unknown>>(template, 'AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(1);
    const reconciler = schedules[0]?.Properties as {
      Name: string;
      ScheduleExpression: string;
      Target: { Arn: unknown; RoleArn: { 'Fn::GetAtt': [string, string] } };
    };
    expect(reconciler).toMatchObject({ Name: 'rondo-reconciler', ScheduleExpression: 'rate(1 minute)' });
    expect(resolve(reconciler.Target.Arn, deployedFunctionArn)).toBe(
      localFunctionArn(functionResource(functionId('reconcile')).Properties.FunctionName),
    );
    const statements = statementsOfRole(reconciler.Target.RoleArn['Fn::GetAtt'][0]);
    expect(statements.flatMap(actionsOf)).toEqual(['lambda:InvokeFunction']);
  });

  it('has a schedule group for the stage', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: `${RESOURCE_PREFIX}-dev` });
  });

  it('the scheduler role is for Scheduler in this account, and may only invoke create-run', () => {
    const roleId = logicalId(dev.schedulerRole);
    const role = resources<{
      AssumeRolePolicyDocument: { Statement: Statement[] };
      Policies?: unknown;
      ManagedPolicyArns?: unknown;
    }>(template, 'AWS::IAM::Role')[roleId]!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = statementsOfRole(roleId);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: 'lambda:InvokeFunction' });
    expect(resolve(statements[0]?.Resource, deployedFunctionArn)).toBe(
      deployedFunctionArn(functionId('create-run'), 'Arn'),
    );
  });
});

describe('events', () => {
  it('routes external events on the bus to the events queue', () => {
    const [busId] = only<{ Name: string }>(template, 'AWS::Events::EventBus');
    template.hasResourceProperties('AWS::Events::EventBus', { Name: `${RESOURCE_PREFIX}-dev` });
    const [, rule] = only<{
      EventBusName: Ref;
      EventPattern: unknown;
      Targets: { Arn: GetAtt; DeadLetterConfig?: { Arn: GetAtt } }[];
    }>(template, 'AWS::Events::Rule');
    expect(rule.Properties.EventBusName).toEqual({ Ref: busId });
    expect(rule.Properties.EventPattern).toEqual(EXTERNAL_EVENTS_RULE.pattern);
    expect(rule.Properties.Targets.map((t) => t.Arn)).toEqual([
      { 'Fn::GetAtt': [queueId(EXTERNAL_EVENTS_RULE.target), 'Arn'] },
    ]);
    // An event EventBridge cannot deliver is kept, not dropped.
    expect(rule.Properties.Targets.map((t) => t.DeadLetterConfig)).toEqual([
      { Arn: { 'Fn::GetAtt': [logicalId(dev.eventDeliveryDeadLetterQueue), 'Arn'] } },
    ]);
  });
});

describe('HTTP API', () => {
  it('sends every /v1 request, signed with SigV4 but for URL triggers, to the API function as payload 2.0', () => {
    const routes = Object.values(
      resources<{ RouteKey: string; AuthorizationType: string; Target: unknown }>(
        template,
        'AWS::ApiGatewayV2::Route',
      ),
    ).map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType]);
    // Every route is IAM-authorized except the token-protected URL trigger.
    expect(routes.sort()).toEqual([
      ['ANY /v1/{proxy+}', 'AWS_IAM'],
      ['POST /v1/triggers/{workflowId}', 'NONE'],
    ]);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [functionId('api'), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
  });

  it('writes an access log line per request and throttles callers on its one stage', () => {
    const [, stage] = only<{
      StageName: string;
      AutoDeploy: boolean;
      AccessLogSettings: { DestinationArn: GetAtt; Format: string };
      DefaultRouteSettings: { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
    }>(template, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: API_THROTTLE.rateLimit,
        ThrottlingBurstLimit: API_THROTTLE.burstLimit,
      },
    });
    const logGroup = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    expect(
      resources<{ RetentionInDays: number }>(template, 'AWS::Logs::LogGroup')[logGroup]?.Properties
        .RetentionInDays,
    ).toBeGreaterThan(0);
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      caller: '$context.identity.caller',
    });
  });

  it('can check JWTs from an OIDC issuer instead of IAM, with the URL trigger still on its token', () => {
    const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example';
    const jwt = Template.fromStack(
      new RondoStack(app, 'rondo-jwt', {
        stage: 'jwt',
        apiAuth: { mode: 'JWT', issuer, audience: ['rondo-console'] },
      }),
    );
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: issuer, Audience: ['rondo-console'] },
    });
    const routes = Object.values(
      resources<{ RouteKey: string; AuthorizationType: string }>(jwt, 'AWS::ApiGatewayV2::Route'),
    ).map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType]);
    expect(routes.sort()).toEqual([
      ['ANY /v1/{proxy+}', 'JWT'],
      ['POST /v1/triggers/{workflowId}', 'NONE'],
    ]);
  });
});

const STATE_MACHINES = [
  {
    name: 'retry',
    construct: () => dev.retryStateMachine,
    invokes: 'retry-attempt' as FunctionName,
    definition: (arn: string) => retryStateMachineDefinition({ retryAttemptFunctionArn: arn }),
  },
  {
    name: 'loop',
    construct: () => dev.loopStateMachine,
    invokes: 'loop' as FunctionName,
    definition: (arn: string) => loopStateMachineDefinition({ loopFunctionArn: arn }),
  },
];

describe.each(STATE_MACHINES)('$name state machine', ({ construct, invokes, definition }) => {
  const localArn = localFunctionArn(`${RESOURCE_PREFIX}-${invokes}`);
  const machine = () =>
    resources<{ DefinitionString: unknown; RoleArn: GetAtt; StateMachineType: string }>(
      template,
      'AWS::StepFunctions::StateMachine',
    )[logicalId(construct())] as Resource<{
      DefinitionString: unknown;
      RoleArn: GetAtt;
      StateMachineType: string;
    }>;
  const deployedDefinition = () => {
    // The document with the deployed function's ARN swapped for the local one.
    const text = resolve(machine().Properties.DefinitionString, (id, attribute) => {
      expect([id, attribute]).toEqual([functionId(invokes), 'Arn']);
      return localArn;
    });
    return JSON.parse(text) as unknown;
  };

  it('is the very document the embedded runtime executes', () => {
    expect(deployedDefinition()).toEqual(definition(localArn));
  });

  it('is valid Amazon States Language', () => {
    // The validator annotates the document it checks; give it a copy.
    const result = validateAsl(structuredClone(deployedDefinition()), { checkPaths: true, checkArn: true });
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is a standard, traced, logged state machine allowed to invoke its function', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: `${RESOURCE_PREFIX}-dev-${invokes === 'loop' ? 'loop' : 'retry'}`,
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ERROR' },
    });
    const invoke = statementsOfRole(machine().Properties.RoleArn['Fn::GetAtt'][0]).find((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );
    // The function itself, not every version and alias of it.
    expect(invoke?.Resource).toEqual({ 'Fn::GetAtt': [functionId(invokes), 'Arn'] });
  });
});

describe('loop state machine permissions', () => {
  // A loop's executions and its distributed Map's child executions, and nothing else.
  const loopExecutions = [
    `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:rondo-dev-loop:*`,
    `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:rondo-dev-loop/*`,
  ].sort();
  const resolvedResources = (statement: Statement | undefined) =>
    [statement?.Resource]
      .flat()
      .map((resource) => resolve(resource, deployedFunctionArn))
      .sort();

  it('may start, describe and stop only its own (child) executions', () => {
    const loop = resources<{ RoleArn: GetAtt }>(template, 'AWS::StepFunctions::StateMachine')[
      logicalId(dev.loopStateMachine)
    ] as Resource<{ RoleArn: GetAtt }>;
    const statements = statementsOfRole(loop.Properties.RoleArn['Fn::GetAtt'][0]);
    const start = statements.find((s) => actionsOf(s).includes('states:StartExecution'));
    expect(resolve(start?.Resource, deployedFunctionArn)).toBe(
      `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:rondo-dev-loop`,
    );
    const manage = statements.find((s) => actionsOf(s).includes('states:StopExecution'));
    expect(actionsOf(manage ?? ({ Action: [] } as unknown as Statement)).sort()).toEqual([
      'states:DescribeExecution',
      'states:StopExecution',
    ]);
    expect(resolvedResources(manage)).toEqual(loopExecutions);
  });

  it('lets only the reconciler, the API and the loop function stop loops, on the loop executions only', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const stops = statementsOfFunction(name).filter((s) => actionsOf(s).includes('states:StopExecution'));
      expect({ name, stops: stops.length > 0 }).toEqual({
        name,
        stops: ['reconcile', 'api', 'loop'].includes(name),
      });
      for (const statement of stops) expect(resolvedResources(statement)).toEqual(loopExecutions);
    }
  });

  it('reports iterations only from resolution and the loop function', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const reports = statementsOfFunction(name).some((s) => actionsOf(s).includes('states:SendTaskSuccess'));
      expect({ name, reports }).toEqual({ name, reports: name === 'resolve' || name === 'loop' });
    }
  });
});

describe('alarms', () => {
  type AlarmProps = {
    MetricName: string;
    Namespace: string;
    Dimensions: { Name: string; Value: unknown }[];
    Threshold: number;
    TreatMissingData: string;
    AlarmActions: unknown[];
  };
  const alarms = () =>
    Object.values(resources<AlarmProps>(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const on = (metric: string, dimension: unknown) =>
    alarms().filter(
      (a) =>
        a.MetricName === metric &&
        a.Dimensions.some((d) => JSON.stringify(d.Value) === JSON.stringify(dimension)),
    );

  it('watch every dead-letter queue, the age of every work queue, every function and every state machine', () => {
    for (const name of Object.keys(QUEUES) as QueueName[]) {
      const dlq = { 'Fn::GetAtt': [logicalId(dev.deadLetterQueues[name]), 'QueueName'] };
      const queue = { 'Fn::GetAtt': [logicalId(dev.queues[name]), 'QueueName'] };
      expect(on('ApproximateNumberOfMessagesVisible', dlq).map((a) => a.Threshold)).toEqual([1]);
      expect(on('ApproximateAgeOfOldestMessage', queue).map((a) => a.Threshold)).toEqual([300]);
    }
    for (const deadLetters of [dev.runCreationDeadLetterQueue, dev.eventDeliveryDeadLetterQueue]) {
      const dlq = { 'Fn::GetAtt': [logicalId(deadLetters), 'QueueName'] };
      expect(on('ApproximateNumberOfMessagesVisible', dlq).map((a) => a.Threshold)).toEqual([1]);
    }
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const fn = { Ref: functionId(name) };
      expect(on('Errors', fn)).toHaveLength(1);
      expect(on('Throttles', fn)).toHaveLength(1);
    }
    for (const machine of [dev.retryStateMachine, dev.loopStateMachine]) {
      expect(on('ExecutionsFailed', { Ref: logicalId(machine) })).toHaveLength(1);
    }
    // Nothing happening is not an alarm, and every alarm tells the topic.
    const topic = { Ref: logicalId(dev.alarms.topic) };
    for (const alarm of alarms()) {
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.AlarmActions).toEqual([topic]);
    }
  });

  it('send to an SNS topic that refuses plain HTTP, with an e-mail subscription when one is given', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const withEmail = Template.fromStack(
      new RondoStack(app, 'rondo-mail', { stage: 'mail', alarmEmail: 'ops@example.com' }),
    );
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('dashboard', () => {
  it('shows instances by status, retries and dispatch latency from the functions’ namespace, and every dead-letter queue', () => {
    const [, dashboard] = only<{ DashboardName: string; DashboardBody: unknown }>(
      template,
      'AWS::CloudWatch::Dashboard',
    );
    expect(dashboard.Properties.DashboardName).toBe(`${RESOURCE_PREFIX}-dev`);
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const name of Object.values(METRIC))
      expect(body).toContain(`\\"${metricsNamespace('dev')}\\",\\"${name}\\"`);
    for (const status of ['SUCCESS', 'FAILED', 'RETRYING', 'WAITING_EVENT'])
      expect(body).toContain(`\\"status\\",\\"${status}\\"`);
    const deadLetterQueues = [
      ...Object.values(dev.deadLetterQueues),
      dev.runCreationDeadLetterQueue,
      dev.eventDeliveryDeadLetterQueue,
    ];
    for (const queue of deadLetterQueues)
      expect(body).toContain(`"Fn::GetAtt":["${logicalId(queue)}","QueueName"]`);
    // The functions publish where the dashboard looks.
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      expect(
        functionResource(functionId(name)).Properties.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE,
      ).toBe(metricsNamespace('dev'));
    }
  });
});

describe('outputs', () => {
  it('are the API URL, the table name and the event bus name', () => {
    const apiUrl = template.findOutputs('ApiUrl').ApiUrl as { Value: unknown } | undefined;
    expect(JSON.stringify(apiUrl?.Value)).toContain(logicalId(dev.api));
    template.hasOutput('TableName', { Value: { Ref: logicalId(dev.table) } });
    template.hasOutput('EventBusName', { Value: { Ref: logicalId(dev.eventBus) } });
  });
});

describe('stack settings', () => {
  it('refuses a stage that cannot be part of resource names', () => {
    expect(() => new RondoStack(new App(), 'bad', { stage: 'Prod_1' })).toThrow(/stage/);
  });

  it('lets only the LocalStack stage take unsigned callers as a development identity', () => {
    expect(() => new RondoStack(new App(), 'bad', { stage: 'prod', developmentIdentity: 'admin' })).toThrow(
      /developmentIdentity/,
    );
    const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const local = Template.fromStack(
      new RondoStack(app, 'rondo-local', { stage: 'local', developmentIdentity: 'admin' }),
    );
    // Rondo's functions, not the CDK custom-resource framework's, which runs no Rondo code.
    const variables = Object.values(resources<FunctionProps>(local, 'AWS::Lambda::Function'))
      .filter((fn) => fn.Properties.FunctionName !== 'rondo-local-workflow-provider')
      .map((fn) => fn.Properties.Environment.Variables[ENV.developmentIdentity]);
    expect(new Set(variables)).toEqual(new Set(['admin']));
  });

  it('keeps every log group for the configured retention, and refuses one CloudWatch does not offer', () => {
    const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const kept = Template.fromStack(
      new RondoStack(app, 'rondo-kept', { stage: 'kept', logRetentionDays: 90 }),
    );
    const groups = Object.values(resources<{ RetentionInDays?: number }>(kept, 'AWS::Logs::LogGroup'));
    // The topology's functions, two state machines, the API's access log, the workflow provider.
    expect(groups).toHaveLength(Object.keys(FUNCTIONS).length + 4);
    expect(new Set(groups.map((g) => g.Properties.RetentionInDays))).toEqual(new Set([90]));
    expect(
      () => new RondoStack(new App(), 'bad', { stage: 'dev', logRetentionDays: 31 as RetentionDays }),
    ).toThrow(/logRetentionDays/);
  });

  it("notifies a team's existing topic instead of creating one when given its ARN", () => {
    const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:ops-pager';
    const own = Template.fromStack(
      new RondoStack(app, 'rondo-own', { stage: 'own', alarmTopicArn: topicArn }),
    );
    // Only the alert topic, which alarms do not use.
    own.resourceCountIs('AWS::SNS::Topic', 1);
    const actions = Object.values(resources<{ AlarmActions: unknown[] }>(own, 'AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties.AlarmActions,
    );
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toEqual([topicArn]);
  });

  it('passes the HTTP allow-list and the status-event level to the functions, refuses an entry that is no host, an unknown level, and a secret prefix that is no folder', () => {
    const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const guarded = new RondoStack(app, 'rondo-guarded', {
      stage: 'guarded',
      httpAllowedHosts: ['api.partner.com', '*.example.com', '10.20.0.0/16'],
      secretPrefix: 'teams/data/',
      statusEvents: 'FINISHED',
    });
    const variables = Object.values(
      resources<FunctionProps>(Template.fromStack(guarded), 'AWS::Lambda::Function'),
    )
      .filter((fn) => fn.Properties.FunctionName !== 'rondo-guarded-workflow-provider')
      .map((fn) => fn.Properties.Environment.Variables);
    expect(new Set(variables.map((v) => v[OPTIONAL_ENV.httpAllowedHosts]))).toEqual(
      new Set(['api.partner.com,*.example.com,10.20.0.0/16']),
    );
    expect(new Set(variables.map((v) => v[OPTIONAL_ENV.secretPrefix]))).toEqual(new Set(['teams/data/']));
    expect(new Set(variables.map((v) => v[OPTIONAL_ENV.statusEvents]))).toEqual(new Set(['FINISHED']));
    expect(() => new RondoStack(new App(), 'bad', { stage: 'dev', statusEvents: 'SOME' as 'ALL' })).toThrow(
      /statusEvents 'SOME' must be one of ALL, FINISHED, NONE/,
    );
    expect(
      () => new RondoStack(new App(), 'bad', { stage: 'dev', httpAllowedHosts: ['http://x.com'] }),
    ).toThrow(/httpAllowedHosts: 'http:\/\/x.com' is not a host name/);
    for (const secretPrefix of ['', '*', 'rondo', '/']) {
      expect(() => new RondoStack(new App(), 'bad', { stage: 'dev', secretPrefix }), secretPrefix).toThrow(
        /secretPrefix/,
      );
    }
  });

  it('refuses an empty task function prefix, which would allow invoking every function', () => {
    expect(() => new RondoStack(new App(), 'bad', { stage: 'dev', taskFunctionPrefix: '' })).toThrow(
      /taskFunctionPrefix/,
    );
  });
});
