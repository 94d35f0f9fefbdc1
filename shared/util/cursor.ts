import { ValidationError } from '../errors.ts';

/** Opaque page cursors: base64url JSON, never interpreted by clients. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string): T {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    throw new ValidationError('The cursor is not one this API gave out', [
      { path: 'cursor', message: 'not a valid cursor', code: 'INVALID_CURSOR' },
    ]);
  }
}
