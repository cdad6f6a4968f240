import { AppError } from '../../shared/errors.ts';
import { redactSecrets } from '../../shared/secrets.ts';

// MySQL / MariaDB locators: `mysql://user:password@host:port/database` and `mariadb://…` (the same form; the
// scheme says nothing about the server, which is detected once connected). The password is optional: the
// MYSQL_PWD environment variable is used when the URL has none, as the `mysql` client does. A URL is only ever
// shown with its password masked, and every message passes through redactSecrets (shared/secrets.ts).

export function isMysqlUrl(locator: string): boolean {
  return /^(mysql|mariadb):\/\//i.test(locator.trim());
}

export interface MysqlTarget {
  /** The same URL with the password masked: what output, logs and errors show. */
  display: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** From the URL, else MYSQL_PWD; never printed. */
  password: string | undefined;
  /** `?socket=/path` (a local server without TCP). */
  socketPath: string | undefined;
}

export function parseMysqlUrl(locator: string): MysqlTarget {
  let url: URL;
  try {
    url = new URL(locator.trim());
  } catch {
    throw new AppError('invalid_input', `not a MySQL URL: ${redactSecrets(locator)}`);
  }
  if (!['mysql:', 'mariadb:'].includes(url.protocol.toLowerCase()))
    throw new AppError('invalid_input', `not a MySQL URL: ${redactSecrets(locator)}`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/'))
    throw new AppError(
      'invalid_input',
      `${displayUrl(url)}: name the database in the URL (mysql://user@host:3306/DATABASE)`,
    );
  const urlPassword = url.password ? decodeURIComponent(url.password) : undefined;
  return {
    display: displayUrl(url),
    host: url.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: url.port ? Number(url.port) : 3306,
    database,
    user: url.username ? decodeURIComponent(url.username) : (process.env.USER ?? 'root'),
    password: urlPassword ?? (process.env.MYSQL_PWD || undefined),
    socketPath: url.searchParams.get('socket') ?? undefined,
  };
}

function displayUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  for (const key of [...copy.searchParams.keys()]) {
    if (/pass|secret|token|sslkey/i.test(key)) copy.searchParams.set(key, '***');
  }
  return copy.href;
}
