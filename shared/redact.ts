import { AppError, errorMessage } from './errors.ts';

// What may be printed of a locator (a path, or a URL that may carry credentials) and of an error quoting
// one: decided here, for every kind and every transport (a server kind's own parser builds on this).

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

/** The error as it may leave main: an AppError with every secret of its message masked (others: internal). */
export function redactError(error: unknown): AppError {
  if (error instanceof AppError) {
    const message = redactSecrets(error.message);
    return message === error.message ? error : new AppError(error.code, message);
  }
  return new AppError('internal', redactSecrets(errorMessage(error)));
}
