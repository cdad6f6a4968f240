import { createHash } from 'node:crypto';
import type { ErrorCode } from '../../shared/errors.ts';

/**
 * The one inline script of the UI, allowed by its hash: it runs before the first screen painted into
 * index.html (main/server/boot.ts) is shown. That screen is the chat list; at the address of any other
 * screen (a reload, a link) it stays hidden until the app has rendered the right one.
 */
export const FIRST_SCREEN_GUARD =
  "if(!/^(#\\/?(chats)?(\\?.*)?)?$/.test(location.hash))document.documentElement.setAttribute('data-elsewhere','')";
const FIRST_SCREEN_GUARD_HASH = createHash('sha256').update(FIRST_SCREEN_GUARD).digest('base64');

/**
 * The one Content-Security-Policy of the UI, sent by browser mode and by the Electron app:// protocol.
 * No remote script and no inline script but the guard above (by its hash), no eval, no plugins, no
 * framing; the UI talks only to its own origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'sha256-${FIRST_SCREEN_GUARD_HASH}'`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Powerful features the UI never uses, switched off for it and anything it could load. */
export const PERMISSIONS_POLICY_FEATURES = [
  'camera',
  'microphone',
  'geolocation',
  'usb',
  'serial',
  'hid',
] as const;

/** Headers every response of the UI carries (HTML, assets, API replies, errors). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Only features Chromium (browser mode and Electron) knows: an unknown name ('bluetooth') makes it log
  // "Unrecognized feature" on every load. PERMISSIONS_POLICY_FEATURES is checked against Chromium by e2e.
  'Permissions-Policy': PERMISSIONS_POLICY_FEATURES.map((f) => `${f}=()`).join(', '),
};

/** The HTTP status of an error reply; every error code must have one (a new code is a compile error here). */
export const STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden_path: 403,
  not_found: 404,
  unknown_operation: 404,
  conflict: 409,
  cancelled: 409,
  timeout: 504,
  locked: 423,
  not_sqlite: 422,
  empty_file: 422,
  not_a_file: 422,
  truncated: 422,
  corrupt: 422,
  malformed_json: 422,
  hostile_archive: 422,
  internal: 500,
  unreachable: 502,
  permission_denied: 403,
  connection_lost: 502,
  read_only: 403,
  access_log_unwritable: 503,
};

/**
 * Codes that say what the data in the root is (a file missing, not SQLite, cut short, damaged, locked):
 * the operation ran and that is its answer, one the UI expects and shows ("could not be read"). Such a
 * reply is sent with 200 and `ok: false`; an HTTP error status would make the browser log a red
 * "Failed to load resource" for every damaged chat a person opens. The request's own failures (bad
 * input, no token, unknown operation, a bug) keep their error status.
 */
const DATA_STATE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'not_found',
  'not_sqlite',
  'empty_file',
  'not_a_file',
  'truncated',
  'corrupt',
  'malformed_json',
  'locked',
]);

/** The HTTP status of an operation's error reply (`POST /api/<operation>`). */
export function operationStatus(code: ErrorCode): number {
  return DATA_STATE_CODES.has(code) ? 200 : STATUS_OF[code];
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

/** Content type by file extension (lower case, with the dot); unknown files are plain bytes. */
export function contentTypeOf(extension: string): string {
  return CONTENT_TYPES[extension.toLowerCase()] ?? 'application/octet-stream';
}
