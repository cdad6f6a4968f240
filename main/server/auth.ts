import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_COOKIE, TOKEN_HEADER, TOKEN_QUERY } from '../../shared/transport.ts';

/** A fresh random token for one run of the server (32 bytes, URL-safe). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
export function sameToken(candidate: string | undefined | null, token: string): boolean {
  if (typeof candidate !== 'string') return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Cookies are not isolated by port, so two servers on the same machine would overwrite each other's
 * cookie: the name carries the port.
 */
export function cookieName(port: number): string {
  return `${TOKEN_COOKIE}_${port}`;
}

export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The token a request carries in the header or in the cookie (never read from the query here). */
export function requestToken(req: IncomingMessage, port: number): string | null {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string') return header;
  return readCookie(req, cookieName(port));
}

/**
 * The one token check of every route. The query's `?token=` counts only when a person opens a page (GET or
 * HEAD of the UI; the page then sets the cookie): the API, the job events and the upload take the header
 * or the cookie, so a token leaked in an address (history, a log, a Referer) opens no operation.
 * `fromQuery` says the page was opened with it (the cookie is then set).
 */
export function authorised(
  req: IncomingMessage,
  url: URL,
  route: 'page' | 'other',
  port: number,
  token: string,
): { ok: boolean; fromQuery: boolean } {
  const pageOpen = route === 'page' && (req.method === 'GET' || req.method === 'HEAD');
  const queryToken = pageOpen ? url.searchParams.get(TOKEN_QUERY) : null;
  if (queryToken !== null) return { ok: sameToken(queryToken, token), fromQuery: true };
  return { ok: sameToken(requestToken(req, port), token), fromQuery: false };
}

/**
 * Exactly one Host header: Node keeps the first of several, while a proxy or a browser in between may read
 * another, so a request with two is refused rather than judged by one of them.
 */
export function singleHost(req: IncomingMessage): boolean {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'host') count += 1;
  }
  return count === 1;
}

/**
 * DNS-rebinding defence: a page of evil.example that re-resolves its name to 127.0.0.1 still sends
 * `Host: evil.example`, so only our own host names are served. A cross-origin Origin is refused too,
 * and so is any request another site's page makes (Sec-Fetch-Site: cross-site) other than a navigation.
 */
export function allowedHost(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host?.toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return false;
  // A browser marks requests made by another site's page; only a person's own navigation may come from one.
  if (req.headers['sec-fetch-site'] === 'cross-site' && req.headers['sec-fetch-mode'] !== 'navigate')
    return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const lower = origin.toLowerCase();
  return lower === `http://127.0.0.1:${port}` || lower === `http://localhost:${port}`;
}
