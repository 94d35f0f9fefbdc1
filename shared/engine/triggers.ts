// URL triggers: another system starts a one-time run with `curl` and a secret token. One
// token per workflow; rotating it replaces the old one at once. Only its hash is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError, RondoError } from '../errors.ts';
import type { EngineDeps } from './deps.ts';
import { createOneTimeRun } from './runs.ts';

export class InvalidTriggerTokenError extends RondoError {
  constructor() {
    super('UNAUTHORIZED', 'A valid trigger token is required (Authorization: Bearer <token>)', false);
    this.name = 'InvalidTriggerTokenError';
  }
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Issues a new token for the workflow's trigger URL; the previous one stops working. */
export async function rotateTriggerToken(deps: EngineDeps, workflowId: string): Promise<{ token: string }> {
  if (!(await deps.store.getWorkflow(workflowId))) throw new NotFoundError('workflow', workflowId);
  const token = `rt_${randomBytes(24).toString('base64url')}`;
  await deps.store.putTriggerTokenHash(workflowId, hashOf(token), deps.clock.now().toISOString());
  return { token };
}

/** Starts a one-time run if `token` is the workflow's current trigger token. */
export async function triggerRun(
  deps: EngineDeps,
  workflowId: string,
  token: string | undefined,
  request: { dataTime?: string; parameters?: Record<string, unknown> },
) {
  const stored = await deps.store.getTriggerTokenHash(workflowId);
  const given = Buffer.from(hashOf(token ?? ''));
  if (!token || !stored || given.length !== stored.length || !timingSafeEqual(given, Buffer.from(stored))) {
    throw new InvalidTriggerTokenError();
  }
  return createOneTimeRun(deps, { workflowId, plannedTime: deps.clock.now().toISOString(), ...request });
}
