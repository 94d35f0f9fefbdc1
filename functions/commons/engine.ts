// Wires the engine's ports to their AWS adapters from the configuration.
import { createAlertSender } from '#shared/aws/alert-sender.ts';
import { createDynamoDbAlertStore } from '#shared/aws/dynamodb/alert-store.ts';
import { createDynamoDbStore } from '#shared/aws/dynamodb/store.ts';
import { createEventBridgeBus } from '#shared/aws/eventbridge-bus.ts';
import { createEventBridgeScheduler } from '#shared/aws/eventbridge-scheduler.ts';
import { createLambdaExecutor } from '#shared/aws/lambda-executor.ts';
import { createSecretsManagerStore } from '#shared/aws/secrets-manager-store.ts';
import { createSfnLoopRunner } from '#shared/aws/sfn-loop-runner.ts';
import { createSfnRetryRunner } from '#shared/aws/sfn-retry-runner.ts';
import { createSqsQueue } from '#shared/aws/sqs-queue.ts';
import type { AlertDeps } from '#shared/engine/alerts.ts';
import { DEFAULT_ENGINE_SETTINGS, type EngineDeps } from '#shared/engine/deps.ts';
import { observeTransitions } from '#shared/engine/observed-store.ts';
import { conditionExecutor } from '#shared/executors/condition.ts';
import { createHostGuard } from '#shared/executors/host-guard.ts';
import { createHttpExecutor } from '#shared/executors/http.ts';
import { noopExecutor } from '#shared/executors/noop.ts';
import { createShellExecutor } from '#shared/executors/shell.ts';
import { systemClock } from '#shared/ports/clock.ts';
import type { Executor, ExecutorRegistry } from '#shared/ports/executor.ts';
import type { Metrics } from '#shared/ports/metrics.ts';
import { dynamoDb, eventBridge, lambda, scheduler, secretsManager, sfn, sns, sqs } from './clients.ts';
import type { EngineConfig } from './config.ts';
import { engineMetrics } from './observability.ts';

/** What alerting needs: the engine's store, secrets and clock, alert storage, and the channels. */
export function createAlertDeps(config: EngineConfig, engine: EngineDeps): AlertDeps {
  return {
    store: engine.store,
    alerts: createDynamoDbAlertStore({ client: dynamoDb, tableName: config.tableName }),
    sender: createAlertSender({
      sns,
      ...(config.alertTopicArn ? { defaultTopicArn: config.alertTopicArn } : {}),
      ...(engine.secrets ? { secrets: engine.secrets } : {}),
      ...(config.httpAllowedHosts ? { hostGuard: createHostGuard(config.httpAllowedHosts) } : {}),
    }),
    clock: engine.clock,
    settings: config.linkBaseUrl ? { linkBaseUrl: config.linkBaseUrl } : {},
  };
}

/** `metrics`: where the engine's counts go (the process's Powertools publisher by default). */
export function createEngineDeps(config: EngineConfig, metrics: Metrics = engineMetrics): EngineDeps {
  const available: Record<string, Executor> = {
    lambda: createLambdaExecutor({ client: lambda }),
    http: createHttpExecutor(
      config.httpAllowedHosts ? { hostGuard: createHostGuard(config.httpAllowedHosts) } : {},
    ),
    shell: createShellExecutor({ env: { PATH: config.shellPath } }),
    noop: noopExecutor,
    condition: conditionExecutor,
  };
  const executors: ExecutorRegistry = Object.fromEntries(
    config.executors.flatMap((type) => (available[type] ? [[type, available[type]]] : [])),
  );
  return {
    settings: {
      ...DEFAULT_ENGINE_SETTINGS,
      graceSeconds: config.graceSeconds,
      ...(config.maxInlineAttemptSeconds ? { maxInlineAttemptSeconds: config.maxInlineAttemptSeconds } : {}),
    },
    store: observeTransitions(
      createDynamoDbStore({ client: dynamoDb, tableName: config.tableName }),
      metrics,
    ),
    clock: systemClock,
    dispatchQueue: createSqsQueue({ client: sqs, queueUrl: config.dispatchQueueUrl }),
    completionQueue: createSqsQueue({ client: sqs, queueUrl: config.completionQueueUrl }),
    executors,
    retryRunner: createSfnRetryRunner({ client: sfn, stateMachineArn: config.retryStateMachineArn }),
    loopRunner: createSfnLoopRunner({ client: sfn, stateMachineArn: config.loopStateMachineArn }),
    bus: createEventBridgeBus({ client: eventBridge, eventBusName: config.eventBusName }),
    secrets: createSecretsManagerStore({ client: secretsManager, prefix: config.secretPrefix }),
    scheduler: createEventBridgeScheduler({
      client: scheduler,
      groupName: config.scheduleGroup,
      targetArn: config.scheduleTargetArn,
      roleArn: config.schedulerRoleArn,
    }),
  };
}
