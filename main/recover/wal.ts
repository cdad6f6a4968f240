// The committed frames of a write-ahead log, read as SQLite's own recovery does
// (https://www.sqlite.org/fileformat2.html#walformat): the header's checksum and salts must hold, each
// frame's cumulative checksum and salts must hold, and only frames up to the last valid commit frame
// count. What follows that commit (an unfinished transaction, a torn frame) is ignored and reported.

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

export interface WalReading {
  /** Page number → the page's newest committed content. */
  pages: Map<number, Buffer>;
  /** The DB size in pages after the last commit (0 when nothing was committed). */
  dbPages: number;
  committedFrames: number;
  /** Frames (or a partial frame) after the last commit that were ignored. */
  ignoredFrames: number;
  /** Why the log stopped being read before its end ('' when it was read to the end). */
  stoppedBecause: string;
  problems: string[];
}

function checksum(
  buf: Buffer,
  start: number,
  end: number,
  bigEndian: boolean,
  s: [number, number],
): [number, number] {
  let s0 = s[0];
  let s1 = s[1];
  for (let i = start; i < end; i += 8) {
    const x0 = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/** Reads a -wal's bytes; `pageSize` is the main file's. Null when the log is empty or not a WAL. */
export function readWal(wal: Buffer, pageSize: number): WalReading | null {
  const empty: WalReading = {
    pages: new Map(),
    dbPages: 0,
    committedFrames: 0,
    ignoredFrames: 0,
    stoppedBecause: '',
    problems: [],
  };
  if (wal.length === 0) return null;
  if (wal.length < WAL_HEADER) {
    return { ...empty, stoppedBecause: 'the log is shorter than its header', problems: ['-wal cut short'] };
  }
  const magic = wal.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) {
    return { ...empty, stoppedBecause: 'not a write-ahead log', problems: ['-wal has no WAL magic number'] };
  }
  const bigEndian = (magic & 1) === 1;
  const walPageSize = wal.readUInt32BE(8) === 1 ? 65536 : wal.readUInt32BE(8);
  if (walPageSize !== pageSize) {
    return {
      ...empty,
      stoppedBecause: `its page size (${walPageSize}) is not the DB's (${pageSize})`,
      problems: ['-wal page size differs from the DB'],
    };
  }
  const headerSum = checksum(wal, 0, 24, bigEndian, [0, 0]);
  if (headerSum[0] !== wal.readUInt32BE(24) || headerSum[1] !== wal.readUInt32BE(28)) {
    return {
      ...empty,
      stoppedBecause: 'its header checksum fails',
      problems: ['-wal header checksum fails'],
    };
  }
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  const frameSize = FRAME_HEADER + pageSize;
  const pending = new Map<number, Buffer>();
  const pages = new Map<number, Buffer>();
  let sum: [number, number] = headerSum;
  let dbPages = 0;
  let committed = 0;
  let sinceCommit = 0;
  let stoppedBecause = '';
  let offset = WAL_HEADER;
  for (; offset + frameSize <= wal.length; offset += frameSize) {
    const pgno = wal.readUInt32BE(offset);
    const commitSize = wal.readUInt32BE(offset + 4);
    if (wal.readUInt32BE(offset + 8) !== salt1 || wal.readUInt32BE(offset + 12) !== salt2) {
      stoppedBecause = 'a frame from an older generation of the log (salt differs)';
      break;
    }
    let next = checksum(wal, offset, offset + 8, bigEndian, sum);
    next = checksum(wal, offset + FRAME_HEADER, offset + frameSize, bigEndian, next);
    if (next[0] !== wal.readUInt32BE(offset + 16) || next[1] !== wal.readUInt32BE(offset + 20)) {
      stoppedBecause = 'a frame whose checksum fails (torn or damaged)';
      break;
    }
    if (pgno === 0) {
      stoppedBecause = 'a frame for page 0';
      break;
    }
    sum = next;
    pending.set(pgno, wal.subarray(offset + FRAME_HEADER, offset + frameSize));
    sinceCommit++;
    if (commitSize !== 0) {
      for (const [p, data] of pending) pages.set(p, data);
      pending.clear();
      dbPages = commitSize;
      committed += sinceCommit;
      sinceCommit = 0;
    }
  }
  const partial = offset < wal.length && offset + frameSize > wal.length && stoppedBecause === '';
  if (partial) stoppedBecause = 'a partial frame at the end (torn write)';
  const remainingFrames = Math.ceil((wal.length - offset) / frameSize);
  const ignored = sinceCommit + (stoppedBecause ? remainingFrames : 0);
  // Pages past the committed DB size are not part of the DB.
  for (const p of [...pages.keys()]) if (dbPages > 0 && p > dbPages) pages.delete(p);
  const problems: string[] = [];
  if (ignored > 0) problems.push(`${ignored} -wal frame(s) after the last commit were ignored`);
  return { pages, dbPages, committedFrames: committed, ignoredFrames: ignored, stoppedBecause, problems };
}
