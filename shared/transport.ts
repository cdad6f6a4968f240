import { z } from 'zod';
import { AppErrorShape } from './errors.ts';

/**
 * How a call crosses a process boundary, the same over Electron IPC and HTTP:
 * request = operation name + input; reply = `{ ok: true, value }` or `{ ok: false, error: {code, message} }`.
 * HTTP: `POST /api/<operation>` with the input as JSON body; every request carries the per-run token
 * (header `x-chat-inspector-token`, or the cookie set when the page was opened with `?token=`).
 */
export const Reply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: AppErrorShape }),
]);
export type Reply = z.infer<typeof Reply>;

export const TOKEN_HEADER = 'x-chat-inspector-token';
export const TOKEN_COOKIE = 'chat_inspector_token';
export const TOKEN_QUERY = 'token';

/** What the preload script exposes as `window.chatInspector` (and nothing else). */
export interface PreloadBridge {
  /** Calls one contract operation in the main process. */
  invoke(operation: string, input: unknown): Promise<Reply>;
  /** Opens the native dialog; the chosen path is added to the allow-list by main. Null when cancelled. */
  pickPlace(kind: 'root' | 'file'): Promise<Reply>;
  /** For a dropped File: asks main to allow and open its path (Electron gives the path only to the preload). */
  openDropped(file: File): Promise<Reply>;
  /** Menu commands (open, theme, language, next/previous chat) pushed from main. Returns an unsubscribe. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /**
   * Pushes a job's updates (JobUpdate of shared/contract/jobs.ts, events past `cursor` first) to
   * `listener` until its last one; `ready` says whether main accepted the watch.
   */
  watchJob(jobId: string, cursor: number, listener: (update: unknown) => void): JobWatch;
}

export interface JobWatch {
  ready: Promise<Reply>;
  /** Stops the updates (the job goes on; cancel it with jobs.cancel). */
  stop(): void;
}

export const BRIDGE_KEY = 'chatInspector';
export const IPC_PICK_CHANNEL = 'chat-inspector:pick';
export const IPC_DROP_CHANNEL = 'chat-inspector:drop';
export const IPC_MENU_CHANNEL = 'chat-inspector:menu';

/**
 * Commands the desktop menu pushes to the renderer on IPC_MENU_CHANNEL (the renderer decides what each means).
 * `places-changed`: the current place changed in main (recent item chosen, second start with a root).
 */
export const MENU_COMMANDS = [
  'open-folder',
  'open-database',
  'places-changed',
  'theme:light',
  'theme:dark',
  'theme:system',
  'language:en',
  'language:pt-BR',
  'chat:next',
  'chat:previous',
  'focus-search',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/**
 * index.html, as the app serves it, carries the answers the page asks for first (the open place, the chat
 * list's first page) in a JSON data block with this id: no round trip before the first rows. Each answer
 * is used once, for a call with the same operation and input, and checked like any reply.
 */
export const BOOT_DATA_ID = 'chat-inspector-boot';

export interface BootAnswer {
  operation: string;
  input: unknown;
  value: unknown;
}

/**
 * The UI language and theme the person last saw, also kept in these cookies: the app renders its first
 * screen ahead of the scripts (renderer/paint.tsx) and reads them from the page's request.
 */
export const LANGUAGE_COOKIE = 'chat-inspector-lang';
export const THEME_COOKIE = 'chat-inspector-theme';

export interface PaintPrefs {
  language: 'en' | 'pt-BR';
  theme: 'light' | 'dark' | null;
}

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === name) return value;
  }
  return undefined;
}

/** The first screen's language (the cookie's, else Accept-Language's, as the UI picks) and theme. */
export function paintPrefs(cookieHeader: string | null, acceptLanguage: string | null): PaintPrefs {
  const chosen = cookieValue(cookieHeader, LANGUAGE_COOKIE);
  const language =
    chosen === 'en' || chosen === 'pt-BR'
      ? chosen
      : (acceptLanguage ?? '').trim().toLowerCase().startsWith('pt')
        ? 'pt-BR'
        : 'en';
  const theme = cookieValue(cookieHeader, THEME_COOKIE);
  return { language, theme: theme === 'light' || theme === 'dark' ? theme : null };
}

/** The same JSON whatever the order of object keys: how a call's input is matched with a boot answer. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
