// Helpers shared by the backup/restore/recover tests (not used by the app).

import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { join, relative } from 'node:path';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { withReadonly } from '../sqlite/open.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { silentContext, type JobContext } from '../jobs/job.ts';
import type { Manifest } from '../backup/manifest.ts';
import { openImmutable, rowCounts } from '../sqlite/file.ts';
import { encodeHeader } from '../backup/tar.ts';

import { CLI, NODE, REPO } from './cli.ts';

export { CLI, NODE, REPO };

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
      else if (entry.isSymbolicLink()) {
        // A link is recorded as a link (where it points), never followed.
        out[relative(dir, p)] = { size: 0, mtimeMs: lstatSync(p).mtimeMs, sha256: `link:${readlinkSync(p)}` };
      } else if (!entry.isFile()) {
        // A FIFO, socket or device: recorded by kind, never opened (reading a FIFO would block forever).
        out[relative(dir, p)] = { size: 0, mtimeMs: lstatSync(p).mtimeMs, sha256: 'special' };
      } else {
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

export interface ArchiveEntry {
  path: string;
  type: 'file' | 'dir';
  data: Buffer;
}

/** Every entry of a .tar.gz with its bytes, in order (read with node-tar, independent of our reader). */
export function readArchiveEntries(file: string): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  tar.t({
    file,
    sync: true,
    onReadEntry: (e) => {
      const parts: Buffer[] = [];
      const item: ArchiveEntry = {
        path: e.path,
        type: e.type === 'Directory' ? 'dir' : 'file',
        data: Buffer.alloc(0),
      };
      e.on('data', (c: Buffer) => parts.push(c));
      e.on('end', () => (item.data = Buffer.concat(parts)));
      entries.push(item);
    },
  });
  return entries;
}

/** A .tar.gz of these entries (ustar headers as a backup writes them). */
export function writeArchiveEntries(file: string, entries: ArchiveEntry[]): string {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(encodeHeader({ path: e.path, type: e.type, size: e.data.length, mtime: new Date(0) }));
    if (e.type === 'file') {
      parts.push(e.data);
      parts.push(Buffer.alloc((512 - (e.data.length % 512)) % 512));
    }
  }
  parts.push(Buffer.alloc(1024));
  writeFileSync(file, gzipSync(Buffer.concat(parts)));
  return file;
}

/** The archive's manifest, edited, as a new archive. */
export function editManifest(
  source: string,
  out: string,
  edit: (manifest: Manifest) => void,
  editEntries: (entries: ArchiveEntry[]) => ArchiveEntry[] = (e) => e,
): string {
  const entries = editEntries(readArchiveEntries(source));
  const m = entries.find((e) => e.path === 'manifest.json')!;
  const manifest = JSON.parse(m.data.toString('utf8')) as Manifest;
  edit(manifest);
  m.data = Buffer.from(JSON.stringify(manifest));
  return writeArchiveEntries(out, entries);
}

/** Files (and empty folders) of every folder under `dir` with their kind, to prove nothing was left. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${rel}/`);
        walk(join(d, e.name), rel);
      } else out.push(rel);
    }
  };
  walk(dir, '');
  return out.sort();
}

export interface HeldRun {
  /** The signal the process died of (or null), and its exit code. */
  signal: NodeJS.Signals | null;
  status: number | null;
  stderr: string;
  /** What was in its temp folder while it was held. */
  tmpWhileHeld: string[];
  /** What is left in its temp folder once it ended. */
  tmpAfter: string[];
}

/**
 * Runs the CLI with a temp folder of its own (TMPDIR), holds it at `step` (CHAT_INSPECTOR_HOLD_AT), lists
 * the temp folder, calls `whileHeld`, then sends `signal` and waits for the end.
 */
export function runHeldCli(
  args: string[],
  step: string,
  signal: NodeJS.Signals,
  tmp: string,
  whileHeld: () => void = () => {},
): Promise<HeldRun> {
  const child = spawn(NODE, [CLI, ...args], {
    cwd: REPO,
    env: { ...process.env, TMPDIR: tmp, CHAT_INSPECTOR_HOLD_AT: step },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let tmpWhileHeld: string[] = [];
  let sent = false;
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (!sent && stderr.includes(`held at ${step}`)) {
        sent = true;
        try {
          tmpWhileHeld = listTree(tmp);
          whileHeld();
        } finally {
          child.kill(signal);
        }
      }
    });
    child.once('error', reject);
    child.once('exit', (status, sig) => {
      resolve({ signal: sig, status, stderr, tmpWhileHeld, tmpAfter: listTree(tmp) });
    });
  });
}

/** Row counts of a file (opened immutable), or null when it cannot be counted: the truth a backup's manifest
 * must match. */
export function rowCountsOfFile(path: string): Record<string, number> | null {
  try {
    const db = openImmutable(path);
    try {
      return rowCounts(db);
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}
