import { lstatSync } from 'node:fs';
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

/**
 * Where V8 keeps the compiled code of the bundles between runs (the OS's cache folder for applications,
 * never a data root): a CLI run and each worker thread otherwise compile megabytes of JavaScript again.
 */
export function compileCacheDir(): string {
  if (process.env.CHAT_INSPECTOR_COMPILE_CACHE) return process.env.CHAT_INSPECTOR_COMPILE_CACHE;
  if (process.platform === 'win32')
    return join(
      process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'),
      'Chat Inspector',
      'v8-cache',
    );
  if (process.platform === 'darwin')
    return join(homedir(), 'Library', 'Caches', 'Chat Inspector', 'v8-cache');
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'chat-inspector', 'v8-cache');
}

/**
 * False when something other than a real folder of ours sits at the compile cache's path (a link, a file, a
 * FIFO, another user's folder): Node would write its cache files there itself, following links. One
 * `lstat`, kept apart from main/fs/own-file.ts so the launcher loads nothing more before the bundle.
 */
function usableCacheDir(dir: string): boolean {
  const stats = lstatSync(dir, { throwIfNoEntry: false });
  if (!stats) return true; // Node makes it
  const ours = typeof process.getuid !== 'function' || stats.uid === process.getuid();
  return stats.isDirectory() && ours;
}

/** Turns V8's compile cache on for this thread (a no-op where Node has none; failures are not errors). */
export async function enableCompileCache(): Promise<void> {
  try {
    const dir = compileCacheDir();
    if (!usableCacheDir(dir)) return; // compiled as before, nothing written there
    const nodeModule = await import('node:module');
    nodeModule.enableCompileCache?.(dir);
  } catch {
    // A read-only home, an old runtime: the bundles are compiled as before.
  }
}
