import { AppError } from '../../shared/errors.ts';
import { redactSecrets } from '../../shared/secrets.ts';
import { SOCKET_LOST_CODES, SOCKET_UNREACHABLE_CODES } from '../sources/server-errors.ts';
import type { MysqlTarget } from './url.ts';

// Driver and server errors as one line a person understands, as main/pg/errors.ts does for PostgreSQL. Codes
// are mysql2's (the server's ER_* names and errno, Node's socket codes); anything else keeps the server's own
// words, password-free and on one line.

interface MysqlLikeError {
  code?: string;
  errno?: number;
  message?: string;
  sqlMessage?: string;
  fatal?: boolean;
}

// ENOENT: a Unix socket path that is not there.
const SOCKET_UNREACHABLE = new Set([...SOCKET_UNREACHABLE_CODES, 'ENOENT']);
const LOST = new Set([
  ...SOCKET_LOST_CODES,
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'CR_SERVER_LOST',
  'CR_SERVER_GONE_ERROR',
]);

export function mysqlError(error: unknown, target: MysqlTarget, statementTimeoutMs: number): AppError {
  if (error instanceof AppError) return new AppError(error.code, oneLine(redactSecrets(error.message)));
  const e = (typeof error === 'object' && error !== null ? error : {}) as MysqlLikeError;
  const raw = oneLine(redactSecrets(e.sqlMessage ?? e.message ?? String(error)));
  const where = target.socketPath ?? `${target.host}:${target.port}`;
  const code = e.code ?? '';
  const errno = e.errno ?? 0;
  if (SOCKET_UNREACHABLE.has(code))
    return new AppError(
      'unreachable',
      `cannot reach the MySQL server at ${where} (${code === 'ECONNREFUSED' ? 'connection refused: is it running, on that port?' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'unknown host name' : code === 'ENOENT' ? 'no such socket' : 'no route or no answer'})`,
    );
  if (errno === 1045 || code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR')
    return new AppError(
      'unauthorized',
      `authentication failed for user "${target.user}" at ${where}: check the user and password (URL or MYSQL_PWD)`,
    );
  if (errno === 1049 || code === 'ER_BAD_DB_ERROR')
    return new AppError('not_found', `database "${target.database}" does not exist on ${where}`);
  if (errno === 1044 || code === 'ER_DBACCESS_DENIED_ERROR')
    return new AppError(
      'permission_denied',
      `permission denied for database "${target.database}": the user "${target.user}" has no access to it`,
    );
  // MariaDB's max_statement_time (1969), MySQL's max_execution_time (3024).
  if (errno === 1969 || errno === 3024 || code === 'ER_STATEMENT_TIMEOUT' || code === 'ER_QUERY_TIMEOUT')
    return new AppError(
      'timeout',
      `the query took longer than the ${formatMs(statementTimeoutMs)} statement time limit and was stopped by the server (raise it with --statement-timeout)`,
    );
  if (errno === 1205 || code === 'ER_LOCK_WAIT_TIMEOUT')
    return new AppError('locked', 'a table is locked by another session; try again in a moment');
  if (errno === 1142 || errno === 1143 || code === 'ER_TABLEACCESS_DENIED_ERROR') {
    const table = /for table (?:[`'"]?[^`'".\s]+[`'"]?\.)?[`'"]?([^`'"\s]+)[`'"]?/i.exec(raw)?.[1];
    return new AppError(
      'permission_denied',
      table
        ? `permission denied for table ${table}: the user "${target.user}" needs SELECT on it`
        : `permission denied: ${raw}`,
    );
  }
  if (errno === 1227 || code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR')
    return new AppError('permission_denied', `permission denied: ${raw}`);
  if (errno === 1792 || errno === 1290 || code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION')
    return new AppError('read_only', `refused: Chat Inspector only reads (${raw})`);
  if (LOST.has(code) || errno === 2013 || errno === 2006 || errno === 1927 || errno === 1053 || isLost(raw))
    return new AppError(
      'connection_lost',
      `lost the connection to the MySQL server at ${where} before the page was complete; nothing partial is shown — retry`,
    );
  if (errno === 1040 || code === 'ER_CON_COUNT_ERROR')
    return new AppError('unreachable', `the MySQL server at ${where} has no free connection slots`);
  if (/connect ?timeout|ETIMEDOUT/i.test(raw))
    return new AppError('unreachable', `cannot reach the MySQL server at ${where} (no answer within 10 s)`);
  // Syntax errors, unknown tables and columns, bad values: the person's statement, in the server's words.
  if (errno >= 1000 && errno < 2000) return new AppError('invalid_input', raw);
  return new AppError('internal', `MySQL at ${where}: ${raw}`);
}

function isLost(message: string): boolean {
  return /connection lost|server has gone away|lost connection|connection was killed|Can't add new command when connection is in closed state/i.test(
    message,
  );
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
