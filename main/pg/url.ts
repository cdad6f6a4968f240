import { AppError } from '../../shared/errors.ts';
import { redactError, redactSecrets } from '../../shared/redact.ts';

export { redactSecrets, redactError };

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
  checkSessionParams(url);
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

/**
 * The URL parameters a connection may carry: where and how to connect, never how the session behaves. The
 * driver (node-postgres) turns any other parameter into a startup setting of the session (`statement_timeout`,
 * `replication`, `client_encoding`, …) or into a change of how results are read (`binary`).
 */
const CONNECTION_PARAMS = new Set([
  'host',
  'hostaddr',
  'port',
  'user',
  'password',
  'dbname',
  'application_name',
  'fallback_application_name',
  'connect_timeout',
  'keepalives',
  'keepalives_idle',
  'target_session_attrs',
  'ssl',
  'sslmode',
  'sslcert',
  'sslkey',
  'sslrootcert',
  'sslca',
  'sslpassword',
  'sslnegotiation',
  'channel_binding',
  'gssencmode',
  'uselibpqcompat',
  'options',
]);

/**
 * Settings `options=-c name=value` may set: how messages and values are shown, and memory for a sort. Any
 * other — `search_path` (the app's queries would call a user's functions), `default_transaction_read_only`,
 * `statement_timeout`, `lock_timeout`, `role`, `session_authorization`, … — is refused, so the session is
 * the one Chat Inspector sets (read-only transactions, time limits, pg_catalog first: main/pg/client.ts).
 */
const HARMLESS_SETTINGS = new Set([
  'application_name',
  'client_min_messages',
  'datestyle',
  'intervalstyle',
  'timezone',
  'extra_float_digits',
  'work_mem',
  'jit',
]);

function refusedSetting(where: string, what: string): AppError {
  return new AppError(
    'invalid_input',
    `${where}: ${what}: Chat Inspector sets its own session (read-only, time limits, search_path); a URL may set only ${[...HARMLESS_SETTINGS].join(', ')} in options`,
  );
}

/** Refuses a URL whose parameters or `options` would change the session's behaviour (see above). */
function checkSessionParams(url: URL): void {
  for (const key of url.searchParams.keys()) {
    if (!CONNECTION_PARAMS.has(key)) throw refusedSetting(displayUrl(url), `the parameter ${key} is refused`);
  }
  for (const options of url.searchParams.getAll('options')) checkSessionOptions(options, displayUrl(url));
}

/** PGOPTIONS is read by the driver when the URL has no `options`: held to the same rule. */
export function checkOptionsEnv(url: string): void {
  const env = process.env.PGOPTIONS;
  if (env && !new URL(url).searchParams.has('options')) checkSessionOptions(env, 'PGOPTIONS');
}

/** `-c name=value`, `-cname=value` or `--name=value` tokens (libpq's `\ ` escapes a space in a value). */
function checkSessionOptions(options: string, where: string): void {
  const tokens = options
    .trim()
    .split(/(?<!\\)\s+/)
    .filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    let token = tokens[i]!;
    if (token === '-c') token = tokens[++i] ?? '';
    else if (token.startsWith('-c')) token = token.slice(2);
    else if (token.startsWith('--')) token = token.slice(2);
    else throw refusedSetting(where, `options "${tokens[i]}" is not a -c setting`);
    const name = token.split('=')[0]!.toLowerCase().replace(/-/g, '_');
    if (!token.includes('=') || !HARMLESS_SETTINGS.has(name))
      throw refusedSetting(where, `the session setting ${name || token} in options is refused`);
  }
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
