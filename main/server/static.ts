import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentTypeOf } from './headers.ts';

export type StaticLookup =
  | { kind: 'file'; path: string; contentType: string; size: number; immutable: boolean }
  | { kind: 'forbidden' }
  | { kind: 'missing' };

/**
 * Maps a URL path onto a file of the built UI, for browser mode and for Electron's app:// protocol.
 * The decoded path is resolved and must stay inside `staticDir` (after following links), so `..`,
 * `%2e%2e`, encoded slashes and NUL bytes cannot reach any other file. Paths without an extension fall
 * back to index.html (the UI's own routes).
 */
export function lookupStatic(staticDir: string, urlPath: string): StaticLookup {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'forbidden' };
  }
  if (decoded.includes('\0') || decoded.includes('\\') || !decoded.startsWith('/'))
    return { kind: 'forbidden' };
  let base: string;
  try {
    base = realpathSync(staticDir);
  } catch {
    return { kind: 'missing' };
  }
  const wanted = resolve(base, `.${decoded.endsWith('/') ? `${decoded}index.html` : decoded}`);
  if (!isInsideOrSame(wanted, base)) return { kind: 'forbidden' };
  const target = existsSync(wanted) ? wanted : extname(wanted) === '' ? join(base, 'index.html') : null;
  if (target === null) return { kind: 'missing' };
  let real: string;
  try {
    real = realpathSync(target);
  } catch {
    return { kind: 'missing' };
  }
  if (!isInsideOrSame(real, base)) return { kind: 'forbidden' };
  const stat = statSync(real);
  if (!stat.isFile()) return { kind: 'missing' };
  const immutable = real.startsWith(join(base, 'assets') + sep);
  return { kind: 'file', path: real, contentType: contentTypeOf(extname(real)), size: stat.size, immutable };
}

function isInsideOrSame(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/**
 * dist/renderer, found from the running bundle (dist/cli.js, dist/electron-main.js) or, when running from
 * the TypeScript sources, from main/server/.
 */
export function defaultStaticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return import.meta.url.endsWith('.ts')
    ? join(here, '..', '..', 'dist', 'renderer')
    : join(here, 'renderer');
}
