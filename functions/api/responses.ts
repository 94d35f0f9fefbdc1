// Maps results and errors to HTTP responses: `{ "error": { code, message, details } }`.
import {
  MethodNotAllowedError,
  ParameterValidationError,
  NotFoundError as RouteNotFoundError,
} from '@aws-lambda-powertools/event-handler/http';
import { z } from 'zod';
import { InvalidCallbackTokenError } from '#shared/engine/callbacks.ts';
import { ActionNotAllowedError } from '#shared/engine/operations.ts';
import { ForbiddenError } from '#shared/engine/permissions.ts';
import { InvalidTriggerTokenError } from '#shared/engine/triggers.ts';
import { ConflictError, NotFoundError, RondoError, ValidationError } from '#shared/errors.ts';
import { issuePath } from '#shared/model/workflow.ts';

export function json(statusCode: number, body: unknown) {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function statusOf(error: RondoError): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof InvalidCallbackTokenError) return 409;
  if (error instanceof InvalidTriggerTokenError) return 401;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof ConflictError || error instanceof ActionNotAllowedError) return 409;
  return error.retryable ? 503 : 400;
}

export function errorResponse(error: unknown) {
  if (error instanceof RondoError) {
    return json(statusOf(error), {
      error: { code: error.code, message: error.message, details: error.details },
    });
  }
  if (error instanceof z.ZodError) {
    const details = error.issues.map((i) => ({ path: issuePath(i.path), message: i.message, code: i.code }));
    return json(400, { error: { code: 'VALIDATION_FAILED', message: 'The request is not valid', details } });
  }
  if (error instanceof SyntaxError) {
    return json(400, { error: { code: 'INVALID_JSON', message: 'The body is not valid JSON', details: [] } });
  }
  if (error instanceof ParameterValidationError) {
    // An empty or blank path segment (`/v1/runs/%20`).
    return json(400, {
      error: {
        code: 'INVALID_PATH_PARAMETER',
        message: error.message,
        details: [{ path: 'path', message: error.message }],
      },
    });
  }
  if (error instanceof MethodNotAllowedError) {
    return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: error.message, details: [] } });
  }
  if (error instanceof RouteNotFoundError) {
    return json(404, { error: { code: 'ROUTE_NOT_FOUND', message: error.message, details: [] } });
  }
  return json(500, { error: { code: 'INTERNAL', message: 'Internal error', details: [] } });
}
