// `condition`: evaluates the task's expression over parameters, upstream outputs and the
// data time, and chooses a branch (`then`/`else`, or a `switch` case or `default`). The
// engine skips the branches not chosen. Expressions are parsed, never run as code.
import { ExpressionEvaluationError, evaluateExpression, parseExpression } from '../expressions/expression.ts';
import { conditionConfigSchema } from '../model/workflow.ts';
import type { AttemptResult, Executor } from '../ports/executor.ts';

const fail = (code: string, message: string): AttemptResult => ({
  status: 'FAILED',
  error: { code, message },
  metrics: {},
  // The same expression over the same inputs fails the same way: retrying cannot help.
  retryable: false,
});

export const conditionExecutor: Executor = {
  async execute({ instance, config, parameters, upstreamOutputs }) {
    const parsed = conditionConfigSchema.safeParse(config);
    if (!parsed.success)
      return fail('INVALID_TASK_CONFIG', 'a condition needs `if`, or `switch` with `cases`');
    const context = { params: parameters, outputs: upstreamOutputs, dataTime: instance.dataTime };
    const source = 'if' in parsed.data ? parsed.data.if : parsed.data.switch;
    try {
      const value = evaluateExpression(parseExpression(source), context);
      if ('if' in parsed.data) {
        if (typeof value !== 'boolean') {
          return fail(
            'EXPRESSION_ERROR',
            `the condition '${source}' gave ${JSON.stringify(value)}, not true or false`,
          );
        }
        return { status: 'SUCCESS', outputs: { branch: value ? 'then' : 'else', value }, metrics: {} };
      }
      const key = typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
      const branch = key !== undefined && parsed.data.cases.includes(key) ? key : 'default';
      return { status: 'SUCCESS', outputs: { branch, value }, metrics: {} };
    } catch (error) {
      if (error instanceof ExpressionEvaluationError || (error instanceof Error && 'code' in error)) {
        return fail(String((error as { code: string }).code), error.message);
      }
      throw error;
    }
  },
};
