import { HTTP_API_PREFIX } from '../../shared/contract/index.ts';
import type { AppErrorShape } from '../../shared/errors.ts';
import { BRIDGE_KEY, Reply, TOKEN_HEADER, TOKEN_QUERY, type PreloadBridge } from '../../shared/transport.ts';

// One transport per platform, chosen once: the Electron preload bridge when it exists, else HTTP to the
// browser-mode server. Both speak the same Reply shape, so the client above does not care which.

const TOKEN_STORAGE = 'chat-inspector.token';

export function getBridge(): PreloadBridge | null {
  const candidate = (window as unknown as Record<string, unknown>)[BRIDGE_KEY];
  return candidate && typeof candidate === 'object' ? (candidate as PreloadBridge) : null;
}

export function isDesktop(): boolean {
  return getBridge() !== null;
}

let token: string | null | undefined;

/** The per-run token: from `?token=` in the address (kept for this tab), the server's cookie covers reloads. */
export function currentToken(): string | null {
  if (token !== undefined) return token;
  let found = new URLSearchParams(window.location.search).get(TOKEN_QUERY);
  try {
    if (found) window.sessionStorage.setItem(TOKEN_STORAGE, found);
    else found = window.sessionStorage.getItem(TOKEN_STORAGE);
  } catch {
    // storage disabled: the cookie still carries the token
  }
  token = found;
  return token;
}

function failure(code: AppErrorShape['code'], message: string): Reply {
  return { ok: false, error: { code, message } };
}

async function overHttp(operation: string, input: unknown): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const t = currentToken();
  if (t) headers[TOKEN_HEADER] = t;
  let response: Response;
  try {
    response = await fetch(`${HTTP_API_PREFIX}${encodeURIComponent(operation)}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(input ?? {}),
      credentials: 'same-origin',
    });
  } catch {
    return failure('internal', 'The Chat Inspector server cannot be reached. Is it still running?');
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    if (response.status === 401 || response.status === 403) {
      return failure(
        'unauthorized',
        'This page is not authorised: open the address printed by "chat-inspector serve".',
      );
    }
    return failure('internal', `The server answered ${response.status} without a readable reply.`);
  }
  const parsed = Reply.safeParse(body);
  return parsed.success
    ? parsed.data
    : failure('internal', `The server answered ${response.status} with an unexpected reply.`);
}

/** Sends one operation and returns the raw Reply (never throws). */
export async function send(operation: string, input: unknown): Promise<Reply> {
  const bridge = getBridge();
  if (!bridge) return overHttp(operation, input);
  try {
    const parsed = Reply.safeParse(await bridge.invoke(operation, input));
    return parsed.success ? parsed.data : failure('internal', 'The app answered with an unexpected reply.');
  } catch (error) {
    return failure('internal', error instanceof Error ? error.message : String(error));
  }
}
