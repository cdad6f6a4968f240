// The Electron main process: a thin shell around main/ (the only folder that imports 'electron').
// It opens one locked-down window on app://chat-inspector/, and answers the preload's IPC with the same
// invoke() that browser mode and the tests use.
import { app, dialog, safeStorage, session, type BrowserWindow } from './electron.ts';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext } from '../api/create-context.ts';
import type { HandlerContext } from '../api/context.ts';
import { ensureDemoRoot, keychainFrom, registerSourceUrl } from '../api/host.ts';
import { keepYoungGenerationSmall } from '../config/memory.ts';
import { defaultUserDataDir } from '../config/paths.ts';
import { defaultStaticDir } from '../server/static.ts';
import { registerIpc } from './ipc.ts';
import { installAppMenu, sendMenuCommand } from './menu.ts';
import { rootArgument, sourceArguments } from './origin.ts';
import { registerAppScheme, serveAppProtocol } from './protocol.ts';
import { indexPage, warmIndexPage } from '../server/boot.ts';
import { createMainWindow, lockDownSession, lockDownWebContents } from './window.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PRELOAD = join(here, 'preload.cjs');

keepYoungGenerationSmall();

// One folder for the app, the CLI and browser mode (recent list, demo root); CHAT_INSPECTOR_HOME overrides it.
app.setPath('userData', defaultUserDataDir());
registerAppScheme();
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;
let context: HandlerContext | null = null;

/** Adds a root from the command line (first or second start) to the allow-list; a bad one is reported. */
function openArgument(argv: readonly string[], cwd: string): boolean {
  const arg = rootArgument(argv, app.isPackaged);
  if (!arg || !context) return false;
  const path = resolve(cwd, arg);
  if (!existsSync(path)) {
    dialog.showErrorBox('Chat Inspector', `${arg}: no such file or folder`);
    return false;
  }
  context.places.add(path, 'cli');
  return true;
}

async function start(): Promise<void> {
  const userDataDir = app.getPath('userData');
  // Saved connections keep their passwords sealed by the OS keychain (main/sources/saved.ts).
  const ctx = createContext({
    userDataDir,
    canPickWithDialog: true,
    keychain: keychainFrom(safeStorage),
  });
  context = ctx;
  lockDownSession(session.defaultSession);
  const staticDir = defaultStaticDir();
  serveAppProtocol(session.defaultSession, staticDir, (html, prefs) =>
    indexPage(html, ctx, { staticDir, prefs, target: 'desktop' }),
  );
  // The demo is always offered; it is also where the app starts when no root was given.
  ctx.places.add(await ensureDemoRoot(userDataDir), 'demo');
  openArgument(process.argv, process.cwd());
  // Server URLs from the command line are listed on the Sources screen (connected when opened there).
  for (const url of sourceArguments(process.argv)) {
    try {
      registerSourceUrl(url);
    } catch (error) {
      dialog.showErrorBox('Chat Inspector', error instanceof Error ? error.message : String(error));
    }
  }
  const window = () => mainWindow;
  const rebuildMenu = () => installAppMenu(ctx, window);
  registerIpc({ context: ctx, window, onPlacesChanged: rebuildMenu });
  rebuildMenu();
  // The window's first page then comes with its first screen at once (see warmIndexPage).
  await warmIndexPage(ctx, staticDir);
  mainWindow = createMainWindow(PRELOAD);
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, cwd) => {
    if (openArgument(argv, cwd) && context) {
      installAppMenu(context, () => mainWindow);
      sendMenuCommand(mainWindow, 'places-changed');
    }
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents));
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    context?.jobs.cancelAll();
    void context?.pool.close();
  });
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      dialog.showErrorBox(
        'Chat Inspector could not start',
        error instanceof Error ? error.message : String(error),
      );
      app.exit(1);
    });
}
