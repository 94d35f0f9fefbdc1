// Executors run one attempt of an instance: a Lambda function, an HTTP call, a command.
import type { Instance } from '../model/instance.ts';

export type AttemptRequest = {
  instance: Instance;
  attempt: number;
  parameters: Record<string, unknown>;
  upstreamOutputs: Record<string, Record<string, unknown>>;
};

export type AttemptResult =
  | { status: 'SUCCESS'; outputs: Record<string, unknown>; metrics: Record<string, number>; logs?: string }
  | {
      status: 'FAILED';
      error: { code: string; message: string };
      metrics: Record<string, number>;
      logs?: string;
    };

export type Executor = { execute(request: AttemptRequest): Promise<AttemptResult> };

/** Executors by task type; a type without one here cannot run where this registry is used. */
export type ExecutorRegistry = Partial<Record<Instance['taskType'], Executor>>;
