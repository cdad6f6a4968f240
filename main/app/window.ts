import { app, BrowserWindow, nativeTheme, session, type Session, type WebContents } from './electron.ts';
import { APP_START_URL, isAppUrl, isOutsideUrl } from './origin.ts';

/** The one window: every web-facing switch set the safe way (Electron security checklist). */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1320,
    height: 860,
    minWidth: 860,
    minHeight: 560,
    show: false,
    title: 'Chat Inspector',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171a' : '#ffffff',
    // Written out here (not spread from elsewhere) so static checkers such as Electronegativity see them.
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      // Middle-click must not open anything either.
      disableBlinkFeatures: 'Auxclick',
      // A dropped file is handed to the preload; it must never navigate the window to file://.
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_START_URL);
  return window;
}

/**
 * Rules for every web contents the app ever creates: no navigation away, no new windows, no webviews.
 * (shell.openExternal is never called anywhere: no content can make the app open something outside it.)
 */
export function lockDownWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** The session: no permission is ever granted, and nothing but the app's own origin is fetched. */
export function lockDownSession(target: Session = session.defaultSession): void {
  target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  target.setPermissionCheckHandler(() => false);
  target.setDevicePermissionHandler(() => false);
  target.webRequest.onBeforeRequest((details, callback) => callback({ cancel: isOutsideUrl(details.url) }));
}
