import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where Chat Inspector keeps its own files (recent list, demo root). Electron passes app.getPath('userData'). */
export function defaultUserDataDir(): string {
  if (process.env.CHAT_INSPECTOR_HOME) return process.env.CHAT_INSPECTOR_HOME;
  if (process.platform === 'win32')
    return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Chat Inspector');
  if (process.platform === 'darwin')
    return join(homedir(), 'Library', 'Application Support', 'Chat Inspector');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'chat-inspector');
}
