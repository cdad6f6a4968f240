import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NO_FOLLOW_READ_FLAGS } from '../fs/entry.ts';
import { SQLITE_MAGIC } from '../sqlite/header.ts';
import { CHAT_DIR_PATTERN } from '../adapters/per-chat-schema.ts';

const DB_EXTENSION = /\.(db|sqlite|sqlite3|db3)$/i;
const SIDE_FILE = /-(wal|shm|journal)$/i;
const MAX_FILES = 500;
const MAX_DIRS = 2000;
const MAX_DEPTH = 4;
/** Folders never worth walking: chat folders are the chat list's business; the rest is noise. */
const SKIP_DIRS = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv']);

export interface DbFileEntry {
  path: string;
  relPath: string;
  sizeBytes: number;
}

/**
 * SQLite files under a root (by extension, or by the header for files named otherwise, like `backup_old_db`), outside the per-chat folders (legacy `user_history.db`, other bots'
 * DBs): breadth-first, bounded in depth, folders and files, symbolic links not followed. Read-only.
 */
export function listDbFiles(root: string): { files: DbFileEntry[]; capped: boolean } {
  const files: DbFileEntry[] = [];
  const queue: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  let dirs = 0;
  let capped = false;
  while (queue.length > 0) {
    const { dir, depth } = queue.shift()!;
    if (++dirs > MAX_DIRS) {
      capped = true;
      break;
    }
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (
          depth + 1 < MAX_DEPTH &&
          !CHAT_DIR_PATTERN.test(entry.name) &&
          !SKIP_DIRS.has(entry.name) &&
          !entry.name.startsWith('.')
        ) {
          queue.push({ dir: path, depth: depth + 1 });
        }
      } else if (
        entry.isFile() &&
        !SIDE_FILE.test(entry.name) &&
        (DB_EXTENSION.test(entry.name) || hasSqliteMagic(path))
      ) {
        if (files.length >= MAX_FILES) {
          capped = true;
          break;
        }
        // lstat: a file swapped for a link or a FIFO since the listing is not listed.
        const stats = lstatSync(path, { throwIfNoEntry: false });
        if (!stats?.isFile()) continue;
        const sizeBytes = stats.size;
        files.push({ path, relPath: relative(root, path), sizeBytes });
      }
    }
    if (capped) break;
  }
  return { files, capped };
}

/** True when the file starts with SQLite's 16-byte magic (read-only, 16 bytes; links and FIFOs never opened). */
function hasSqliteMagic(path: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(path, NO_FOLLOW_READ_FLAGS);
    if (!fstatSync(fd).isFile()) return false;
    const buffer = Buffer.alloc(16);
    return readSync(fd, buffer, 0, 16, 0) === 16 && buffer.toString('latin1') === SQLITE_MAGIC;
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
