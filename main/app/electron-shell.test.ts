import { createContext } from '../api/create-context.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_INVOKE_CHANNEL } from '../../shared/contract/index.ts';
import {
  BOOT_DATA_ID,
  IPC_DROP_CHANNEL,
  IPC_PICK_CHANNEL,
  LANGUAGE_COOKIE,
  THEME_COOKIE,
  type Reply,
} from '../../shared/transport.ts';
import type { HandlerContext } from '../api/context.ts';
import { withBootAnswers } from '../server/boot.ts';
import { CONTENT_SECURITY_POLICY } from '../server/headers.ts';
import { WorkerPool } from '../workers/pool.ts';

// The Electron shell's code run against a stand-in 'electron' module (the binary is not needed): the
// window options, the navigation/permission/request rules, the app:// protocol and the IPC sender checks.

type Handler = (...args: never[]) => unknown;
const fake = vi.hoisted(() => ({
  windows: [] as { options: Record<string, unknown>; url: string | null }[],
  ipc: new Map<string, (...args: unknown[]) => Promise<Reply>>(),
  dialog: { canceled: false, filePaths: [] as string[] },
}));

vi.mock('electron', () => {
  class BrowserWindow {
    options: Record<string, unknown>;
    url: string | null = null;
    constructor(options: Record<string, unknown>) {
      this.options = options;
      fake.windows.push(this);
    }
    once(): void {}
    show(): void {}
    loadURL(url: string): Promise<void> {
      this.url = url;
      return Promise.resolve();
    }
  }
  return {
    app: { isPackaged: true },
    BrowserWindow,
    nativeTheme: { shouldUseDarkColors: false },
    session: { defaultSession: {} },
    ipcMain: {
      handle: (channel: string, fn: (...args: unknown[]) => Promise<Reply>) => fake.ipc.set(channel, fn),
    },
    dialog: { showOpenDialog: async () => fake.dialog },
    protocol: { registerSchemesAsPrivileged: () => {} },
  };
});

const { createMainWindow, lockDownSession, lockDownWebContents } = await import('./window.ts');
const { serveAppProtocol } = await import('./protocol.ts');
const { registerIpc } = await import('./ipc.ts');

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-electron-shell-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('window', () => {
  it('opens app://chat-inspector/ with the safe web preferences', () => {
    createMainWindow('/app/dist/preload.cjs');
    const window = fake.windows.at(-1)!;
    expect(window.url).toBe('app://chat-inspector/');
    expect(window.options.show).toBe(false);
    expect(window.options.webPreferences).toEqual({
      preload: '/app/dist/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: false,
    });
  });

  it('blocks navigation away, new windows and webviews', () => {
    const handlers = new Map<string, Handler>();
    let openHandler: (() => unknown) | null = null;
    const contents = {
      on: (name: string, fn: Handler) => handlers.set(name, fn),
      setWindowOpenHandler: (fn: () => unknown) => (openHandler = fn),
    };
    lockDownWebContents(contents as never);
    const navigate = (url: string): boolean => {
      const event = { preventDefault: vi.fn() };
      (handlers.get('will-navigate') as (e: unknown, url: string) => void)(event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('app://evil/')).toBe(true);
    expect(navigate('app://chat-inspector/index.html')).toBe(false);
    const redirect = { preventDefault: vi.fn() };
    (handlers.get('will-redirect') as (e: unknown, url: string) => void)(redirect, 'http://127.0.0.1:9/');
    expect(redirect.preventDefault).toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    (handlers.get('will-attach-webview') as (e: unknown) => void)(webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    expect(openHandler!()).toEqual({ action: 'deny' });
  });

  it('grants no permission and cancels every network or file request', () => {
    let onRequest: ((details: { url: string }, cb: (r: { cancel: boolean }) => void) => void) | null = null;
    let requestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | null =
      null;
    let checkHandler: (() => boolean) | null = null;
    let deviceHandler: (() => boolean) | null = null;
    lockDownSession({
      setPermissionRequestHandler: (fn: typeof requestHandler) => (requestHandler = fn),
      setPermissionCheckHandler: (fn: typeof checkHandler) => (checkHandler = fn),
      setDevicePermissionHandler: (fn: typeof deviceHandler) => (deviceHandler = fn),
      webRequest: { onBeforeRequest: (fn: typeof onRequest) => (onRequest = fn) },
    } as never);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const cb = vi.fn();
      requestHandler!(null, permission, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect(checkHandler!()).toBe(false);
    expect(deviceHandler!()).toBe(false);
    const cancelled = (url: string): boolean => {
      let result = false;
      onRequest!({ url }, (r) => (result = r.cancel));
      return result;
    };
    expect(cancelled('https://example.com/tracker.js')).toBe(true);
    expect(cancelled('http://127.0.0.1:8080/api')).toBe(true);
    expect(cancelled('file:///home/me/.ssh/id_rsa')).toBe(true);
    expect(cancelled('app://chat-inspector/assets/index.js')).toBe(false);
    expect(cancelled('data:image/png;base64,AAAA')).toBe(false);
  });
});

describe('app:// protocol', () => {
  it('serves the built UI with the CSP and nothing outside it', async () => {
    const ui = join(base, 'ui');
    mkdirSync(join(ui, 'assets'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Chat Inspector</title>');
    writeFileSync(join(ui, 'assets', 'app.js'), 'export {};');
    writeFileSync(join(base, 'secret.txt'), 'secret');
    let handler: ((request: Request) => Promise<Response>) | null = null;
    serveAppProtocol(
      { protocol: { handle: (_scheme: string, fn: typeof handler) => (handler = fn) } } as never,
      ui,
    );
    const get = (url: string, method = 'GET') => handler!(new Request(url, { method }));

    const page = await get('app://chat-inspector/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Chat Inspector</title>');
    expect((await get('app://chat-inspector/assets/app.js')).headers.get('content-type')).toBe(
      'text/javascript; charset=utf-8',
    );
    for (const url of [
      'app://chat-inspector/../secret.txt',
      'app://chat-inspector/%2e%2e/secret.txt',
      'app://chat-inspector/%2e%2e%2fsecret.txt',
      'app://chat-inspector/assets/..%2f..%2fsecret.txt',
    ]) {
      const res = await get(url);
      expect(await res.text(), url).not.toBe('secret');
    }
    expect((await get('app://other-host/')).status).toBe(404);
    expect((await get('app://chat-inspector/assets/missing.js')).status).toBe(404);
    expect((await get('app://chat-inspector/', 'POST')).status).toBe(405);
  });
});

describe('app:// protocol, first answers', () => {
  it('sends index.html with the answers the page asks for first, and the scripts as they are', async () => {
    const ui = join(base, 'ui-boot');
    mkdirSync(join(ui, 'assets'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html><head><title>Chat Inspector</title></head>');
    writeFileSync(join(ui, 'assets', 'app.js'), 'export {};');
    let asked = 0;
    let handler: ((request: Request) => Promise<Response>) | null = null;
    serveAppProtocol(
      { protocol: { handle: (_scheme: string, fn: typeof handler) => (handler = fn) } } as never,
      ui,
      async (html, prefs) => {
        asked++;
        languages.push(`${prefs.language} ${prefs.theme}`);
        return withBootAnswers(html, [
          { operation: 'places.list', input: {}, value: { current: null, places: [] } },
        ]);
      },
    );
    const languages: string[] = [];
    const page = await handler!(
      new Request('app://chat-inspector/', { headers: { 'accept-language': 'pt-BR,pt;q=0.9' } }),
    );
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const html = await page.text();
    expect(html).toContain(`<script type="application/json" id="${BOOT_DATA_ID}">`);
    expect(html).toContain('"operation":"places.list"');
    expect(await (await handler!(new Request('app://chat-inspector/assets/app.js'))).text()).toBe(
      'export {};',
    );
    expect(asked).toBe(1);
    // The first screen is rendered in the person's language and theme: the cookies' over the system's.
    await handler!(
      new Request('app://chat-inspector/', {
        headers: { 'accept-language': 'pt-BR', cookie: `a=b; ${LANGUAGE_COOKIE}=en; ${THEME_COOKIE}=dark` },
      }),
    );
    expect(languages).toEqual(['pt-BR null', 'en dark']);
  });
});

describe('IPC', () => {
  const mainFrame = { url: 'app://chat-inspector/#/chats' };
  const webContents = { mainFrame };
  const window = { webContents, isDestroyed: () => false };
  let context: HandlerContext;
  let changed = 0;
  const trusted = { sender: webContents, senderFrame: mainFrame };
  const call = (channel: string, event: unknown, ...args: unknown[]) =>
    fake.ipc.get(channel)!(event, ...args);

  beforeAll(() => {
    // As main.ts builds it for the desktop app.
    context = createContext({
      userDataDir: join(base, 'home'),
      canPickWithDialog: true,
      pool: new WorkerPool(0),
    });
    registerIpc({ context, window: () => window as never, onPlacesChanged: () => changed++ });
  });

  it('answers the app window: places.list says the desktop app can pick with a dialog', async () => {
    const reply = await call(IPC_INVOKE_CHANNEL, trusted, 'places.list', {});
    expect(reply).toEqual({ ok: true, value: { current: null, places: [], canPickWithDialog: true } });
  });

  it('refuses senders that are not the main frame of our window on our origin', async () => {
    const untrusted = [
      { sender: webContents, senderFrame: { url: 'https://evil.example/' } },
      { sender: webContents, senderFrame: { url: 'app://chat-inspector/' } }, // a subframe, not the main frame
      { sender: { mainFrame }, senderFrame: mainFrame }, // another web contents
      { sender: webContents, senderFrame: null },
    ];
    for (const event of untrusted) {
      for (const [channel, arg] of [
        [IPC_INVOKE_CHANNEL, 'places.list'],
        [IPC_PICK_CHANNEL, 'root'],
        [IPC_DROP_CHANNEL, base],
      ] as const) {
        const reply = await call(channel, event, arg, {});
        expect(reply, channel).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      }
    }
    expect(context.places.list()).toEqual([]);
  });

  it('turns errors into replies: bad names, invalid input, paths outside the allow-list', async () => {
    expect(await call(IPC_INVOKE_CHANNEL, trusted, 42, {})).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(await call(IPC_INVOKE_CHANNEL, trusted, 'nope', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_operation' },
    });
    expect(await call(IPC_INVOKE_CHANNEL, trusted, 'chat.detail', { root: base, chatId: 'x' })).toMatchObject(
      {
        ok: false,
        error: { code: 'invalid_input' },
      },
    );
    expect(await call(IPC_INVOKE_CHANNEL, trusted, 'chat.detail', { root: base, chatId: '1' })).toMatchObject(
      {
        ok: false,
        error: { code: 'forbidden_path' },
      },
    );
  });

  it('adds what the dialog picked (source dialog), and nothing when it is cancelled', async () => {
    const root = join(base, 'picked');
    mkdirSync(root);
    fake.dialog = { canceled: false, filePaths: [root] };
    const before = changed;
    expect(await call(IPC_PICK_CHANNEL, trusted, 'root')).toMatchObject({
      ok: true,
      value: { path: root, kind: 'root', source: 'dialog' },
    });
    expect(changed).toBe(before + 1);
    fake.dialog = { canceled: true, filePaths: [] };
    expect(await call(IPC_PICK_CHANNEL, trusted, 'file')).toEqual({ ok: true, value: null });
    expect(await call(IPC_PICK_CHANNEL, trusted, '/etc')).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });

  it('adds a dropped folder (source drop) and refuses a dropped non-database', async () => {
    const dropped = join(base, 'dropped');
    mkdirSync(dropped);
    writeFileSync(
      join(base, 'notes.txt'),
      'not a database, just some text that is long enough to have a header',
    );
    expect(await call(IPC_DROP_CHANNEL, trusted, dropped)).toMatchObject({
      ok: true,
      value: { path: dropped, source: 'drop' },
    });
    expect(await call(IPC_DROP_CHANNEL, trusted, join(base, 'notes.txt'))).toMatchObject({
      ok: false,
      error: { code: 'not_sqlite' },
    });
    expect(await call(IPC_DROP_CHANNEL, trusted, 'relative/path')).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    const list = (await call(IPC_INVOKE_CHANNEL, trusted, 'places.list', {})) as {
      ok: true;
      value: { places: { path: string }[] };
    };
    expect(list.value.places.map((p) => p.path).sort()).toEqual([dropped, join(base, 'picked')].sort());
  });
});
