// The `lambda` executor: invokes the task's function with the instance, its parameters and
// its upstream outputs; the function's JSON result becomes the attempt's outputs.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Executor } from '../ports/executor.ts';

export function createLambdaExecutor(options: { client: LambdaClient }): Executor {
  return {
    async execute({ instance, attempt, config, parameters, upstreamOutputs, signal }) {
      const functionName = String(config.function ?? '');
      if (!functionName) {
        return {
          status: 'FAILED',
          error: { code: 'INVALID_TASK_CONFIG', message: 'config.function is required' },
          metrics: {},
        };
      }
      const started = Date.now();
      const out = await options.client.send(
        new InvokeCommand({
          FunctionName: functionName,
          Payload: JSON.stringify({
            instance: {
              id: instance.id,
              taskId: instance.taskId,
              runId: instance.runId,
              dataTime: instance.dataTime,
              attempt,
            },
            parameters,
            upstreamOutputs,
            ...(config.payload === undefined ? {} : { payload: config.payload }),
          }),
          LogType: 'Tail',
        }),
        { abortSignal: signal },
      );
      const metrics = { duration: Date.now() - started };
      const logs = out.LogResult
        ? { stdout: Buffer.from(out.LogResult, 'base64').toString('utf8') }
        : undefined;
      const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
      const payload: unknown = text ? JSON.parse(text) : null;
      if (out.FunctionError) {
        const fault = (payload ?? {}) as { errorType?: string; errorMessage?: string };
        return {
          status: 'FAILED',
          error: {
            code: fault.errorType ?? 'FUNCTION_ERROR',
            message: fault.errorMessage ?? out.FunctionError,
          },
          metrics,
          ...(logs ? { logs } : {}),
        };
      }
      const outputs =
        payload && typeof payload === 'object' && !Array.isArray(payload)
          ? (payload as Record<string, unknown>)
          : { result: payload };
      return { status: 'SUCCESS', outputs, metrics, ...(logs ? { logs } : {}) };
    },
  };
}
