// The one module of the project that imports Electron. The rest of the shell (main/app/) imports from
// here, and everything outside main/app/ runs under plain Node without it.
export {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeTheme,
  protocol,
  safeStorage,
  session,
} from 'electron';
export type { IpcMainInvokeEvent, MenuItemConstructorOptions, Session, WebContents } from 'electron';
