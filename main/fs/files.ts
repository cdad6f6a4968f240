// File-system primitives of every write operation (restore, recover into place, metadata rebuild, migrate,
// export): temporary names beside the target, fsync of files and folders, backup names, and a crash hook
// the crash-safety tests use to kill the process at each step of a swap.

import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  unlinkSync,
  type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { namesIn } from './entry.ts';

/** A name beside `target` (same folder, so a rename is atomic), hidden, unique to this process. */
export function tempBeside(target: string, purpose: string): string {
  return join(
    dirname(target),
    `.${basename(target)}.${purpose}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/** `<name>.bak-<timestamp>` with a compact UTC timestamp; a counter is added if that name is taken. */
export function backupName(target: string, now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let candidate = `${target}.bak-${stamp}`;
  for (let i = 1; existsSync(candidate) || existsSync(`${candidate}-wal`); i++)
    candidate = `${target}.bak-${stamp}-${i}`;
  return candidate;
}

export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename or a new name in `dir` durable. Folders cannot be fsynced on Windows: ignored there. */
export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY);
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the rename itself is still atomic.
  } finally {
    closeSync(fd);
  }
}

export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // best effort: a leftover temporary file is harmless (hidden, never read)
  }
}

export function unlinkIfExists(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export function sizeOrNull(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

/** Refuses to write over an existing file (used for --out of backup, export and recover). */
export function requireAbsent(path: string, what: string): void {
  if (existsSync(path)) {
    throw new AppError(
      'conflict',
      `${path} already exists: choose another ${what} name (nothing is overwritten)`,
    );
  }
  if (!existsSync(dirname(path)))
    throw new AppError('not_found', `${dirname(path)}: no such folder for the ${what}`);
}

const TEMP_NAME = /^\.(.+)\.(restore|recover|migrate|rebuild|new)-(\d+)-[0-9a-f]{8}$/;

/** What a staged new-chat folder may hold: the layout's files, their SQLite sidecars, nothing else. */
const STAGED_CHAT_FILE = /^(profile\.db|conversations\.db)(-wal|-shm|-journal)?$|^metadata\.json$/;

let bootTimeMs: number | null | undefined;

/** When the machine booted (Linux /proc/stat, whole seconds), or null where it cannot be read. */
function bootTime(): number | null {
  if (bootTimeMs !== undefined) return bootTimeMs;
  bootTimeMs = null;
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (m) bootTimeMs = Number(m[1]) * 1000;
  } catch {
    // not Linux: liveness falls back to the pid alone
  }
  return bootTimeMs;
}

/**
 * When process `pid` started (ms since the epoch), or null if unknown. Linux gives it in clock ticks since
 * boot (USER_HZ, 100 on every Linux); the boot time is rounded down to the second, so the result may be up
 * to a second early, never late.
 */
function processStartMs(pid: number): number | null {
  if (pid === process.pid) return performance.timeOrigin;
  const boot = bootTime();
  if (boot === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? boot + ticks * 10 : null;
  } catch {
    return null;
  }
}

/** True while process `pid` runs (this one included); a process of another user counts as running. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that made a temporary file (its pid is in the name) may still be writing it: alive,
 * and not a later process that got the same pid (in a container every run may get the same pid, so a run
 * killed with SIGKILL and the next one share it): a process cannot have written a file last changed before
 * it started.
 */
export function ownerMayBeWriting(pid: number, mtimeMs: number): boolean {
  if (!processAlive(pid)) return false;
  const started = processStartMs(pid);
  return started === null || mtimeMs >= started;
}

/**
 * Whether `path` (a name tempBeside made) is one of ours as a crashed write leaves it: a regular file, or
 * a folder (a new chat being assembled by restore) holding only regular files of the per-chat layout.
 * A link, or a folder with anything else in it, is somebody else's and is left alone.
 */
function isOurTemp(path: string, stat: Stats): boolean {
  if (stat.isFile()) return true;
  if (!stat.isDirectory()) return false;
  try {
    return readdirSync(path, { withFileTypes: true }).every(
      (entry) => entry.isFile() && STAGED_CHAT_FILE.test(entry.name),
    );
  } catch {
    return false;
  }
}

/**
 * What killed processes left in `dir`: the entries named by a process (`pidOf` reads its pid from the name,
 * null for any other name) that may no longer be writing them (ownerMayBeWriting). Read with `lstat`: a link
 * is described, never followed.
 */
export function leftoversIn(
  dir: string,
  pidOf: (name: string) => number | null,
): { name: string; path: string; stat: Stats }[] {
  const out: { name: string; path: string; stat: Stats }[] = [];
  for (const name of namesIn(dir)) {
    const pid = pidOf(name);
    if (pid === null) continue;
    const path = join(dir, name);
    let stat: Stats;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    if (!ownerMayBeWriting(pid, stat.mtimeMs)) out.push({ name, path, stat });
  }
  return out;
}

/** `chat-inspector-<purpose>-<pid>-…`: a private folder in the system's temp folder, named by its process. */
const PRIVATE_TEMP_NAME = /^chat-inspector-[a-z]+-(\d+)-/;

/**
 * A private folder in the system's temp folder for a copy of someone's data (a backup's staging, a verify's
 * or a recovery's work), named by this process. Those a killed run left (SIGKILL: no handler ran) are
 * removed first, only when their process is gone, so copies of conversations do not pile up in /tmp.
 */
export function privateTempDir(purpose: string): string {
  const root = tmpdir();
  const pidOf = (name: string): number | null => {
    const m = PRIVATE_TEMP_NAME.exec(name);
    return m ? Number(m[1]) : null;
  };
  for (const { path, stat } of leftoversIn(root, pidOf)) {
    if (!stat.isDirectory()) continue; // a link or a file by that name is not ours
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // another user's, or going away meanwhile: left as it is
    }
  }
  return mkdtempSync(join(root, `chat-inspector-${purpose}-${process.pid}-`));
}

/**
 * Removes temporary files and folders (made by tempBeside) that a crashed write left in `dir`: only those
 * whose process is gone, so a write in progress elsewhere is never disturbed, and only what a write of
 * ours leaves (isOurTemp; a link is never followed nor removed). They never hold data that is not also in
 * its original place (a crash leaves each target old or new; the temp is the unused copy).
 */
export function removeStaleTemps(dir: string): number {
  const pidOf = (name: string): number | null => {
    const m = TEMP_NAME.exec(name);
    return m ? Number(m[3]) : null;
  };
  let removed = 0;
  for (const { path, stat } of leftoversIn(dir, pidOf)) {
    if (!isOurTemp(path, stat)) continue;
    removeQuietly(path);
    removed++;
  }
  return removed;
}

/**
 * Running as root (a server's maintenance shell), new files would belong to root and the bot (another user)
 * could no longer write them: they are given the owner of `reference` (the folder they go into). Best effort.
 */
export function chownLike(paths: string[], reference: string): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  try {
    const { uid, gid } = statSync(reference);
    for (const p of paths) chownSync(p, uid, gid);
  } catch {
    // best effort
  }
}

/**
 * A named point where a test may hold a command (CHAT_INSPECTOR_HOLD_AT=<step>): it prints "held at <step>"
 * on stderr and waits forever with its event loop running, so the test can signal it at a known moment.
 */
export async function holdPoint(step: string): Promise<void> {
  if (process.env.CHAT_INSPECTOR_HOLD_AT !== step) return;
  process.stderr.write(`held at ${step}\n`);
  await new Promise<never>(() => {
    setInterval(() => {}, 60_000);
  });
}

/** `<out>.<pid>.partial`: the archive being written, named by its process so a dead one's can be told. */
export function partialName(out: string): string {
  return `${out}.${process.pid}.partial`;
}

/**
 * Before an archive is written to `out`: it must not exist, a killed run's partial is removed, and the
 * name this run writes under (`partialName`) is returned.
 */
export function claimArchiveOut(out: string): string {
  requireAbsent(out, 'archive');
  removeStalePartials(out);
  return partialName(out);
}

/** Removes `<out>.<pid>.partial` files of processes that are gone (a backup killed with SIGKILL). */
export function removeStalePartials(out: string): void {
  const prefix = `${basename(out)}.`;
  const pidOf = (name: string): number | null => {
    const m = name.startsWith(prefix) ? /^(\d+)\.partial$/.exec(name.slice(prefix.length)) : null;
    return m ? Number(m[1]) : null;
  };
  for (const { path, stat } of leftoversIn(dirname(out), pidOf)) if (stat.isFile()) removeQuietly(path);
}

let crashCounter = 0;

/**
 * A named step of a write sequence. With CHAT_INSPECTOR_CRASH_AT=<n> the process kills itself (SIGKILL,
 * no cleanup, like a power cut) when it reaches the n-th step; CHAT_INSPECTOR_CRASH_LOG=<file> records every
 * step reached, so a test can learn how many steps there are and crash at each of them.
 */
export function crashPoint(step: string): void {
  const at = process.env.CHAT_INSPECTOR_CRASH_AT;
  const log = process.env.CHAT_INSPECTOR_CRASH_LOG;
  if (!at && !log) return;
  crashCounter++;
  if (log) appendFileSync(log, `${crashCounter} ${step}\n`);
  if (at && Number(at) === crashCounter) process.kill(process.pid, 'SIGKILL');
}

/** sha256 and size of a file, read in 1 MB chunks. */
export function hashFile(path: string): { sha256: string; size: number } {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let size = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}
