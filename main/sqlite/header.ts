import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { describeKind, entryAt, kindOf, NO_FOLLOW_READ_FLAGS, type EntryKind } from '../fs/entry.ts';

export const SQLITE_MAGIC = 'SQLite format 3\u0000';
export const HEADER_BYTES = 100;

/** The header's file format bytes (18 write, 19 read) say WAL: the file has, or had, a -wal beside it. */
export function headerSaysWal(header: Uint8Array): boolean {
  return header[18] === 2 || header[19] === 2;
}

export type HeaderVerdict =
  | { ok: true; pageSize: number; pageCount: number; wal: boolean; sizeBytes: number }
  | {
      ok: false;
      code: 'missing_file' | 'empty_file' | 'not_sqlite' | 'truncated' | 'not_a_file';
      message: string;
      sizeBytes: number;
    };

function notAFile(kind: EntryKind): HeaderVerdict {
  return {
    ok: false,
    code: 'not_a_file',
    message: `is ${describeKind(kind)}, not a regular file; it was not opened`,
    sizeBytes: 0,
  };
}

/**
 * Reads the 100-byte header without SQLite, so a file that is not a database, is empty or was cut short
 * is named for what it is (SQLite would only say "file is not a database"). Anything but a regular file
 * (a link, FIFO, socket, device or directory) is `not_a_file` and never opened: `lstat` first, then an
 * open that neither follows a link nor blocks on a FIFO swapped in since, then `fstat` of what was opened.
 */
export function readHeader(path: string): HeaderVerdict {
  const missing: HeaderVerdict = {
    ok: false,
    code: 'missing_file',
    message: 'the file does not exist',
    sizeBytes: 0,
  };
  const entry = entryAt(path);
  if (entry.kind === 'missing') return missing;
  if (entry.kind !== 'file') return notAFile(entry.kind);
  let fd: number;
  try {
    fd = openSync(path, NO_FOLLOW_READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return missing;
    // O_NOFOLLOW met a link swapped in after the lstat.
    if (code === 'ELOOP') return notAFile('symlink');
    if (code === 'EISDIR') return notAFile('directory');
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return notAFile(kindOf(stats));
    const sizeBytes = stats.size;
    if (sizeBytes === 0)
      return { ok: false, code: 'empty_file', message: 'the file is empty (0 bytes)', sizeBytes };
    const header = Buffer.alloc(HEADER_BYTES);
    const read = readSync(fd, header, 0, HEADER_BYTES, 0);
    return headerVerdict(header, read, sizeBytes);
  } finally {
    closeSync(fd);
  }
}

/**
 * The verdict on a header already read (`read` bytes of it) from a regular file of `sizeBytes` bytes:
 * not an SQLite file, cut short, or its page size, page count and journal mode.
 */
export function headerVerdict(header: Buffer, read: number, sizeBytes: number): HeaderVerdict {
  if (read < SQLITE_MAGIC.length || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    return { ok: false, code: 'not_sqlite', message: 'the file is not an SQLite database', sizeBytes };
  }
  if (read < HEADER_BYTES) {
    return {
      ok: false,
      code: 'truncated',
      message: `the file is cut short: ${sizeBytes} bytes, not even a full header`,
      sizeBytes,
    };
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pageCount = header.readUInt32BE(28);
  const wal = headerSaysWal(header);
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    return {
      ok: false,
      code: 'not_sqlite',
      message: `the header has an impossible page size (${rawPageSize})`,
      sizeBytes,
    };
  }
  // The in-header page count is only valid when the change counters agree (SQLite's own rule).
  const countValid = header.readUInt32BE(24) === header.readUInt32BE(92) && pageCount > 0;
  if (countValid && sizeBytes < pageCount * pageSize) {
    return {
      ok: false,
      code: 'truncated',
      message: `the file is cut short: ${sizeBytes} bytes where the header promises ${pageCount * pageSize}`,
      sizeBytes,
    };
  }
  if (sizeBytes % pageSize !== 0) {
    return {
      ok: false,
      code: 'truncated',
      message: `the file size (${sizeBytes} bytes) is not a whole number of ${pageSize}-byte pages`,
      sizeBytes,
    };
  }
  return {
    ok: true,
    pageSize,
    pageCount: countValid ? pageCount : Math.floor(sizeBytes / pageSize),
    wal,
    sizeBytes,
  };
}
