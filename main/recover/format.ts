// A reader of the SQLite file format (https://www.sqlite.org/fileformat2.html) that trusts nothing it
// reads: every offset, length, page number and varint is checked against the page and the file before it
// is used, so a damaged page yields "invalid" and never a made-up row, an out-of-bounds read or a loop.

import { headerSaysWal } from '../sqlite/header.ts';

export const HEADER_BYTES = 100;
const MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

export const PAGE_TABLE_INTERIOR = 0x05;
export const PAGE_TABLE_LEAF = 0x0d;
export const PAGE_INDEX_INTERIOR = 0x02;
export const PAGE_INDEX_LEAF = 0x0a;

export type TextEncodingName = 'utf8' | 'utf16le' | 'utf16be';

export interface FileHeader {
  pageSize: number;
  /** Usable bytes per page (page size minus the reserved tail). */
  usable: number;
  /** Pages in the file as the bytes on disk have them (a partial last page is not counted). */
  pageCount: number;
  /**
   * The page count in the header, when SQLite itself would trust it (its version-valid-for number matches
   * the change counter), else 0. It says how long a file cut short was.
   */
  headerPageCount: number;
  firstFreelistTrunk: number;
  freelistPages: number;
  encoding: TextEncodingName;
  userVersion: number;
  applicationId: number;
  wal: boolean;
  /** Problems with the header that the reader worked around. */
  problems: string[];
  /**
   * The header's page-size field (as stored, 1 = 65536) when it was invalid or did not match the pages and
   * the page size was inferred from the pages themselves; null when the header's was used.
   */
  pageSizeInferredFrom: number | null;
}

const VALID_PAGE_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

/** Where a b-tree page's cell (at `offset`) ends, or null when it runs past `usable`. */
function cellEnd(page: Buffer, type: number, offset: number, usable: number): number | null {
  if (type === PAGE_TABLE_INTERIOR) return readVarint(page, offset + 4, usable)?.next ?? null;
  const index = type === PAGE_INDEX_LEAF || type === PAGE_INDEX_INTERIOR;
  const p = readSmallVarint(page, type === PAGE_INDEX_INTERIOR ? offset + 4 : offset, usable);
  if (!p) return null;
  let at = p.next;
  if (type === PAGE_TABLE_LEAF) {
    const r = readVarint(page, at, usable);
    if (!r) return null;
    at = r.next;
  }
  const local = localPayload(p.value, usable, index);
  return at + local + (local < p.value ? 4 : 0);
}

/**
 * Whether `page` reads as a whole b-tree page of `usable` bytes: a valid header, every cell inside the
 * content area, and that area running exactly to the page's end (SQLite fills pages from the end). A page
 * size too large leaves the content area ending short of the page; one too small cuts cells off.
 */
function soundPage(page: Buffer, pgno: number, usable: number): boolean {
  const header = readPageHeader(page, pgno, usable);
  if (!header) return false;
  if (header.cellCount === 0) return header.contentStart === usable;
  const offsets = cellOffsets(page, header, usable);
  if (!offsets) return false;
  let end = 0;
  for (const offset of offsets) {
    const e = cellEnd(page, header.type, offset, usable);
    if (e === null || e > usable) return false;
    end = Math.max(end, e);
  }
  for (let at = header.firstFreeblock, guard = 0; at !== 0 && guard < usable / 4; guard++) {
    if (at + 4 > usable) return false;
    end = Math.max(end, at + page.readUInt16BE(at + 2));
    at = page.readUInt16BE(at);
  }
  return end === usable;
}

function usableOf(pageSize: number, reserved: number): number {
  return pageSize - (pageSize - reserved >= 480 ? reserved : 0);
}

/**
 * The page size the pages themselves have: of the valid sizes that divide the file, the one under which
 * page 1 (its b-tree header at offset 100) is sound and the most pages are sound b-tree pages; null when
 * no size makes page 1 sound.
 */
export function inferPageSize(file: Buffer, reserved: number): number | null {
  let best: { size: number; sound: number } | null = null;
  for (const size of VALID_PAGE_SIZES) {
    if (file.length < size || file.length % size !== 0) continue;
    const usable = usableOf(size, reserved);
    if (!soundPage(file.subarray(0, size), 1, usable)) continue;
    let sound = 1;
    for (let start = size; start + size <= file.length; start += size)
      if (soundPage(file.subarray(start, start + size), 2, usable)) sound++;
    if (!best || sound > best.sound) best = { size, sound };
  }
  return best?.size ?? null;
}

/** The header's facts, or null when the first 100 bytes are not an SQLite header at all. */
export function readFileHeader(file: Buffer): FileHeader | null {
  if (file.length < HEADER_BYTES || !file.subarray(0, 16).equals(MAGIC)) return null;
  const problems: string[] = [];
  const raw = file.readUInt16BE(16);
  let pageSize = raw === 1 ? 65536 : raw;
  let pageSizeInferredFrom: number | null = null;
  const valid = VALID_PAGE_SIZES.includes(pageSize);
  // A valid size is checked against the pages only as far as page 1 and the file's length (cheap); the
  // whole file is read under every size only when those disagree.
  const fits =
    valid &&
    file.length % pageSize === 0 &&
    soundPage(file.subarray(0, pageSize), 1, usableOf(pageSize, file[20]!));
  if (!fits) {
    const inferred = inferPageSize(file, file[20]!);
    if (inferred !== null && inferred !== pageSize) {
      problems.push(
        `the header's page size (${raw}) ${valid ? 'does not match the pages' : 'is not valid'}; ${inferred} inferred from the pages`,
      );
      pageSize = inferred;
      pageSizeInferredFrom = raw;
    } else if (!valid) {
      problems.push(`the header's page size (${raw}) is not valid; 4096 assumed`);
      pageSize = 4096;
    }
  }
  let reserved = file[20]!;
  if (pageSize - reserved < 480) {
    problems.push(`the header's reserved bytes per page (${reserved}) are not valid; 0 assumed`);
    reserved = 0;
  }
  const enc = file.readUInt32BE(56);
  const encoding: TextEncodingName = enc === 2 ? 'utf16le' : enc === 3 ? 'utf16be' : 'utf8';
  if (enc !== 0 && enc !== 1 && enc !== 2 && enc !== 3)
    problems.push(`the header's text encoding (${enc}) is not valid; UTF-8 assumed`);
  return {
    pageSize,
    usable: pageSize - reserved,
    pageCount: Math.floor(file.length / pageSize),
    headerPageCount: file.readUInt32BE(92) === file.readUInt32BE(24) ? file.readUInt32BE(28) : 0,
    firstFreelistTrunk: file.readUInt32BE(32),
    freelistPages: file.readUInt32BE(36),
    encoding,
    userVersion: file.readInt32BE(60),
    applicationId: file.readInt32BE(68),
    wal: headerSaysWal(file),
    problems,
    pageSizeInferredFrom,
  };
}

/** A varint at `pos` (1–9 bytes, big-endian base 128), or null when it runs past `end`. */
export function readVarint(buf: Buffer, pos: number, end: number): { value: bigint; next: number } | null {
  let value = 0n;
  for (let i = 0; i < 8; i++) {
    if (pos + i >= end) return null;
    const byte = buf[pos + i]!;
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) return { value: BigInt.asIntN(64, value), next: pos + i + 1 };
  }
  if (pos + 8 >= end) return null;
  value = (value << 8n) | BigInt(buf[pos + 8]!);
  return { value: BigInt.asIntN(64, value), next: pos + 9 };
}

/** A small varint (a length or a serial type) as a number: faster than the bigint path for the hot loop. */
export function readSmallVarint(
  buf: Buffer,
  pos: number,
  end: number,
): { value: number; next: number } | null {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (pos + i >= end) return null;
    const byte = buf[pos + i]!;
    if (i === 8) return { value: value * 256 + byte, next: pos + 9 };
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return { value, next: pos + i + 1 };
  }
  return null;
}

export interface PageHeader {
  type: number;
  /** Offset of the b-tree page header inside the page (100 on page 1). */
  headerOffset: number;
  firstFreeblock: number;
  cellCount: number;
  contentStart: number;
  fragmented: number;
  /** Interior pages: the right-most child. */
  rightChild: number;
  /** Offset (inside the page) of the cell pointer array. */
  pointers: number;
}

/** The b-tree page header of `page`, or null when it is not a plausible b-tree page. */
export function readPageHeader(page: Buffer, pgno: number, usable: number): PageHeader | null {
  const headerOffset = pgno === 1 ? HEADER_BYTES : 0;
  if (page.length < headerOffset + 8) return null;
  const type = page[headerOffset]!;
  const interior = type === PAGE_TABLE_INTERIOR || type === PAGE_INDEX_INTERIOR;
  if (!interior && type !== PAGE_TABLE_LEAF && type !== PAGE_INDEX_LEAF) return null;
  const size = interior ? 12 : 8;
  const cellCount = page.readUInt16BE(headerOffset + 3);
  const rawStart = page.readUInt16BE(headerOffset + 5);
  const contentStart = rawStart === 0 ? 65536 : rawStart;
  const pointers = headerOffset + size;
  // The pointer array must fit before the cell content, and the content inside the usable area.
  if (pointers + 2 * cellCount > Math.min(contentStart, usable)) return null;
  if (contentStart > usable && cellCount > 0) return null;
  const firstFreeblock = page.readUInt16BE(headerOffset + 1);
  if (firstFreeblock !== 0 && (firstFreeblock < pointers + 2 * cellCount || firstFreeblock > usable - 4))
    return null;
  const fragmented = page[headerOffset + 7]!;
  if (fragmented > 60) return null;
  const rightChild = interior ? page.readUInt32BE(headerOffset + 8) : 0;
  if (interior && rightChild === 0) return null;
  return { type, headerOffset, firstFreeblock, cellCount, contentStart, fragmented, rightChild, pointers };
}

/** How many payload bytes a cell keeps on its page (the rest is on overflow pages). */
export function localPayload(payload: number, usable: number, index: boolean): number {
  const maxLocal = index ? Math.floor(((usable - 12) * 64) / 255) - 23 : usable - 35;
  if (payload <= maxLocal) return payload;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = minLocal + ((payload - minLocal) % (usable - 4));
  return k <= maxLocal ? k : minLocal;
}

export type Value = null | bigint | number | string | Buffer;

export interface DecodedRecord {
  values: Value[];
  /** Serial types as read (for type checks: an integer stored in a REAL column is still a REAL). */
  serialTypes: number[];
}

const decoders: Record<TextEncodingName, TextDecoder> = {
  utf8: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }),
  utf16le: new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }),
  utf16be: new TextDecoder('utf-16be', { fatal: true, ignoreBOM: true }),
};

function contentSize(serialType: number): number {
  if (serialType < 12) return [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, -1, -1][serialType]!;
  return Math.floor((serialType - 12) / 2);
}

export type RecordError = string;

/**
 * Decodes a record (header of serial types, then the values). The header must account for exactly the
 * payload's bytes, no serial type may be reserved (10, 11), and text must be valid in the DB's encoding.
 */
export function decodeRecord(payload: Buffer, encoding: TextEncodingName): DecodedRecord | RecordError {
  const head = readSmallVarint(payload, 0, payload.length);
  if (!head) return 'record header size runs past the payload';
  const headerSize = head.value;
  if (headerSize < head.next || headerSize > payload.length) return 'record header size out of bounds';
  const serialTypes: number[] = [];
  let pos = head.next;
  let body = 0;
  while (pos < headerSize) {
    const st = readSmallVarint(payload, pos, headerSize);
    if (!st) return 'serial type runs past the record header';
    if (st.value === 10 || st.value === 11) return 'reserved serial type';
    if (st.value > 0x7fffffff) return 'serial type out of range';
    serialTypes.push(st.value);
    body += contentSize(st.value);
    pos = st.next;
  }
  if (headerSize + body !== payload.length) return 'record length does not match its header';
  const values: Value[] = [];
  let at = headerSize;
  for (const st of serialTypes) {
    const size = contentSize(st);
    let value: Value;
    switch (st) {
      case 0:
        value = null;
        break;
      case 1:
        value = BigInt(payload.readInt8(at));
        break;
      case 2:
        value = BigInt(payload.readInt16BE(at));
        break;
      case 3:
        value = BigInt(payload.readIntBE(at, 3));
        break;
      case 4:
        value = BigInt(payload.readInt32BE(at));
        break;
      case 5:
        value = BigInt(payload.readIntBE(at, 6));
        break;
      case 6:
        value = payload.readBigInt64BE(at);
        break;
      case 7:
        value = payload.readDoubleBE(at);
        if (Number.isNaN(value)) return 'a REAL value is NaN';
        break;
      case 8:
        value = 0n;
        break;
      case 9:
        value = 1n;
        break;
      default:
        if (st % 2 === 0) value = Buffer.from(payload.subarray(at, at + size));
        else {
          try {
            value = decoders[encoding].decode(payload.subarray(at, at + size));
          } catch {
            return 'text that is not valid in the DB encoding';
          }
        }
    }
    values.push(value);
    at += size;
  }
  return { values, serialTypes };
}

/** The on-page extent of a table-leaf cell and where its payload is, or why it is invalid. */
export interface LeafCell {
  rowid: bigint;
  payloadSize: number;
  /** Offset and length of the local part of the payload inside the page. */
  localStart: number;
  localSize: number;
  /** First overflow page, 0 when the payload is all local. */
  overflow: number;
  /** Offset just past the cell. */
  end: number;
}

export function parseTableLeafCell(page: Buffer, offset: number, usable: number): LeafCell | string {
  const p = readSmallVarint(page, offset, usable);
  if (!p) return 'cell payload size runs past the page';
  if (p.value > 0x7fffffff) return 'cell payload size out of range';
  const r = readVarint(page, p.next, usable);
  if (!r) return 'cell rowid runs past the page';
  const local = localPayload(p.value, usable, false);
  const overflow = local < p.value;
  const end = r.next + local + (overflow ? 4 : 0);
  if (end > usable) return 'cell runs past the page';
  return {
    rowid: r.value,
    payloadSize: p.value,
    localStart: r.next,
    localSize: local,
    overflow: overflow ? page.readUInt32BE(r.next + local) : 0,
    end,
  };
}

/** Cell offsets of a page, checked: inside the content area, in bounds. */
export function cellOffsets(page: Buffer, header: PageHeader, usable: number): number[] | null {
  const out: number[] = [];
  const minOffset = header.pointers + 2 * header.cellCount;
  for (let i = 0; i < header.cellCount; i++) {
    const offset = page.readUInt16BE(header.pointers + 2 * i);
    if (offset < minOffset || offset < header.contentStart || offset >= usable) return null;
    out.push(offset);
  }
  return out;
}

/** Interior table cells: (left child, key). */
export function readTableInteriorCells(
  page: Buffer,
  header: PageHeader,
  usable: number,
  pageCount: number,
): { child: number; key: bigint }[] | null {
  const offsets = cellOffsets(page, header, usable);
  if (!offsets) return null;
  const out: { child: number; key: bigint }[] = [];
  for (const offset of offsets) {
    if (offset + 5 > usable) return null;
    const child = page.readUInt32BE(offset);
    if (child < 1 || child > pageCount) return null;
    const key = readVarint(page, offset + 4, usable);
    if (!key) return null;
    out.push({ child, key: key.value });
  }
  // Keys of an interior page are strictly increasing.
  for (let i = 1; i < out.length; i++) if (out[i]!.key <= out[i - 1]!.key) return null;
  if (header.rightChild > pageCount) return null;
  return out;
}

/** Interior index cells: only the left children matter (index content is rebuilt, never read). */
export function readIndexInteriorChildren(
  page: Buffer,
  header: PageHeader,
  usable: number,
  pageCount: number,
): number[] | null {
  const offsets = cellOffsets(page, header, usable);
  if (!offsets) return null;
  const out: number[] = [];
  for (const offset of offsets) {
    if (offset + 4 > usable) return null;
    const child = page.readUInt32BE(offset);
    if (child < 1 || child > pageCount) return null;
    out.push(child);
  }
  if (header.rightChild > pageCount) return null;
  return out;
}
