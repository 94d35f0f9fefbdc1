// Error kinds of the domain core. Each has a stable machine-readable `code`; the edges
// (HTTP API, SQS handlers) map them to status codes or batch failures, never the core.

/** One fault: where (`tasks[2].id`), what, and for text faults the character `position` in the value. */
export type ErrorDetail = { path: string; message: string; code?: string; position?: number };

type RondoErrorOptions = { cause?: unknown; details?: ErrorDetail[] };

export class RondoError extends Error {
  readonly code: string;
  readonly details: ErrorDetail[];
  /** Whether the same call may succeed later (a lost race, a throttled service). */
  readonly retryable: boolean;

  constructor(code: string, message: string, retryable: boolean, options: RondoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RondoError';
    this.code = code;
    this.retryable = retryable;
    this.details = options.details ?? [];
  }
}

/** Input does not satisfy a schema or a rule; `details` carries the path of each fault. */
export class ValidationError extends RondoError {
  constructor(message: string, details: ErrorDetail[], code = 'VALIDATION_FAILED') {
    super(code, message, false, { details });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends RondoError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} '${id}' does not exist`, false);
    this.name = 'NotFoundError';
  }
}

/** A conditional write lost: the stored state is not the one the caller expected. */
export class ConflictError extends RondoError {
  constructor(message: string, options: RondoErrorOptions = {}) {
    super('CONFLICT', message, false, options);
    this.name = 'ConflictError';
  }
}

/** A resource group has no free slot: the instance waits in WAITING_EXECUTION. */
export class ResourceGroupFullError extends RondoError {
  constructor(group: string) {
    super('RESOURCE_GROUP_FULL', `resource group '${group}' has no free slot`, true);
    this.name = 'ResourceGroupFullError';
  }
}

/** A move the status machine does not allow (PRODUCT.md §3): a bug, or an operation on the wrong status. */
export class InvalidTransitionError extends RondoError {
  constructor(instanceId: string, from: string, to: string) {
    super('INVALID_TRANSITION', `instance '${instanceId}' cannot go from ${from} to ${to}`, false);
    this.name = 'InvalidTransitionError';
  }
}
