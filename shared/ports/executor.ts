// Executors run one attempt of an instance: a Lambda function, an HTTP call, a command.
import type { Instance } from '../model/instance.ts';

export type AttemptRequest = {
  instance: Instance;
  attempt: number;
  /** The task's `config` with every template resolved (parameters, data time, upstream outputs). */
  config: Record<string, unknown>;
  parameters: Record<string, unknown>;
  upstreamOutputs: Record<string, Record<string, unknown>>;
  /** Aborted when the attempt's timeout passes or the instance is terminated. */
  signal: AbortSignal;
};

/** What an attempt wrote: executor output (command output, HTTP exchange, Lambda log tail). */
export type AttemptLogs = { stdout?: string; stderr?: string };

export type AttemptResult =
  | {
      status: 'SUCCESS';
      outputs: Record<string, unknown>;
      metrics: Record<string, number>;
      logs?: AttemptLogs;
    }
  | {
      status: 'FAILED';
      error: { code: string; message: string };
      metrics: Record<string, number>;
      logs?: AttemptLogs;
      /** false when another attempt would fail the same way (bad config, a template or expression error). */
      retryable?: boolean;
    };

export type Executor = { execute(request: AttemptRequest): Promise<AttemptResult> };

/** Executors by task type; a type without one here cannot run where this registry is used. */
export type ExecutorRegistry = Partial<Record<Instance['taskType'], Executor>>;
