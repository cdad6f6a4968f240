import { AppError } from '../../shared/errors.ts';

// Cursors are opaque to callers (CLI, UI): base64url of a small JSON array of key parts. What the parts are
// is the Source's business (a message id, a rowid, a (time, id) pair, a (last activity, conversation) pair).

export function encodeCursor(parts: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number | null)[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = null;
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== arity ||
    !parts.every((p) => p === null || typeof p === 'string' || typeof p === 'number')
  )
    throw new AppError(
      'invalid_input',
      'that cursor is not one this source gave out: start from the first page',
    );
  return parts as (string | number | null)[];
}
