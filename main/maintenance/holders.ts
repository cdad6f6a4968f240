// Who has a DB open. SQLite's locks only show a writer in the middle of a transaction; a bot keeps its
// connection open between messages holding no lock at all, and a file replaced under it would keep being
// written through the old inode (the .bak), silently losing its writes. So before touching a DB we look
// for any other process with the DB or its -wal/-journal/-shm open: on Linux through /proc/<pid>/fd (every
// process of the same user is visible; others' are counted as "unknown"). Elsewhere only the lock and
// the -wal/-shm checks of the swap path apply.

import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';

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
  if (process.platform !== 'linux') return { supported: false, holders: [] };
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
