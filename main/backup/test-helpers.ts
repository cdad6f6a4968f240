// Helpers shared by the backup/restore/recover tests (not used by the app).

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withReadonly } from '../sqlite/open.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { silentContext, type JobContext } from '../jobs/job.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const NODE = join(REPO, 'node_modules', '.bin', 'node');
export const CLI = join(REPO, 'main', 'cli', 'main.ts');

/** Every file under `dir` with size, mtime and sha256 (to prove a folder did not change). */
export function treeSnapshot(
  dir: string,
  options: { ignoreShmContent?: boolean } = {},
): Record<string, { size: number; mtimeMs: number; sha256: string }> {
  const out: Record<string, { size: number; mtimeMs: number; sha256: string }> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        // SQLite's shared-memory index (-shm) is updated by every reader: the spec allows its bytes to change.
        if (options.ignoreShmContent && p.endsWith('-shm'))
          out[relative(dir, p)] = { size: st.size, mtimeMs: 0, sha256: '' };
        else
          out[relative(dir, p)] = {
            size: st.size,
            mtimeMs: st.mtimeMs,
            sha256: createHash('sha256').update(readFileSync(p)).digest('hex'),
          };
      }
    }
  };
  walk(dir);
  return out;
}

/** Every row of every table (rowid order, exact integers), read without changing the file. */
export function dumpDb(path: string): Record<string, unknown[][]> {
  return withReadonly(path, (db) => {
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[];
    const out: Record<string, unknown[][]> = {};
    for (const t of tables) {
      out[t] = db
        .prepare(`SELECT * FROM ${quoteIdent(t)} ORDER BY rowid`)
        .raw(true)
        .safeIntegers(true)
        .all() as unknown[][];
    }
    return out;
  });
}

export function ctx<E>(): JobContext<E> {
  return silentContext<E>();
}

export function runCliSync(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(NODE, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, cwd: REPO });
}
