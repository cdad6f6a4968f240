// Finds the Electron binary of node_modules/electron without `require('electron')` (which would try a
// download and throw). Used by `npm start` and the Electron e2e test. Plain Node, no Electron needed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export type ElectronLookup = { ok: true; path: string } | { ok: false; reason: string };

function installed(packageDir: string): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (override) {
    const candidate = join(
      override,
      relative ?? (process.platform === 'win32' ? 'electron.exe' : 'electron'),
    );
    return existsSync(candidate) ? candidate : null;
  }
  if (!relative) return null;
  const candidate = join(packageDir, 'dist', relative);
  return existsSync(candidate) ? candidate : null;
}

/** Why a download failed, in a few words (the installer prints a whole stack). */
function downloadFailure(output: string): string {
  if (
    /fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|getaddrinfo/i.test(output)
  ) {
    return 'no route to its download';
  }
  const lines = output.trim().split('\n').filter(Boolean);
  return lines.at(-1)?.slice(0, 200) ?? 'its download failed';
}

/**
 * The path of the Electron executable, downloading it first when `download` is set and it is missing
 * (what `npm start` does on a first start; a machine without a route to the download fails quickly).
 */
export function findElectron(options: { download?: boolean; projectRoot?: string } = {}): ElectronLookup {
  const packageDir = join(options.projectRoot ?? PROJECT_ROOT, 'node_modules', 'electron');
  if (!existsSync(join(packageDir, 'package.json')))
    return { ok: false, reason: 'the electron package is not installed' };
  const found = installed(packageDir);
  if (found) return { ok: true, path: found };
  if (!options.download)
    return { ok: false, reason: 'its binary was never downloaded (node_modules/electron/dist is missing)' };
  const result = spawnSync(process.execPath, [join(packageDir, 'install.js')], {
    cwd: packageDir,
    encoding: 'utf8',
    timeout: 10 * 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const after = installed(packageDir);
  if (after) return { ok: true, path: after };
  if (result.error) return { ok: false, reason: result.error.message };
  return { ok: false, reason: downloadFailure(`${result.stdout ?? ''}\n${result.stderr ?? ''}`) };
}

/** Electron needs a screen; on Linux that is an X11 or Wayland display. */
export function hasDisplay(): boolean {
  return process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}
