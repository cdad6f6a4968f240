import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readdirSync,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { AppError } from '../../shared/errors.ts';

/** What sits at a path, learned with `lstat` (links are never followed). */
export type EntryKind = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'device' | 'missing';

export interface Entry {
  kind: EntryKind;
  /** Present for everything but `missing`. */
  stats: Stats | null;
}

/** The one `lstat` every reader asks before it opens or lists anything. */
export function entryAt(path: string): Entry {
  let stats: Stats | undefined;
  try {
    // throwIfNoEntry: a missing entry (most -wal/-shm/-journal beside a DB) is the usual answer, and an
    // exception per missing file cost more than the whole quick check of a small chat.
    stats = lstatSync(path, { bigint: false, throwIfNoEntry: false });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing', stats: null };
    throw error;
  }
  if (!stats) return { kind: 'missing', stats: null };
  return { kind: kindOf(stats), stats };
}

export function kindOf(stats: Stats | BigIntStats): EntryKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  return 'device';
}

const KIND_WORDS: Record<EntryKind, string> = {
  file: 'a regular file',
  directory: 'a directory',
  symlink: 'a symbolic link (not followed)',
  fifo: 'a named pipe (FIFO)',
  socket: 'a socket',
  device: 'a device',
  missing: 'missing',
};

/** "a named pipe (FIFO)", "a directory": the words a finding or an error uses for an entry's kind. */
export function describeKind(kind: EntryKind): string {
  return KIND_WORDS[kind];
}

/**
 * Throws unless `path` is a regular file (not a link, FIFO, socket, device or directory). A missing file
 * is `not_found`; anything else is `not_a_file`-shaped (`invalid_input` carrying the same sentence).
 */
export function requireRegularFile(path: string): Stats {
  const entry = entryAt(path);
  if (entry.kind === 'file') return entry.stats!;
  if (entry.kind === 'missing') throw new AppError('not_found', `${path}: the file does not exist`);
  throw new AppError('invalid_input', notAFileMessage(path, entry.kind));
}

export function notAFileMessage(path: string, kind: EntryKind): string {
  return `${path}: is ${describeKind(kind)}, not a regular file; it was not opened`;
}

/**
 * Flags for opening a file that must be a regular file: O_NOFOLLOW refuses a link swapped in after the
 * `lstat`, O_NONBLOCK keeps a FIFO swapped in from blocking the open (the caller then `fstat`s and refuses).
 */
export const NO_FOLLOW_READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Runs `read` on the file opened without following a link or waiting on a FIFO, and always closes it; null
 * when it cannot be opened or read (a missing or unreadable file is no file here).
 */
export function readNoFollow<T>(path: string, read: (fd: number) => T): T | null {
  let fd: number;
  try {
    fd = openSync(path, NO_FOLLOW_READ_FLAGS);
  } catch {
    return null;
  }
  try {
    return read(fd);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The names in a folder, or none when it cannot be listed (gone, not a folder, no permission). */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The one path guard: `target` must lie inside `root` and no component between them may be a symbolic
 * link (or anything but a directory, except the last). `root` itself is taken as the person gave it.
 * Returns the resolved path. Components that do not exist yet are allowed (a restore creates them).
 */
export function guardInsideRoot(root: string, target: string): string {
  const absRoot = resolve(root);
  const absTarget = resolve(absRoot, target);
  const rel = relative(absRoot, absTarget);
  if (rel === '') return absTarget;
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new AppError('forbidden_path', `${target}: lies outside the data root ${absRoot}`);
  }
  const parts = rel.split(sep);
  let current = absRoot;
  for (let i = 0; i < parts.length; i++) {
    current = `${current}${sep}${parts[i]}`;
    const entry = entryAt(current);
    if (entry.kind === 'missing') break;
    if (entry.kind === 'symlink') {
      throw new AppError(
        'forbidden_path',
        `${current}: is a symbolic link; links are never followed, so nothing behind it is read or written`,
      );
    }
    const last = i === parts.length - 1;
    if (!last && entry.kind !== 'directory') {
      throw new AppError('forbidden_path', `${current}: is ${describeKind(entry.kind)}, not a folder`);
    }
  }
  return absTarget;
}
