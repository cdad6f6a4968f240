import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRoot } from '../main/fixtures/index.ts';
import { findElectron, hasDisplay } from '../scripts/electron-binary.ts';
import { PROJECT_ROOT } from './support/server.ts';

// The desktop shell, where an Electron binary exists (it cannot be downloaded everywhere): the window is
// locked down as the Electron security checklist asks, and the preload exposes exactly the bridge.

const lookup = findElectron();
const skipReason = !lookup.ok
  ? `Electron binary not available on this machine: ${lookup.reason}`
  : !hasDisplay()
    ? 'Electron binary not available on this machine: no display to open a window on (run under xvfb-run)'
    : '';
test.skip(skipReason !== '', skipReason);
// The list reporter shows skipped tests without their reason: say it once, plainly.
if (skipReason && !process.env.TEST_WORKER_INDEX) console.log(`electron.spec.ts skipped: ${skipReason}`);

let dir: string;
let root: string;
let app: ElectronApplication;
let win: Page;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ci-electron-'));
  root = generateRoot(join(dir, 'root'), {
    chats: 8,
    broken: ['zero_byte'],
    strays: false,
    seed: 5,
    now: new Date(),
  }).root;
  const env: Record<string, string | undefined> = { ...process.env, CHAT_INSPECTOR_HOME: join(dir, 'home') };
  delete env.ELECTRON_RUN_AS_NODE;
  app = await electron.launch({
    executablePath: lookup.ok ? lookup.path : undefined,
    // Chromium refuses to run as root without --no-sandbox (CI containers); the renderer stays sandboxed.
    args: [
      join(PROJECT_ROOT, 'dist', 'electron-main.js'),
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      root,
    ],
    env: env as Record<string, string>,
    timeout: 60_000,
  });
  win = await app.firstWindow();
  await win.waitForLoadState('domcontentloaded');
});

test.afterAll(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('loads the UI from app://, isolated from Node', async () => {
  expect(win.url()).toMatch(/^app:\/\/chat-inspector\//);
  const csp = await win.evaluate(async () => (await fetch('/')).headers.get('content-security-policy'));
  expect(csp).toContain("script-src 'self'");
  expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe(
    'undefined',
  );
  expect(await win.evaluate(() => typeof (window as unknown as { process?: unknown }).process)).toBe(
    'undefined',
  );
  expect(await win.evaluate(() => typeof (window as unknown as { module?: unknown }).module)).toBe(
    'undefined',
  );
  // The preload ran sandboxed and isolated: its Electron modules are not reachable from the page.
  expect(
    await win.evaluate(() => Object.getOwnPropertyNames(window).filter((k) => /ipc|electron/i.test(k))),
  ).toEqual([]);
});

test('the preload exposes exactly the bridge, and it answers through IPC', async () => {
  const keys = await win.evaluate(() =>
    Object.keys((window as unknown as { chatInspector: object }).chatInspector).sort(),
  );
  expect(keys).toEqual(['invoke', 'onMenuCommand', 'openDropped', 'pickPlace', 'watchJob']);
  const reply = await win.evaluate(() =>
    (
      window as unknown as { chatInspector: { invoke(op: string, input: unknown): Promise<unknown> } }
    ).chatInspector.invoke('places.list', {}),
  );
  expect(reply).toMatchObject({
    ok: true,
    value: { current: { path: root, source: 'cli' }, canPickWithDialog: true },
  });
  const forbidden = await win.evaluate(() =>
    (
      window as unknown as { chatInspector: { invoke(op: string, input: unknown): Promise<unknown> } }
    ).chatInspector.invoke('chat.detail', {
      root: '/',
      chatId: '1',
    }),
  );
  expect(forbidden).toMatchObject({ ok: false, error: { code: 'forbidden_path' } });
});

test('new windows and navigation away are refused', async () => {
  const opened = await win.evaluate(() => window.open('https://example.com/') === null);
  expect(opened).toBe(true);
  await win.evaluate(() => {
    window.location.href = 'https://example.com/';
  });
  await win.waitForTimeout(300);
  expect(win.url()).toMatch(/^app:\/\/chat-inspector\//);
  expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
});
