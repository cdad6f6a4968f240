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

/** Names of URL parameters and key=value pairs whose value is a secret (password, passwd, pwd, sslpassword, …). */
const SECRET_NAME = String.raw`(?:[a-z_]*(?:password|passwd|secret|token)|pass|pwd|sslkey)`;
/** `scheme://user:SECRET@` (also `scheme:/user:…`, as a path resolved by the shell or `path.resolve` reads). */
const USERINFO_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/?[^\s:/@?#]*:)\S*@/gi;
/** `?password=SECRET`, `&sslpassword=SECRET`, `;token=SECRET` in an address. */
const SECRET_PARAM = new RegExp(String.raw`([?&;]${SECRET_NAME}=)[^&;#\s]*`, 'gi');
/** `password=SECRET` of a key/value connection string (libpq's `host=… password=…`). */
const SECRET_PAIR = new RegExp(
  String.raw`(^|[\s,;(])(${SECRET_NAME}\s*=\s*)('[^']*'|"[^"]*"|[^\s,;)]+)`,
  'gi',
);

/**
 * Masks every secret of a text: the password of any URL with credentials (`scheme://user:secret@host` →
 * `user:***@`, PostgreSQL, MySQL or any other scheme), secret parameters of an address (`?password=`,
 * `pass`, `secret`, `token`, `sslkey`) and `password=…` pairs of key/value connection strings. Applied to
 * every message that leaves main (dispatch, the job runner, the HTTP server and its log, the CLI): see
 * `redactError`. A password holding an unencoded `@` is masked up to the last `@` of the address.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(USERINFO_PASSWORD, '$1***@')
    .replace(SECRET_PARAM, '$1***')
    .replace(SECRET_PAIR, '$1$2***');
}

/**
 * The same error with its secrets masked, still of its kind: an AppError stays one (a new one, same code), an
 * unexpected Error stays unexpected (masked in place, stack too), so a transport still tells them apart.
 */
export function maskSecrets(error: unknown): unknown {
  if (error instanceof AppError) return redactError(error);
  if (error instanceof Error) {
    error.message = redactSecrets(error.message);
    if (error.stack) error.stack = redactSecrets(error.stack);
    return error;
  }
  return redactSecrets(String(error));
}

/** The error as it may leave main: an AppError with every secret of its message masked (others: internal). */
export function redactError(error: unknown): AppError {
  if (error instanceof AppError) {
    const message = redactSecrets(error.message);
    return message === error.message ? error : new AppError(error.code, message);
  }
  return new AppError('internal', redactSecrets(error instanceof Error ? error.message : String(error)));
}
