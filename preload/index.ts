// The sandboxed preload: exposes exactly the PreloadBridge of shared/transport.ts as window.chatInspector.
// No raw ipcRenderer, no Node: every call goes through one of the invoke channels with plain arguments,
// and main checks the sender of each; jobs push their updates back on one channel (job-watch.ts).
// (A sandboxed preload can only require('electron'); the rest is bundled.)
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_INVOKE_CHANNEL } from '../shared/contract/index.ts';
import {
  BRIDGE_KEY,
  IPC_DROP_CHANNEL,
  IPC_MENU_CHANNEL,
  IPC_PICK_CHANNEL,
  MENU_COMMANDS,
  type MenuCommand,
  type PreloadBridge,
  type Reply,
} from '../shared/transport.ts';
import { makeWatchJob } from './job-watch.ts';

const bridge: PreloadBridge = {
  invoke(operation: string, input: unknown): Promise<Reply> {
    return ipcRenderer.invoke(IPC_INVOKE_CHANNEL, String(operation), input) as Promise<Reply>;
  },
  pickPlace(kind: 'root' | 'file'): Promise<Reply> {
    return ipcRenderer.invoke(IPC_PICK_CHANNEL, kind === 'file' ? 'file' : 'root') as Promise<Reply>;
  },
  async openDropped(file: File): Promise<Reply> {
    let path: string;
    try {
      path = webUtils.getPathForFile(file);
    } catch {
      path = '';
    }
    if (!path) {
      return {
        ok: false,
        error: {
          code: 'invalid_input',
          message: 'only files and folders from this computer can be dropped here',
        },
      };
    }
    return (await ipcRenderer.invoke(IPC_DROP_CHANNEL, path)) as Reply;
  },
  onMenuCommand(listener: (command: MenuCommand) => void): () => void {
    const wrapped = (_event: IpcRendererEvent, command: unknown): void => {
      if ((MENU_COMMANDS as readonly unknown[]).includes(command)) listener(command as MenuCommand);
    };
    ipcRenderer.on(IPC_MENU_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_MENU_CHANNEL, wrapped);
    };
  },
  watchJob: makeWatchJob(ipcRenderer),
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
