import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const SQLITE_MAGIC = 'SQLite format 3\u0000';
export const HEADER_BYTES = 100;

export type HeaderVerdict =
  | { ok: true; pageSize: number; pageCount: number; wal: boolean; sizeBytes: number }
  | {
      ok: false;
      code: 'missing_file' | 'empty_file' | 'not_sqlite' | 'truncated';
      message: string;
      sizeBytes: number;
    };

/**
 * Reads the 100-byte header without SQLite, so a file that is not a database, is empty or was cut short
 * is named for what it is (SQLite would only say "file is not a database").
 */
export function readHeader(path: string): HeaderVerdict {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return { ok: false, code: 'missing_file', message: 'the file does not exist', sizeBytes: 0 };
    throw error;
  }
  try {
    const sizeBytes = fstatSync(fd).size;
    if (sizeBytes === 0)
      return { ok: false, code: 'empty_file', message: 'the file is empty (0 bytes)', sizeBytes };
    const header = Buffer.alloc(HEADER_BYTES);
    const read = readSync(fd, header, 0, HEADER_BYTES, 0);
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
    const wal = header[18] === 2 || header[19] === 2;
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
  } finally {
    closeSync(fd);
  }
}
