import { AppError } from '../../shared/errors.ts';

// PostgreSQL locators: `postgres://` and `postgresql://` URLs (libpq's forms, the password optional:
// PGPASSWORD and ~/.pgpass are honoured by `pg` when the URL has none). A URL is only ever shown with its
// password masked, and every error message passes through redactSecrets before it reaches a person.

const SCHEMES = ['postgres:', 'postgresql:'];

export function isPostgresUrl(locator: string): boolean {
  return /^postgres(ql)?:\/\//i.test(locator.trim());
}

export interface PgTarget {
  /** The URL as given, for the driver (never printed). */
  connectionString: string;
  /** The same URL with the password masked: what output, logs and errors show. */
  display: string;
  host: string;
  port: number;
  database: string;
  user: string | null;
}

export function parsePgUrl(locator: string): PgTarget {
  let url: URL;
  try {
    url = new URL(locator.trim());
  } catch {
    throw new AppError('invalid_input', `not a PostgreSQL URL: ${redactSecrets(locator)}`);
  }
  if (!SCHEMES.includes(url.protocol.toLowerCase()))
    throw new AppError('invalid_input', `not a PostgreSQL URL: ${redactSecrets(locator)}`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const hostParam = url.searchParams.get('host');
  return {
    connectionString: locator.trim(),
    display: displayUrl(url),
    host: url.hostname || hostParam || 'localhost',
    port: url.port ? Number(url.port) : 5432,
    database: database || (url.username ? decodeURIComponent(url.username) : ''),
    user: url.username ? decodeURIComponent(url.username) : null,
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

/**
 * Masks the password of any URL with credentials in a text (`scheme://user:secret@host` → `user:***@`),
 * and `password=...` pairs of key/value connection strings. Applied to every message from a server source.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]*)@/gi, '$1***@')
    .replace(/(password\s*=\s*)('[^']*'|"[^"]*"|\S+)/gi, '$1***');
}
