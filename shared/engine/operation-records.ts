// Writing and reading operation records: every mutating action is recorded with its
// operator, time, target, parameters and result, a refused one too (with its error).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, RondoError, ValidationError } from '../errors.ts';
import { parseInstanceId, workflowIdOfRun } from '../model/ids.ts';
import type { OperationRecord, OperationTarget } from '../model/operation.ts';
import type { Page } from '../ports/store.ts';
import type { EngineDeps } from './deps.ts';

export type Operation = {
  actor: string;
  action: string;
  target: OperationTarget;
  parameters?: Record<string, unknown>;
};

/** The workflow an operation's target belongs to. */
function workflowOf(target: OperationTarget): string | undefined {
  if (target.kind === 'workflow') return target.id;
  if (target.kind === 'instance') {
    const parsed = parseInstanceId(target.id);
    return parsed ? workflowIdOfRun(parsed.runId) : undefined;
  }
  return undefined;
}

/**
 * Runs `action` and records how it ended. `affected` names what a successful action changed
 * (the instances a rerun reset). A failed action is recorded, then its error is rethrown.
 */
export async function recordOperation<T>(
  deps: Pick<EngineDeps, 'store' | 'clock'>,
  operation: Operation,
  action: () => Promise<T>,
  affected?: (result: T) => string[],
): Promise<T> {
  const base = {
    id: randomUUID(),
    at: deps.clock.now().toISOString(),
    actor: operation.actor,
    action: operation.action,
    target: operation.target,
    parameters: operation.parameters ?? {},
  };
  const workflowId = workflowOf(operation.target);
  const record = (result: OperationRecord['result']): OperationRecord => ({
    ...base,
    ...(workflowId ? { workflowId } : {}),
    result,
  });
  let result: T;
  try {
    result = await action();
  } catch (error) {
    // Bad input, or a target that does not exist: nothing was acted on, so nothing to record.
    if (error instanceof NotFoundError || error instanceof ValidationError || error instanceof z.ZodError) {
      throw error;
    }
    const failure =
      error instanceof RondoError
        ? { code: error.code, message: error.message }
        : { code: 'INTERNAL', message: 'the action failed unexpectedly' };
    // Best effort: the action's own error is what the caller must see.
    await deps.store.putOperation(record({ status: 'FAILED', ...failure })).catch(() => {});
    throw error;
  }
  await deps.store.putOperation(
    record({ status: 'SUCCESS', ...(affected ? { affected: affected(result) } : {}) }),
  );
  return result;
}

export function listOperations(
  deps: Pick<EngineDeps, 'store'>,
  of: { targetId: string } | { workflowId: string },
  page: { limit?: number; cursor?: string },
): Promise<Page<OperationRecord>> {
  return deps.store.listOperations(of, Math.min(page.limit ?? 50, 500), page.cursor);
}
