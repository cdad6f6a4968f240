import { protocol, type Session } from './electron.ts';
import { readFile } from 'node:fs/promises';
import { SECURITY_HEADERS } from '../server/headers.ts';
import { lookupStatic } from '../server/static.ts';
import { paintPrefs, type PaintPrefs } from '../../shared/transport.ts';
import { basename } from 'node:path';
import { APP_HOST, APP_SCHEME } from './origin.ts';

/**
 * Must run before the app is ready: app:// behaves like https (standard, secure origin, fetch, CORS for
 * module scripts), so the UI gets a real origin without file:// and its extra privileges.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
    },
  ]);
}

function respond(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS },
  });
}

/**
 * Serves dist/renderer on app://chat-inspector/ with the same path checks and CSP as browser mode;
 * index.html carries the answers the page asks for first, as in browser mode (main/server/boot.ts).
 */
export function serveAppProtocol(
  session: Session,
  staticDir: string,
  renderPage: (html: string, prefs: PaintPrefs) => Promise<string> = async (html) => html,
): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return respond(404, 'not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'only GET here');
    const found = lookupStatic(staticDir, url.pathname);
    if (found.kind === 'forbidden') return respond(403, 'forbidden');
    if (found.kind === 'missing') return respond(404, 'not found');
    const page = basename(found.path) === 'index.html';
    const body =
      request.method === 'HEAD'
        ? null
        : page
          ? await renderPage(
              await readFile(found.path, 'utf8'),
              paintPrefs(request.headers.get('cookie'), request.headers.get('accept-language')),
            )
          : new Uint8Array(await readFile(found.path));
    return new Response(body, {
      status: 200,
      headers: { 'Content-Type': found.contentType, 'Cache-Control': 'no-cache', ...SECURITY_HEADERS },
    });
  });
}
