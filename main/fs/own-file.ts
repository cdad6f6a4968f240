import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { fsyncDir, removeStaleTemps, tempBeside } from './files.ts';
import { describeKind, entryAt, NO_FOLLOW_READ_FLAGS } from './entry.ts';
import { removeTemp, trackTemp } from './temp.ts';

// Chat Inspector's own files (the fleet index, mappings.json, connections.json, recent.json, uploads/) get
// the guard the data root's files have: each is `lstat`ed first and used only when it is a regular file of
// ours of bounded size, opened without following links (a FIFO is never opened, so nothing blocks); it is
// written through a fresh temp file made exclusively beside it, then renamed over it. One that cannot be
// used is set aside (renamed, never opened, a link renamed itself and never followed) and made again, with
// one line on stderr saying so. The home folder itself is taken as the person gave it, like a data root.

/** The most a JSON file of ours may hold (mappings, connections, the recent list): a few KB in practice. */
export const OWN_JSON_MAX_BYTES = 4 * 1024 * 1024;

export type OwnFileState =
  { kind: 'absent' } | { kind: 'file'; stats: Stats } | { kind: 'unusable'; reason: string };

export type OwnFileRead =
  { kind: 'absent' } | { kind: 'content'; bytes: Buffer } | { kind: 'unusable'; reason: string };

/** True where the OS has owners (not Windows) and `stats` belongs to another user than this process's. */
function othersOwn(stats: Stats): boolean {
  return typeof process.getuid === 'function' && stats.uid !== process.getuid();
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${+(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${+(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/**
 * What sits at an own file's path, from `lstat` alone (nothing is opened): absent, a usable regular file, or
 * why it is not usable — not a regular file, another user's, over `maxBytes`, or read-only when `writable`.
 */
export function ownFileState(
  path: string,
  options: { maxBytes?: number; writable?: boolean } = {},
): OwnFileState {
  let entry;
  try {
    entry = entryAt(path);
  } catch (error) {
    return { kind: 'unusable', reason: `could not be looked at (${errorCode(error)})` };
  }
  if (entry.kind === 'missing') return { kind: 'absent' };
  if (entry.kind !== 'file') return { kind: 'unusable', reason: `is ${describeKind(entry.kind)}` };
  const stats = entry.stats!;
  if (othersOwn(stats)) return { kind: 'unusable', reason: 'belongs to another user' };
  if (options.maxBytes !== undefined && stats.size > options.maxBytes)
    return { kind: 'unusable', reason: tooBig(stats.size, options.maxBytes) };
  if (options.writable && (stats.mode & 0o200) === 0) return { kind: 'unusable', reason: 'is read-only' };
  return { kind: 'file', stats };
}

function tooBig(size: number, maxBytes: number): string {
  return `is ${formatBytes(size)}, more than the ${formatBytes(maxBytes)} such a file may hold`;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

/**
 * An own file's bytes, read without following a link and never blocking: `lstat` first (anything but a
 * regular file of ours of at most `maxBytes` is `unusable` and not opened), then an O_NOFOLLOW|O_NONBLOCK
 * open whose `fstat` must show the same file.
 */
export function readOwnFile(path: string, maxBytes: number): OwnFileRead {
  const state = ownFileState(path, { maxBytes });
  if (state.kind !== 'file') return state;
  let fd: number;
  try {
    fd = openSync(path, NO_FOLLOW_READ_FLAGS);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return { kind: 'absent' };
    if (code === 'ELOOP') return { kind: 'unusable', reason: `is ${describeKind('symlink')}` };
    return { kind: 'unusable', reason: `could not be read (${code})` };
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile() || opened.ino !== state.stats.ino || opened.dev !== state.stats.dev)
      return { kind: 'unusable', reason: 'was replaced while it was being opened' };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      // Grown past the limit since the lstat: refused rather than read on.
      if (total > maxBytes) return { kind: 'unusable', reason: tooBig(total, maxBytes) };
    }
    return { kind: 'content', bytes: Buffer.concat(chunks) };
  } catch (error) {
    return { kind: 'unusable', reason: `could not be read (${errorCode(error)})` };
  } finally {
    closeSync(fd);
  }
}

/** The one line every set-aside or unusable own file prints (stderr of the CLI, the server or the app). */
export function ownFileNotice(line: string): void {
  process.stderr.write(`chat-inspector: ${line}\n`);
}

function asideName(path: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let candidate = `${path}.unusable-${stamp}`;
  for (let i = 1; entryAt(candidate).kind !== 'missing'; i++) candidate = `${path}.unusable-${stamp}-${i}`;
  return candidate;
}

export type SetAside = { ok: true; aside: string } | { ok: false; code: string };

/**
 * Renames what sits at `path` (a file, a folder, a FIFO, a link — the link itself, never followed, never
 * opened) to `NAME.unusable-<time>` beside it, kept for the person to look at, and prints one line naming
 * `path`, `reason` and the new name. When it cannot be moved (a read-only folder) nothing is printed: the
 * caller says what it does instead.
 */
export function setAside(path: string, reason: string, now: Date = new Date()): SetAside {
  try {
    const aside = asideName(path, now);
    renameSync(path, aside);
    ownFileNotice(`${path} ${reason}; it was set aside as ${basename(aside)} and is made again`);
    return { ok: true, aside };
  } catch (error) {
    return { ok: false, code: errorCode(error) };
  }
}

/** True when `dir` is a real folder (not a link) of ours: one that may be listed and written into. */
export function isOwnDir(dir: string): boolean {
  try {
    const entry = entryAt(dir);
    return entry.kind === 'directory' && !othersOwn(entry.stats!);
  } catch {
    return false;
  }
}

/**
 * Makes sure `dir`, a folder of Chat Inspector's own inside its home, is a real folder of ours: creates it
 * when missing; a link, a file, a FIFO or another user's folder in its place is set aside and the folder
 * made again. Throws `forbidden_path` (one sentence naming the folder) when that cannot be done.
 */
export function ensureOwnDir(dir: string): void {
  try {
    if (!keepOnlyOwnDir(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Made by another process between the check and the mkdir: checked once more, never set aside twice.
    const after = ownDirProblem(dir);
    if (after) throw new AppError('forbidden_path', unusableDir(dir, after, 'it came back'));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(
      'forbidden_path',
      `${dir}: Chat Inspector's own folder could not be made (${errorCode(error)})`,
    );
  }
}

/** Why `dir` is not a real folder of ours; '' when it is one, null when nothing is there. */
function ownDirProblem(dir: string): string | null {
  const entry = entryAt(dir);
  if (entry.kind === 'missing') return null;
  if (entry.kind !== 'directory') return `is ${describeKind(entry.kind)}, not a folder`;
  if (othersOwn(entry.stats!)) return 'belongs to another user';
  return '';
}

/**
 * Sets aside whatever sits at `dir` unless it is a real folder of ours (one line says so); true when such
 * a folder is there to use, false when there is none now. Throws `forbidden_path` when it cannot be moved.
 */
export function keepOnlyOwnDir(dir: string): boolean {
  const problem = ownDirProblem(dir);
  if (problem === '') return true;
  if (problem === null) return false;
  const moved = setAside(dir, problem);
  if (!moved.ok) throw new AppError('forbidden_path', unusableDir(dir, problem, moved.code));
  return false;
}

function unusableDir(dir: string, problem: string, code: string): string {
  return `${dir}: Chat Inspector's own folder ${problem}, and it could not be set aside (${code}); move it away`;
}

const CREATE_EXCLUSIVE =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/**
 * Writes an own file whole: into a fresh temp file created exclusively beside it (O_CREAT|O_EXCL|
 * O_NOFOLLOW: never an existing file, never through a link), fsynced, then renamed over `path` — which
 * replaces a link or a FIFO there rather than writing through it. The temp is tracked (removed on a signal);
 * one a killed process left is removed by the next write into the folder.
 */
export function writeOwnFile(path: string, data: string | Buffer): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (entryAt(path).kind === 'directory') setAside(path, `is ${describeKind('directory')}`);
  removeStaleTemps(dir);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempBeside(path, 'new');
  const untrack = trackTemp(tmp);
  try {
    const fd = openSync(tmp, CREATE_EXCLUSIVE, 0o600);
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    untrack();
  } catch (error) {
    removeTemp(tmp);
    throw error;
  }
  fsyncDir(dir);
}

/**
 * An own JSON file's parsed content, or null when there is none to use: absent, or unusable / not valid
 * JSON — then set aside with one line (the next write makes a new one).
 */
export function loadOwnJson(path: string, maxBytes: number = OWN_JSON_MAX_BYTES): unknown {
  const read = readOwnFile(path, maxBytes);
  if (read.kind === 'absent') return null;
  let reason: string;
  if (read.kind === 'unusable') reason = read.reason;
  else {
    try {
      return JSON.parse(read.bytes.toString('utf8')) as unknown;
    } catch {
      reason = 'is damaged (not valid JSON)';
    }
  }
  const moved = setAside(path, reason);
  if (!moved.ok)
    ownFileNotice(`${path} ${reason}; it is not used (it could not be set aside: ${moved.code})`);
  return null;
}
