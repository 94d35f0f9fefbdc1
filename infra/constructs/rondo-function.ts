// Every Rondo Lambda function, with the defaults they all share: the runtime the embedded
// runtime runs on (Node 24), Graviton, X-Ray, a log group with a retention, source maps,
// and an ESM bundle built by the local esbuild (no Docker, as `npm start` needs none).
import { join, resolve } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The repository root: function entries are given relative to it, as in `infra/topology.ts`. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

export const DEFAULT_LOG_RETENTION = RetentionDays.ONE_MONTH;

/**
 * ESM has no `require`, yet a CommonJS dependency inlined by esbuild calls it for Node
 * built-ins, and would fail only at cold start. Today's dependencies all bundle as ESM; this
 * keeps the next CommonJS one working. The alias keeps clear of bundled identifiers.
 */
const ESM_REQUIRE_SHIM =
  "import { createRequire as __rondoCreateRequire } from 'node:module'; const require = __rondoCreateRequire(import.meta.url);";

export type RondoFunctionProps = {
  /** Module path from the project root; the module exports `handler`. */
  entry: string;
  functionName: string;
  timeoutSeconds: number;
  memoryMiB: number;
  environment: Record<string, string>;
  description?: string;
  logRetention?: RetentionDays;
  /** What happens to the log group when the stack is deleted. */
  logRemovalPolicy?: RemovalPolicy;
  /** Concurrency set aside for (and capping) this function; unset: the account's pool. */
  reservedConcurrentExecutions?: number;
  /** Where Lambda puts asynchronous invocations that failed every retry. */
  deadLetterQueue?: IQueue;
};

export class RondoFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: RondoFunctionProps) {
    // A log group of our own (rather than the one Lambda creates on first write) is how the
    // retention gets set and how the group leaves with the stack.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    // A role of our own instead of the AWSLambdaBasicExecutionRole managed policy, which
    // lets a function write to every log group in the account: this one writes to its own.
    const role = new Role(scope, `${id}Role`, {
      description: `${props.functionName}: runs the function`,
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        // The log group's ARN attribute ends in `:*`, which covers its log streams.
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      functionName: props.functionName,
      role,
      description: props.description,
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      // The embedded runtime runs the handlers on the pinned Node 24: same major in AWS.
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(props.timeoutSeconds),
      memorySize: props.memoryMiB,
      tracing: Tracing.ACTIVE,
      logGroup,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      environment: {
        ...props.environment,
        // Stack traces point into the TypeScript sources, through the bundle's source map.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        // Prefer packages' ESM builds, which tree-shake; fall back to CommonJS.
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_SHIM,
        sourceMap: true,
        minify: true,
        // Minified, but class and function names survive into stack traces and logged errors.
        keepNames: true,
        // The SDK versions the tests ran against, not whichever ones the Lambda runtime ships.
        bundleAwsSDK: true,
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        "X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords): these actions support no resource-level permissions, so AWS requires Resource '*'.",
    });
  }
}
