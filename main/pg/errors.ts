import { AppError } from '../../shared/errors.ts';
import { redactSecrets } from '../../shared/secrets.ts';
import { SOCKET_LOST_CODES, SOCKET_UNREACHABLE_CODES } from '../sources/server-errors.ts';
import type { PgTarget } from './url.ts';

// Driver and server errors as one line a person understands. Codes are PostgreSQL SQLSTATEs and Node's
// socket error codes; anything else keeps the server's own words (password-free).

interface PgLikeError {
  code?: string;
  message?: string;
  table?: string;
  errno?: number;
  syscall?: string;
}

const SOCKET_UNREACHABLE = new Set(SOCKET_UNREACHABLE_CODES);
const SOCKET_LOST = new Set(SOCKET_LOST_CODES);

export function pgError(error: unknown, target: PgTarget, statementTimeoutMs: number): AppError {
  if (error instanceof AppError) return new AppError(error.code, redactSecrets(error.message));
  const e = (typeof error === 'object' && error !== null ? error : {}) as PgLikeError;
  const raw = redactSecrets(e.message ?? String(error));
  const where = `${target.host}:${target.port}`;
  const code = e.code ?? '';
  if (SOCKET_UNREACHABLE.has(code))
    return new AppError(
      'unreachable',
      `cannot reach the PostgreSQL server at ${where} (${code === 'ECONNREFUSED' ? 'connection refused: is it running, on that port?' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'unknown host name' : 'no route or no answer'})`,
    );
  if (/timeout exceeded when trying to connect|connection timeout/i.test(raw))
    return new AppError(
      'unreachable',
      `cannot reach the PostgreSQL server at ${where} (no answer within 10 s)`,
    );
  if (code === '28P01' || code === '28000')
    return new AppError(
      'unauthorized',
      `authentication failed for user "${target.user ?? 'default'}" at ${where}: check the user and password (URL, PGPASSWORD or ~/.pgpass)`,
    );
  if (code === '3D000')
    return new AppError('not_found', `database "${target.database}" does not exist on ${where}`);
  if (code === '57014')
    return new AppError(
      'timeout',
      `the query took longer than the ${formatMs(statementTimeoutMs)} statement time limit and was stopped by the server (raise it with --statement-timeout)`,
    );
  if (code === '55P03')
    return new AppError('locked', 'a table is locked by another session (waited 1 s); try again in a moment');
  if (code === '42501') {
    const table = /permission denied for (?:table|relation|view) (\S+)/i.exec(raw)?.[1] ?? e.table;
    return new AppError(
      'permission_denied',
      table
        ? `permission denied for table ${table}: the role "${target.user ?? 'default'}" needs SELECT on it`
        : `permission denied: ${raw}`,
    );
  }
  if (code === '25006') return new AppError('read_only', `refused: Chat Inspector only reads (${raw})`);
  if (
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    SOCKET_LOST.has(code) ||
    isLostConnection(raw)
  )
    return new AppError(
      'connection_lost',
      `lost the connection to the PostgreSQL server at ${where} before the page was complete; nothing partial is shown — retry`,
    );
  if (code === '53300')
    return new AppError('unreachable', `the PostgreSQL server at ${where} has no free connection slots`);
  if (/^(42|22)/.test(code)) return new AppError('invalid_input', raw);
  return new AppError('internal', `PostgreSQL at ${where}: ${raw}`);
}

function isLostConnection(message: string): boolean {
  return /Connection terminated|terminating connection|server closed the connection|Client has encountered a connection error/i.test(
    message,
  );
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
