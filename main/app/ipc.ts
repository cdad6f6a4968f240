import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from './electron.ts';
import { IPC_INVOKE_CHANNEL } from '../../shared/contract/index.ts';
import { AppError, asAppError } from '../../shared/errors.ts';
import { IPC_DROP_CHANNEL, IPC_PICK_CHANNEL, type Reply } from '../../shared/transport.ts';
import type { HandlerContext } from '../api/context.ts';
import { invokeFromWindow } from '../api/dispatch.ts';
import { registerJobPush } from '../jobs/push.ts';
import { checkDroppedPath } from './drop.ts';
import { isAppUrl } from './origin.ts';

export interface IpcOptions {
  context: HandlerContext;
  /** The main window (null while none is open). */
  window: () => BrowserWindow | null;
  /** Called after the allow-list changed (pick, drop): the menu's recent list is rebuilt. */
  onPlacesChanged: () => void;
}

const SQLITE_FILTERS = [
  { name: 'SQLite databases', extensions: ['db', 'sqlite', 'sqlite3', 'db3'] },
  { name: 'All files', extensions: ['*'] },
];

function failure(error: unknown): Reply {
  return { ok: false, error: asAppError(error).toShape() };
}

/**
 * Every IPC message is checked before anything runs: it must come from the main frame of our own window,
 * showing our own app:// origin (not a frame, not a page it was somehow navigated to).
 */
function trustedSender(event: IpcMainInvokeEvent, window: BrowserWindow | null): boolean {
  const frame = event.senderFrame;
  if (!window || window.isDestroyed() || !frame) return false;
  return event.sender === window.webContents && frame === window.webContents.mainFrame && isAppUrl(frame.url);
}

const UNTRUSTED: Reply = {
  ok: false,
  error: { code: 'unauthorized', message: 'this request did not come from the Chat Inspector window' },
};

export function registerIpc({ context, window, onPlacesChanged }: IpcOptions): void {
  // Long jobs push their updates to the window (after the same sender check).
  registerJobPush(ipcMain, { jobs: context.jobs, trusted: (event) => trustedSender(event, window()) });

  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, name: unknown, input: unknown): Promise<Reply> => {
    if (!trustedSender(event, window())) return UNTRUSTED;
    if (typeof name !== 'string')
      return failure(new AppError('invalid_input', 'the operation name must be a string'));
    try {
      return { ok: true, value: await invokeFromWindow(name, input, context) };
    } catch (error) {
      return failure(error);
    }
  });

  ipcMain.handle(IPC_PICK_CHANNEL, async (event, kind: unknown): Promise<Reply> => {
    const owner = window();
    if (!owner || !trustedSender(event, owner)) return UNTRUSTED;
    if (kind !== 'root' && kind !== 'file')
      return failure(new AppError('invalid_input', 'pick a "root" or a "file"'));
    try {
      const result = await dialog.showOpenDialog(
        owner,
        kind === 'root'
          ? { title: 'Open a data folder', properties: ['openDirectory'] }
          : { title: 'Open a database', properties: ['openFile'], filters: SQLITE_FILTERS },
      );
      const chosen = result.filePaths[0];
      if (result.canceled || chosen === undefined) return { ok: true, value: null };
      const place = context.places.add(chosen, 'dialog');
      onPlacesChanged();
      return { ok: true, value: place };
    } catch (error) {
      return failure(error);
    }
  });

  ipcMain.handle(IPC_DROP_CHANNEL, async (event, path: unknown): Promise<Reply> => {
    if (!trustedSender(event, window())) return UNTRUSTED;
    try {
      const place = context.places.add(checkDroppedPath(path), 'drop');
      onPlacesChanged();
      return { ok: true, value: place };
    } catch (error) {
      return failure(error);
    }
  });
}
