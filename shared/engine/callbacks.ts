// `callback` tasks: the engine hands out a token; an external system reports success or
// failure with it (POST /v1/callbacks/{token}) or sends heartbeats to keep the attempt alive.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError, RondoError } from '../errors.ts';
import { currentAttempt } from '../model/instance.ts';
import type { AttemptResult } from '../ports/executor.ts';
import { finishAttempt } from './attempts.ts';
import type { EngineDeps } from './deps.ts';
import { dueAfter } from './timing.ts';

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('base64url');

/** A token names the instance and attempt and carries a secret; only its hash is stored. */
export function issueCallbackToken(instanceId: string, attempt: number): { token: string; hash: string } {
  const secret = randomBytes(24).toString('base64url');
  const token = Buffer.from(JSON.stringify([instanceId, attempt, secret])).toString('base64url');
  return { token, hash: hashOf(secret) };
}

export class InvalidCallbackTokenError extends RondoError {
  constructor() {
    super(
      'INVALID_CALLBACK_TOKEN',
      'The callback token is not valid (or the attempt it was issued for is over)',
      false,
    );
    this.name = 'InvalidCallbackTokenError';
  }
}

function parseToken(token: string): { instanceId: string; attempt: number; secret: string } {
  try {
    const [instanceId, attempt, secret] = JSON.parse(
      Buffer.from(token, 'base64url').toString('utf8'),
    ) as unknown[];
    if (typeof instanceId === 'string' && typeof attempt === 'number' && typeof secret === 'string') {
      return { instanceId, attempt, secret };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new InvalidCallbackTokenError();
}

async function instanceOfToken(deps: Pick<EngineDeps, 'store'>, token: string) {
  const { instanceId, attempt, secret } = parseToken(token);
  const instance = await deps.store.getInstance(instanceId);
  if (!instance) throw new NotFoundError('instance', instanceId);
  const expected = Buffer.from(instance.callbackTokenHash ?? '');
  const given = Buffer.from(hashOf(secret));
  const matches = expected.length === given.length && timingSafeEqual(expected, given);
  if (!matches || instance.status !== 'RUNNING' || currentAttempt(instance) !== attempt)
    throw new InvalidCallbackTokenError();
  return instance;
}

export type CallbackReport =
  | { status: 'SUCCESS'; outputs?: Record<string, unknown> }
  | { status: 'FAILED'; error?: { code?: string; message?: string } };

export async function completeCallback(
  deps: EngineDeps,
  token: string,
  report: CallbackReport,
): Promise<void> {
  const instance = await instanceOfToken(deps, token);
  const result: AttemptResult =
    report.status === 'SUCCESS'
      ? { status: 'SUCCESS', outputs: report.outputs ?? {}, metrics: {} }
      : {
          status: 'FAILED',
          error: {
            code: report.error?.code ?? 'CALLBACK_FAILED',
            message: report.error?.message ?? 'reported failed',
          },
          metrics: {},
        };
  await finishAttempt(deps, instance, result);
}

/** Extends the attempt's deadline by its heartbeat interval. */
export async function heartbeatCallback(deps: EngineDeps, token: string): Promise<void> {
  const instance = await instanceOfToken(deps, token);
  const heartbeatSeconds = Number(instance.task.config.heartbeatSeconds ?? instance.task.timeoutSeconds);
  await deps.store.patchInstance(instance, {
    dueAt: dueAfter(deps.clock.now(), heartbeatSeconds, { graceSeconds: 0 }),
  });
}
