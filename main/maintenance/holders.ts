// Who has a DB open. SQLite's locks only show a writer in the middle of a transaction; a bot keeps its
// connection open between messages holding no lock at all, and a file replaced under it would keep being
// written through the old inode (the .bak), silently losing its writes. So before touching a DB we look
// for any other process with the DB or its -wal/-journal/-shm open: on Linux through /proc/<pid>/fd (every
// process of the same user is visible), on macOS and other Unixes through `lsof` when it is installed.
// Where neither works (Windows, which refuses to rename over an open file anyway), only the lock and the
// -wal/-shm checks of the swap path apply.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';

export interface Holder {
  pid: number;
  command: string;
  /** What the process has open (the DB or one of its sidecars). */
  path: string;
  /** The DB (as asked for) that this open file belongs to. */
  db: string;
}

export interface HolderScan {
  /** False where open files cannot be listed (not Linux): callers rely on locks alone. */
  supported: boolean;
  holders: Holder[];
}

const SIDECARS = ['', '-wal', '-journal', '-shm'];

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || `pid ${pid}`;
  } catch {
    return `pid ${pid}`;
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Other processes that have any of `dbPaths` (or their sidecars) open. */
export function findHolders(dbPaths: readonly string[]): HolderScan {
  if (process.platform !== 'linux') return lsofHolders(dbPaths);
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return { supported: false, holders: [] };
  }
  const wanted = new Map<string, string>();
  for (const db of dbPaths) {
    const real = realOrSelf(db);
    for (const suffix of SIDECARS) wanted.set(`${real}${suffix}`, db);
  }
  const holders: Holder[] = [];
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process or gone: not visible
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const db = wanted.get(target.replace(/ \(deleted\)$/, ''));
      if (db) holders.push({ pid, command: commandOf(pid), path: target, db });
    }
  }
  return { supported: true, holders };
}

export function describeHolders(holders: readonly Holder[]): string {
  const names = [...new Set(holders.map((h) => `${h.command} (pid ${h.pid})`))];
  return names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
}

/** `lsof -F pc FILE...` (macOS, BSD): every process with one of the files open. */
export function lsofHolders(dbPaths: readonly string[]): HolderScan {
  if (process.platform === 'win32' || dbPaths.length === 0) return { supported: false, holders: [] };
  const files: [string, string][] = [];
  for (const db of dbPaths)
    for (const suffix of SIDECARS) if (existsSync(`${db}${suffix}`)) files.push([`${db}${suffix}`, db]);
  if (files.length === 0) return { supported: true, holders: [] };
  const run = spawnSync('lsof', ['-F', 'pcn', ...files.map(([f]) => f)], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  // lsof exits 1 when no file is open; no output at all and an error means it is not installed.
  if (run.error) return { supported: false, holders: [] };
  const dbOf = new Map(files.map(([f, db]) => [realOrSelf(f), db]));
  const holders: Holder[] = [];
  let pid = 0;
  let command = '';
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('p')) pid = Number(line.slice(1));
    else if (line.startsWith('c')) command = line.slice(1);
    else if (line.startsWith('n') && pid !== process.pid) {
      const path = line.slice(1);
      const db = dbOf.get(realOrSelf(path)) ?? dbOf.get(path);
      if (db) holders.push({ pid, command: command || `pid ${pid}`, path, db });
    }
  }
  return { supported: true, holders };
}
