import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every folder (with its mtime) and every file (with its bytes' sha256, size and mtime) under `root`:
 * the proof tests use that reading a data root changed nothing and created or deleted no file.
 * An existing -shm is recorded by presence only: the spec allows its bytes to change, as every SQLite
 * reader updates it.
 */
export function fingerprintTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    out.set(`${relative(root, dir)}/`, `dir mtime ${statSync(dir).mtimeMs}`);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('-shm')) out.set(relative(root, path), 'shm (bytes may change)');
      else {
        const st = statSync(path);
        const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
        out.set(relative(root, path), `${sha} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(root);
  return out;
}
