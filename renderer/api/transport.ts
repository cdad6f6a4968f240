import { HTTP_API_PREFIX, JOB_EVENTS_PREFIX } from '../../shared/contract/index.ts';
import { AppError, type AppErrorShape } from '../../shared/errors.ts';
import { BRIDGE_KEY, Reply, TOKEN_HEADER, TOKEN_QUERY, type PreloadBridge } from '../../shared/transport.ts';

// One transport per platform, chosen once: the Electron preload bridge when it exists, else HTTP to the
// browser-mode server. Both speak the same Reply shape, so the client above does not care which.

const TOKEN_STORAGE = 'chat-inspector.token';

/** Set while the page is rendered ahead of time (renderer/paint.tsx), where there is no window. */
let paintingFor: 'desktop' | 'browser' | null = null;
export function setPaintTarget(target: 'desktop' | 'browser' | null): void {
  paintingFor = target;
}

export function getBridge(): PreloadBridge | null {
  if (typeof window === 'undefined') return null;
  const candidate = (window as unknown as Record<string, unknown>)[BRIDGE_KEY];
  return candidate && typeof candidate === 'object' ? (candidate as PreloadBridge) : null;
}

export function isDesktop(): boolean {
  if (paintingFor !== null) return paintingFor === 'desktop';
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

/**
 * Receives a job's pushed updates (raw JobUpdate values, parsed by the caller): IPC events from main in
 * the desktop app, server-sent events in browser mode. `onClosed` is called once when the channel ends:
 * with null after it closed (normally right after the last update), with an error when it could not be
 * opened. Returns the stop function.
 */
export function watchJob(
  jobId: string,
  cursor: number,
  onUpdate: (update: unknown) => void,
  onClosed: (error: AppError | null) => void,
): () => void {
  let closed = false;
  const close = (error: AppError | null): void => {
    if (closed) return;
    closed = true;
    onClosed(error);
  };
  const bridge = getBridge();
  if (bridge) {
    const watch = bridge.watchJob(jobId, cursor, (update) => {
      if (closed) return;
      onUpdate(update);
      const state = (update as { state?: unknown } | null)?.state;
      if (state !== 'running') close(null);
    });
    watch.ready.then(
      (reply) => {
        const parsed = Reply.safeParse(reply);
        if (!parsed.success) close(new AppError('internal', 'The app answered with an unexpected reply.'));
        else if (!parsed.data.ok) close(AppError.from(parsed.data.error));
      },
      (error: unknown) =>
        close(new AppError('internal', error instanceof Error ? error.message : String(error))),
    );
    return () => {
      closed = true;
      watch.stop();
    };
  }
  const controller = new AbortController();
  void overSse(jobId, cursor, controller.signal, (update) => {
    if (!closed) onUpdate(update);
  }).then(close, (error: unknown) => {
    if (controller.signal.aborted) return close(null);
    close(new AppError('internal', error instanceof Error ? error.message : String(error)));
  });
  return () => {
    closed = true;
    controller.abort();
  };
}

/** Reads `GET /events/jobs/<id>` (server-sent events, `data: <JSON>` per update) until it ends. */
async function overSse(
  jobId: string,
  cursor: number,
  signal: AbortSignal,
  onUpdate: (update: unknown) => void,
): Promise<AppError | null> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  const t = currentToken();
  if (t) headers[TOKEN_HEADER] = t;
  let response: Response;
  try {
    response = await fetch(`${JOB_EVENTS_PREFIX}${encodeURIComponent(jobId)}?cursor=${cursor}`, {
      headers,
      credentials: 'same-origin',
      signal,
    });
  } catch {
    if (signal.aborted) return null;
    return new AppError('internal', 'The Chat Inspector server cannot be reached. Is it still running?');
  }
  if (!response.ok || !response.body) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // reported below
    }
    const parsed = Reply.safeParse(body);
    if (parsed.success && !parsed.data.ok) return AppError.from(parsed.data.error);
    return new AppError('internal', `The server answered ${response.status} to a job's updates.`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = message
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data) onUpdate(JSON.parse(data));
    }
  }
  return null;
}
