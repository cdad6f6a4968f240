// The page path of `recover`: reads every page of a damaged SQLite file itself (plus the committed frames
// of its -wal), classifies it, walks each table's b-tree from its root through the interior pages that
// survive, decodes every table-leaf cell with strict bounds, and attributes pages the trees no longer reach
// by the shape of their records. It returns rows and an honest account of what is missing; writing the new
// DB is writer.ts's job. Work is linear in the file's pages: every page is visited a bounded number of
// times (a page is claimed once; overflow chains and tree walks refuse pages already claimed).

import {
  PAGE_INDEX_INTERIOR,
  PAGE_INDEX_LEAF,
  PAGE_TABLE_INTERIOR,
  PAGE_TABLE_LEAF,
  cellOffsets,
  decodeRecord,
  localPayload,
  parseTableLeafCell,
  readFileHeader,
  readIndexInteriorChildren,
  readPageHeader,
  readSmallVarint,
  readTableInteriorCells,
  type FileHeader,
  type Value,
} from './format.ts';
import { parseCreateTable, type ColumnDef, type TableDef } from './schema.ts';
import { readWal, type WalReading } from './wal.ts';

export interface SchemaEntry {
  type: string;
  name: string;
  tblName: string;
  rootpage: number;
  sql: string | null;
}

export interface RecoveredRow {
  rowid: bigint;
  values: Value[];
}

export interface LostAndFoundRow {
  rootpgno: number | null;
  pgno: number;
  rowid: bigint;
  values: Value[];
  /** Tables whose shape the row fits (empty: none; two or more: ambiguous). */
  candidates: string[];
  why: string;
}

/** A rowid range (lo, hi] the tree says a damaged subtree covered; null bounds are open. */
export interface LostRange {
  lo: bigint | null;
  hi: bigint | null;
  pgno: number;
  why: string;
}

export type LostBasis = 'exact' | 'upper_bound' | 'unknown';

export interface TableAccount {
  table: string;
  recovered: number;
  lostAndFound: number;
  lost: number | null;
  lostBasis: LostBasis;
  /** What the count rests on. */
  lostSource: string;
  reasons: { reason: string; count: number }[];
  note: string | null;
}

export interface SalvagedTable {
  def: TableDef;
  entry: SchemaEntry;
  rows: RecoveredRow[];
  account: TableAccount;
}

export interface PageCensus {
  total: number;
  tableInterior: number;
  tableLeaf: number;
  indexPages: number;
  overflow: number;
  freelist: number;
  /** Pages the header counts that the file does not have (cut short). */
  missing: number;
  /** Pages no tree, freelist or overflow chain reaches, and that are not b-tree pages. */
  unreadable: number;
  /** B-tree pages no tree reaches (decoded on their own). */
  orphan: number;
}

export interface SalvageResult {
  header: FileHeader;
  schema: SchemaEntry[];
  tables: SalvagedTable[];
  /** sqlite_sequence as it was read (table → seq). */
  sequences: Map<string, bigint>;
  lostAndFound: LostAndFoundRow[];
  census: PageCensus;
  wal: WalReading | null;
  notes: string[];
}

/** Facts from outside the file about how many rows a table had (metadata.json, the chat's other DB). */
export interface RowCountHint {
  table: string;
  count: number;
  source: string;
  /** How many independent places gave this same count (metadata.json, profile.db, ...). */
  sources: number;
}

export interface SalvageOptions {
  wal?: Buffer | null;
  hints?: RowCountHint[];
  /** Called now and then with pages done / total; may throw to cancel. */
  progress?: (done: number, total: number, what: string) => void;
}

const MAX_DEPTH = 40;

type Claim = 'tree' | 'freelist' | 'overflow' | 'header';

class Pages {
  readonly pageSize: number;
  readonly usable: number;
  readonly count: number;
  readonly filePages: number;
  private readonly file: Buffer;
  readonly header: FileHeader;
  private readonly wal: WalReading | null;
  constructor(file: Buffer, header: FileHeader, wal: WalReading | null) {
    this.file = file;
    this.header = header;
    this.wal = wal;
    this.pageSize = header.pageSize;
    this.usable = header.usable;
    this.filePages = header.pageCount;
    let count = Math.max(header.pageCount, header.headerPageCount);
    if (wal && wal.dbPages > 0) count = wal.dbPages;
    this.count = count;
  }
  /** The page's bytes (newest committed version), or null when the file does not have it. */
  get(pgno: number): Buffer | null {
    if (pgno < 1 || pgno > this.count) return null;
    const fromWal = this.wal?.pages.get(pgno);
    if (fromWal) return fromWal;
    if (pgno > this.filePages) return null;
    const start = (pgno - 1) * this.pageSize;
    return this.file.subarray(start, start + this.pageSize);
  }
}

interface CellOutcome {
  rowid: bigint;
  values: Value[] | null;
  error: string | null;
}

interface LeafReading {
  cells: CellOutcome[];
  /** Why the page as a whole is unusable (then `cells` is empty). */
  pageError: string | null;
  /** The page's header was invalid and cells were read from its pointer array alone. */
  salvaged: boolean;
  /**
   * The page's space does not add up (cells + free blocks + fragments ≠ the content area): its header may
   * count fewer cells than it holds, so rows may be missing though every listed cell was read.
   */
  suspect: boolean;
}

/** Whether a leaf's content area is exactly its cells plus its free blocks and fragmented bytes. */
function spaceAddsUp(
  page: Buffer,
  header: NonNullable<ReturnType<typeof readPageHeader>>,
  usable: number,
  cellSizes: number[],
): boolean {
  let free = 0;
  let at = header.firstFreeblock;
  for (let guard = 0; at !== 0; guard++) {
    if (guard > usable / 4 || at + 4 > usable) return false;
    const next = page.readUInt16BE(at);
    const size = page.readUInt16BE(at + 2);
    if (size < 4 || at + size > usable || (next !== 0 && next <= at + size - 1)) return false;
    free += size;
    at = next;
  }
  const used = cellSizes.reduce((n, size) => n + Math.max(4, size), 0);
  return used + free + header.fragmented === usable - header.contentStart;
}

class Salvager {
  readonly claims = new Map<number, Claim>();
  readonly notes: string[] = [];
  private readonly encoding: FileHeader['encoding'];
  readonly pages: Pages;
  constructor(pages: Pages) {
    this.pages = pages;
    this.encoding = pages.header.encoding;
  }

  claim(pgno: number, as: Claim): boolean {
    if (pgno < 1 || pgno > this.pages.count || this.claims.has(pgno)) return false;
    this.claims.set(pgno, as);
    return true;
  }

  /** Freelist trunk and leaf pages, with loop and bound checks. */
  readFreelist(): { found: number; problem: string | null } {
    const h = this.pages.header;
    let trunk = h.firstFreelistTrunk;
    let found = 0;
    const maxLeaves = this.pages.usable / 4 - 2;
    while (trunk !== 0) {
      const page = this.pages.get(trunk);
      if (!page) return { found, problem: `freelist trunk page ${trunk} is missing or out of range` };
      if (this.claims.has(trunk)) return { found, problem: `freelist trunk page ${trunk} loops` };
      const next = page.readUInt32BE(0);
      const leaves = page.readUInt32BE(4);
      if (leaves > maxLeaves) return { found, problem: `freelist trunk page ${trunk} is damaged` };
      for (let i = 0; i < leaves; i++) {
        const leaf = page.readUInt32BE(8 + 4 * i);
        if (leaf < 2 || leaf > this.pages.count)
          return { found, problem: `freelist trunk page ${trunk} is damaged` };
      }
      this.claim(trunk, 'freelist');
      found++;
      for (let i = 0; i < leaves; i++) if (this.claim(page.readUInt32BE(8 + 4 * i), 'freelist')) found++;
      trunk = next;
    }
    return {
      found,
      problem:
        found === h.freelistPages
          ? null
          : `the freelist holds ${found} pages, the header says ${h.freelistPages}`,
    };
  }

  /** Reads a table-leaf page's cells; `salvage` reads the pointer array even when the header is bad. */
  readLeaf(pgno: number, page: Buffer, salvage: boolean, lo: bigint | null, hi: bigint | null): LeafReading {
    const usable = this.pages.usable;
    const header = readPageHeader(page, pgno, usable);
    let offsets: number[] | null;
    let salvaged = false;
    const suspect = false;
    if (header && header.type === PAGE_TABLE_LEAF) {
      offsets = cellOffsets(page, header, usable);
      if (!offsets) return { cells: [], pageError: 'a cell pointer is out of bounds', salvaged, suspect };
    } else if (salvage) {
      // The header is damaged: read pointers after it for as long as they point at cells.
      salvaged = true;
      offsets = [];
      const base = pgno === 1 ? 100 : 0;
      for (let p = base + 8; p + 2 <= usable; p += 2) {
        const offset = page.readUInt16BE(p);
        if (offset < p + 2 || offset >= usable) break;
        const cell = parseTableLeafCell(page, offset, usable);
        if (typeof cell === 'string') break;
        offsets.push(offset);
      }
      if (offsets.length === 0)
        return {
          cells: [],
          pageError: header ? 'not a table leaf page' : 'not a b-tree page',
          salvaged,
          suspect,
        };
    } else {
      return {
        cells: [],
        pageError: header ? 'not a table leaf page' : 'not a b-tree page',
        salvaged,
        suspect,
      };
    }
    // Cells must not overlap one another.
    const parsed = offsets.map((offset) => ({ offset, cell: parseTableLeafCell(page, offset, usable) }));
    const byOffset = parsed
      .filter(
        (p): p is { offset: number; cell: Exclude<typeof p.cell, string> } => typeof p.cell !== 'string',
      )
      .sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < byOffset.length; i++) {
      if (byOffset[i - 1]!.cell.end > byOffset[i]!.offset)
        return { cells: [], pageError: 'cells overlap', salvaged, suspect };
    }
    const cells: CellOutcome[] = [];
    let previous: bigint | null = null;
    for (const { cell } of parsed) {
      if (typeof cell === 'string') {
        cells.push({ rowid: 0n, values: null, error: cell });
        continue;
      }
      if (previous !== null && cell.rowid <= previous)
        return { cells: [], pageError: 'rowids out of order', salvaged, suspect };
      previous = cell.rowid;
      if ((lo !== null && cell.rowid <= lo) || (hi !== null && cell.rowid > hi))
        return { cells: [], pageError: 'rowids outside the range its parent gives it', salvaged, suspect };
      const payload = this.payload(page, cell);
      if (typeof payload === 'string') {
        cells.push({ rowid: cell.rowid, values: null, error: payload });
        continue;
      }
      const record = decodeRecord(payload, this.encoding);
      if (typeof record === 'string') cells.push({ rowid: cell.rowid, values: null, error: record });
      else cells.push({ rowid: cell.rowid, values: record.values, error: null });
    }
    const accounted =
      !salvaged &&
      header !== null &&
      byOffset.length === parsed.length &&
      spaceAddsUp(
        page,
        header,
        usable,
        byOffset.map((p) => p.cell.end - p.offset),
      );
    return { cells, pageError: null, salvaged, suspect: !salvaged && !accounted };
  }

  /** A cell's whole payload: local bytes plus its overflow chain (bounds, loops and claims checked). */
  private payload(
    page: Buffer,
    cell: { payloadSize: number; localStart: number; localSize: number; overflow: number },
  ): Buffer | string {
    const local = page.subarray(cell.localStart, cell.localStart + cell.localSize);
    if (cell.overflow === 0) return local;
    const out = Buffer.alloc(cell.payloadSize);
    local.copy(out, 0);
    let at = cell.localSize;
    let pgno = cell.overflow;
    const chain = new Set<number>();
    const per = this.pages.usable - 4;
    while (at < cell.payloadSize) {
      if (pgno < 2 || pgno > this.pages.count) return 'overflow page number out of range';
      if (this.claims.has(pgno) || chain.has(pgno)) return 'overflow chain reaches a page already in use';
      const op = this.pages.get(pgno);
      if (!op) return 'overflow page missing (file cut short)';
      if (readPageHeader(op, pgno, this.pages.usable)) return 'overflow chain reaches a b-tree page';
      const n = Math.min(per, cell.payloadSize - at);
      op.copy(out, at, 4, 4 + n);
      at += n;
      chain.add(pgno);
      pgno = op.readUInt32BE(0);
    }
    if (pgno !== 0) return 'overflow chain does not end where the payload does';
    for (const p of chain) this.claims.set(p, 'overflow');
    return out;
  }

  /** Claims the pages of an index b-tree (content is rebuilt from CREATE INDEX, never read). */
  walkIndex(pgno: number, depth: number): number {
    if (depth > MAX_DEPTH || !this.claim(pgno, 'tree')) return 0;
    const page = this.pages.get(pgno);
    if (!page) return 0;
    const header = readPageHeader(page, pgno, this.pages.usable);
    if (!header || (header.type !== PAGE_INDEX_INTERIOR && header.type !== PAGE_INDEX_LEAF)) return 0;
    let pagesSeen = 1;
    const offsets = cellOffsets(page, header, this.pages.usable);
    if (offsets) {
      // Overflow pages of index cells belong to the index too.
      for (const offset of offsets) {
        const start = header.type === PAGE_INDEX_INTERIOR ? offset + 4 : offset;
        const p = readSmallVarint(page, start, this.pages.usable);
        if (!p || p.value > 0x7fffffff) continue;
        const local = localPayload(p.value, this.pages.usable, true);
        if (local >= p.value || p.next + local + 4 > this.pages.usable) continue;
        let ov = page.readUInt32BE(p.next + local);
        for (let guard = 0; ov !== 0 && guard < this.pages.count; guard++) {
          const op = this.pages.get(ov);
          if (!op || !this.claim(ov, 'overflow')) break;
          pagesSeen++;
          ov = op.readUInt32BE(0);
        }
      }
    }
    if (header.type === PAGE_INDEX_INTERIOR) {
      const children = readIndexInteriorChildren(page, header, this.pages.usable, this.pages.count);
      for (const child of children ?? []) pagesSeen += this.walkIndex(child, depth + 1);
      pagesSeen += this.walkIndex(header.rightChild, depth + 1);
    }
    return pagesSeen;
  }
}

interface TreeWalk {
  leaves: { pgno: number; lo: bigint | null; hi: bigint | null }[];
  lostRanges: LostRange[];
  interiorPages: number;
}

/** Walks a table b-tree from `root`, collecting leaf pages with the rowid range their parents give them. */
function walkTable(s: Salvager, root: number): TreeWalk {
  const walk: TreeWalk = { leaves: [], lostRanges: [], interiorPages: 0 };
  const visit = (pgno: number, lo: bigint | null, hi: bigint | null, depth: number): void => {
    const lose = (why: string): void => void walk.lostRanges.push({ lo, hi, pgno, why });
    if (depth > MAX_DEPTH) return lose('the tree is too deep (a loop?)');
    if (s.claims.has(pgno)) return lose(`page ${pgno} is reached twice (a loop, or damage)`);
    const page = s.pages.get(pgno);
    if (!page)
      return lose(
        pgno > s.pages.count ? `page ${pgno} is out of range` : `page ${pgno} is missing (file cut short)`,
      );
    const header = readPageHeader(page, pgno, s.pages.usable);
    if (header?.type === PAGE_TABLE_INTERIOR) {
      const cells = readTableInteriorCells(page, header, s.pages.usable, s.pages.count);
      const inRange = cells?.every((c) => (lo === null || c.key > lo) && (hi === null || c.key <= hi));
      if (!cells || !inRange) return lose(`interior page ${pgno} is damaged`);
      s.claim(pgno, 'tree');
      walk.interiorPages++;
      let previous = lo;
      for (const cell of cells) {
        visit(cell.child, previous, cell.key, depth + 1);
        previous = cell.key;
      }
      visit(header.rightChild, previous, hi, depth + 1);
      return;
    }
    // A leaf, or a page whose header is damaged: its cells are read (and checked) later.
    s.claim(pgno, 'tree');
    walk.leaves.push({ pgno, lo, hi });
  };
  visit(root, null, null, 0);
  return walk;
}

const SCHEMA_DEF: TableDef = parseCreateTable(
  'sqlite_schema',
  'CREATE TABLE sqlite_schema(type text, name text, tbl_name text, rootpage integer, sql text)',
)!;

function schemaEntryOf(values: Value[]): SchemaEntry | null {
  if (values.length !== 5) return null;
  const [type, name, tblName, rootpage, sql] = values;
  if (typeof type !== 'string' || !['table', 'index', 'view', 'trigger'].includes(type)) return null;
  if (typeof name !== 'string' || typeof tblName !== 'string') return null;
  if (rootpage !== null && typeof rootpage !== 'bigint') return null;
  if (sql !== null && (typeof sql !== 'string' || !/^\s*CREATE\s/i.test(sql))) return null;
  return { type, name, tblName, rootpage: rootpage === null ? 0 : Number(rootpage), sql };
}

/** Why a value may not be stored in a column, or null when it may. */
export function valueViolation(column: ColumnDef, value: Value): string | null {
  if (column.rowidAlias) return value === null ? null : 'the rowid column holds a value';
  if (value === null) return column.notNull ? `NULL in NOT NULL column ${column.name}` : null;
  if (typeof value === 'string' && value.includes('\u0000'))
    return `a NUL character in text of ${column.name}`;
  switch (column.affinity) {
    case 'INTEGER':
      if (typeof value === 'bigint') return null;
      if (typeof value === 'number')
        return Number.isInteger(value) && Math.abs(value) < 2 ** 63
          ? `an integral REAL in INTEGER column ${column.name}`
          : null;
      return `${typeof value === 'string' ? 'text' : 'a blob'} in INTEGER column ${column.name}`;
    case 'REAL':
      return typeof value === 'bigint' || typeof value === 'number'
        ? null
        : `${typeof value === 'string' ? 'text' : 'a blob'} in REAL column ${column.name}`;
    case 'TEXT':
      return typeof value === 'string'
        ? null
        : `${typeof value === 'object' ? 'a blob' : 'a number'} in TEXT column ${column.name}`;
    case 'NUMERIC':
      return Buffer.isBuffer(value) ? `a blob in NUMERIC column ${column.name}` : null;
    case 'BLOB':
      return null;
  }
}

/** Why a record cannot be a row of `def`, or null when it fits (fewer fields: columns added later). */
function rowViolation(def: TableDef, values: Value[], exactShape: boolean): string | null {
  if (values.length > def.stored.length) return `${values.length} values for ${def.stored.length} columns`;
  if (exactShape && values.length !== def.stored.length)
    return `${values.length} values for ${def.stored.length} columns`;
  if (values.length === 0) return 'an empty record';
  for (let i = 0; i < values.length; i++) {
    const why = valueViolation(def.stored[i]!, values[i]!);
    if (why) return why;
  }
  for (let i = values.length; i < def.stored.length; i++) {
    if (def.stored[i]!.notNull) return `NULL in NOT NULL column ${def.stored[i]!.name}`;
  }
  return null;
}

/** Merged, sorted, disjoint (lo, hi] ranges: membership by binary search (linear work overall). */
class RangeSet {
  readonly ranges: LostRange[];
  constructor(ranges: LostRange[]) {
    this.ranges = mergeRanges(ranges);
  }
  has(rowid: bigint): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    let found = -1;
    // The last range whose lower bound is below rowid.
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid]!;
      if (r.lo === null || r.lo < rowid) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return false;
    const r = this.ranges[found]!;
    return r.hi === null || rowid <= r.hi;
  }
}

/** How many of the sorted `ids` are in (lo, hi]. */
function countBetween(ids: bigint[], lo: bigint, hi: bigint): number {
  const firstAbove = (x: bigint): number => {
    let a = 0;
    let b = ids.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (ids[m]! <= x) a = m + 1;
      else b = m;
    }
    return a;
  };
  return firstAbove(hi) - firstAbove(lo);
}

interface TableState {
  def: TableDef;
  entry: SchemaEntry;
  walk: TreeWalk;
  rows: Map<bigint, Value[]>;
  reasons: Map<string, number>;
  /** Rows known to be lost one by one (cells that failed to decode or to fit). */
  knownLost: number;
  /** Rowids of lost cells (when the rowid itself was readable), to not count them twice. */
  lostRowids: Set<bigint>;
  lostAndFound: Set<bigint>;
  salvagedPages: number;
}

function addReason(t: TableState, reason: string, n = 1): void {
  t.reasons.set(reason, (t.reasons.get(reason) ?? 0) + n);
}

export function salvage(file: Buffer, options: SalvageOptions = {}): SalvageResult {
  const header = readFileHeader(file);
  if (!header) throw new Error('not an SQLite file (its header is not there)');
  const wal = options.wal ? readWal(options.wal, header.pageSize) : null;
  const pages = new Pages(file, header, wal);
  const s = new Salvager(pages);
  const notes: string[] = [...header.problems];
  if (wal) {
    notes.push(
      wal.committedFrames > 0
        ? `${wal.committedFrames} committed frame(s) of the -wal applied`
        : 'the -wal holds no committed frame',
    );
    if (wal.ignoredFrames > 0)
      notes.push(`${wal.ignoredFrames} -wal frame(s) ignored: ${wal.stoppedBecause}`);
  }
  // Pages done of the file's pages: those the trees reached and read, then the rest as it is scanned.
  const report = options.progress ?? (() => {});
  let reported = 0;
  const progress = (done: number, total: number, what: string): void => {
    reported = Math.min(total, Math.max(reported, done));
    report(reported, total, what);
  };
  const total = pages.count;
  if (pages.count > pages.filePages && !(wal && wal.dbPages >= pages.count))
    notes.push(`the file is cut short: ${pages.count - pages.filePages} page(s) missing at its end`);

  // 1. The freelist (its pages hold deleted content: never read as rows).
  const free = s.readFreelist();
  if (free.problem) notes.push(`freelist: ${free.problem}`);

  // 2. The schema, from page 1's tree; salvaged from orphan pages if that tree is damaged.
  const schemaWalk = walkTable(s, 1);
  const schema: SchemaEntry[] = [];
  const schemaNames = new Set<string>();
  const addSchema = (values: Value[] | null): void => {
    const entry = values ? schemaEntryOf(values) : null;
    if (entry && !schemaNames.has(entry.name)) {
      schemaNames.add(entry.name);
      schema.push(entry);
    }
  };
  let schemaDamaged = schemaWalk.lostRanges.length > 0;
  for (const leaf of schemaWalk.leaves) {
    const page = pages.get(leaf.pgno)!;
    const reading = s.readLeaf(leaf.pgno, page, true, leaf.lo, leaf.hi);
    if (reading.pageError || reading.salvaged || reading.suspect) schemaDamaged = true;
    for (const cell of reading.cells) addSchema(cell.values);
  }
  if (schemaDamaged) notes.push('the schema table is damaged: the rest of it was searched for on every page');

  // 3. Every table's and index's tree from its root.
  const tables: TableState[] = [];
  const sequenceState: { state: TableState | null } = { state: null };
  for (const entry of schema) {
    if (entry.type === 'index' && entry.rootpage > 0) s.walkIndex(entry.rootpage, 0);
    if (entry.type !== 'table' || entry.rootpage <= 0 || !entry.sql) continue;
    const def = parseCreateTable(entry.name, entry.sql);
    if (!def) {
      notes.push(
        `table ${entry.name}: its CREATE statement is not one this reader understands; not recovered`,
      );
      continue;
    }
    if (def.withoutRowid) {
      s.walkIndex(entry.rootpage, 0);
      notes.push(`table ${entry.name} is WITHOUT ROWID: the page reader does not recover such tables`);
      continue;
    }
    const state: TableState = {
      def,
      entry,
      walk: walkTable(s, entry.rootpage),
      rows: new Map(),
      reasons: new Map(),
      knownLost: 0,
      lostRowids: new Set(),
      lostAndFound: new Set(),
      salvagedPages: 0,
    };
    tables.push(state);
    if (entry.name === 'sqlite_sequence') sequenceState.state = state;
  }

  if (!tables.some((t) => t.entry.name !== 'sqlite_sequence'))
    notes.push('no table definition could be read: every row found is kept in lost_and_found');

  // 4. Leaves reached from the roots: decode, check, keep.
  let done = 0;
  for (const t of tables) {
    for (const leaf of t.walk.leaves) {
      if (++done % 256 === 0) progress(s.claims.size, total, `reading ${t.def.name}`);
      const page = pages.get(leaf.pgno)!;
      const reading = s.readLeaf(leaf.pgno, page, true, leaf.lo, leaf.hi);
      if (reading.pageError) {
        t.walk.lostRanges.push({
          lo: leaf.lo,
          hi: leaf.hi,
          pgno: leaf.pgno,
          why: `page ${leaf.pgno}: ${reading.pageError}`,
        });
        continue;
      }
      if (reading.salvaged || reading.suspect) {
        // Cells read past a damaged header, or a page whose space does not add up: it may have held more.
        t.salvagedPages++;
        t.walk.lostRanges.push({
          lo: leaf.lo,
          hi: leaf.hi,
          pgno: leaf.pgno,
          why: `page ${leaf.pgno}: ${reading.salvaged ? 'damaged header' : 'its space does not add up'}`,
        });
      }
      for (const cell of reading.cells) {
        if (!cell.values) {
          t.knownLost++;
          addReason(t, `undecodable cell: ${cell.error}`);
          continue;
        }
        const why = rowViolation(t.def, cell.values, false);
        if (why) {
          t.knownLost++;
          t.lostRowids.add(cell.rowid);
          addReason(t, why);
          continue;
        }
        t.rows.set(cell.rowid, cell.values);
      }
    }
  }

  // 5. B-tree pages no tree reaches: the schema (if damaged), then rows attributed by shape.
  const lostAndFound: LostAndFoundRow[] = [];
  const census: PageCensus = {
    total: pages.count,
    tableInterior: 0,
    tableLeaf: 0,
    indexPages: 0,
    overflow: 0,
    freelist: 0,
    missing: Math.max(0, pages.count - Math.max(pages.filePages, wal?.dbPages ?? 0)),
    unreadable: 0,
    orphan: 0,
  };
  const orphans: { pgno: number; cells: CellOutcome[] }[] = [];
  for (let pgno = 2; pgno <= pages.count; pgno++) {
    if (pgno % 1024 === 0) progress(s.claims.size + pgno / 2, total, 'reading pages no tree reaches');
    if (s.claims.has(pgno)) continue;
    const page = pages.get(pgno);
    if (!page) continue;
    const h = readPageHeader(page, pgno, pages.usable);
    if (!h) continue;
    if (h.type === PAGE_TABLE_LEAF) {
      const reading = s.readLeaf(pgno, page, false, null, null);
      if (!reading.pageError) {
        s.claims.set(pgno, 'tree');
        orphans.push({ pgno, cells: reading.cells });
      }
    } else if (
      h.type === PAGE_TABLE_INTERIOR ||
      h.type === PAGE_INDEX_INTERIOR ||
      h.type === PAGE_INDEX_LEAF
    ) {
      census.orphan++;
    }
  }
  if (schemaDamaged) {
    for (const o of orphans)
      for (const c of o.cells) if (c.values && c.values.length === 5) addSchema(c.values);
  }
  const damaged = tables.filter((t) => t.walk.lostRanges.length > 0);
  const lostSets = new Map(damaged.map((t) => [t, new RangeSet(t.walk.lostRanges)]));
  for (const o of orphans) {
    census.orphan++;
    const valid = o.cells.filter((c): c is CellOutcome & { values: Value[] } => c.values !== null);
    // Schema rows found on an orphan page are not data.
    if (valid.length > 0 && valid.every((c) => schemaEntryOf(c.values) !== null) && schemaDamaged) continue;
    const fits = damaged.filter(
      (t) =>
        valid.length > 0 &&
        valid.every((c) => c.values.length === t.def.stored.length && lostSets.get(t)!.has(c.rowid)) &&
        valid.some((c) => rowViolation(t.def, c.values, true) === null),
    );
    if (fits.length === 1) {
      const t = fits[0]!;
      for (const c of o.cells) {
        if (!c.values) {
          t.knownLost++;
          addReason(t, `undecodable cell: ${c.error}`);
          continue;
        }
        const why = rowViolation(t.def, c.values, true);
        if (why) {
          t.knownLost++;
          t.lostRowids.add(c.rowid);
          addReason(t, why);
          continue;
        }
        const existing = t.rows.get(c.rowid);
        if (existing) {
          if (sameValues(existing, c.values)) continue;
          t.lostAndFound.add(c.rowid);
          lostAndFound.push({
            rootpgno: t.entry.rootpage,
            pgno: o.pgno,
            rowid: c.rowid,
            values: c.values,
            candidates: [t.def.name],
            why: 'a second, different row with the same rowid',
          });
          continue;
        }
        t.rows.set(c.rowid, c.values);
      }
      continue;
    }
    const candidates = tables
      .filter((t) => valid.every((c) => c.values.length === t.def.stored.length))
      .map((t) => t.def.name);
    for (const c of valid) {
      lostAndFound.push({
        rootpgno: null,
        pgno: o.pgno,
        rowid: c.rowid,
        values: c.values,
        candidates: fits.length > 1 ? fits.map((t) => t.def.name) : [],
        why:
          fits.length > 1
            ? `fits several tables (${fits.map((t) => t.def.name).join(', ')})`
            : candidates.length
              ? 'a page no table reaches (stale or freed content)'
              : 'fits no table',
      });
    }
  }

  // 6. Census of the rest.
  const orphanPages = new Set(orphans.map((o) => o.pgno));
  for (let pgno = 1; pgno <= pages.count; pgno++) {
    const claim = s.claims.get(pgno);
    if (claim === 'freelist') census.freelist++;
    else if (claim === 'overflow') census.overflow++;
    else if (claim === 'tree') {
      const page = pages.get(pgno);
      const type = page ? page[pgno === 1 ? 100 : 0] : undefined;
      if (type === PAGE_TABLE_INTERIOR) census.tableInterior++;
      else if (type === PAGE_TABLE_LEAF) census.tableLeaf++;
      else if (type === PAGE_INDEX_INTERIOR || type === PAGE_INDEX_LEAF) census.indexPages++;
      else census.unreadable++;
    } else if (pages.get(pgno) && !orphanPages.has(pgno)) {
      const page = pages.get(pgno)!;
      if (!readPageHeader(page, pgno, pages.usable)) census.unreadable++;
    }
  }

  // 7. sqlite_sequence, then the account of every table.
  const sequences = new Map<string, bigint>();
  if (sequenceState.state) {
    for (const [, values] of sequenceState.state.rows) {
      if (typeof values[0] === 'string' && typeof values[1] === 'bigint') sequences.set(values[0], values[1]);
    }
  }
  const sequenceIntact =
    sequenceState.state !== null &&
    sequenceState.state.walk.lostRanges.length === 0 &&
    sequenceState.state.knownLost === 0;
  const hints = new Map((options.hints ?? []).map((h) => [h.table, h]));
  const out: SalvagedTable[] = [];
  for (const t of tables) {
    if (t.entry.name === 'sqlite_sequence') continue;
    const rows = [...t.rows.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([rowid, values]) => ({ rowid, values }));
    const seq = sequenceIntact || sequences.has(t.def.name) ? (sequences.get(t.def.name) ?? null) : null;
    const account = accountFor(
      t,
      rows,
      seq,
      t.def.autoincrement && sequenceIntact,
      hints.get(t.def.name) ?? null,
    );
    out.push({ def: t.def, entry: t.entry, rows, account });
  }
  progress(total, total, 'pages read');
  return { header, schema, tables: out, sequences, lostAndFound, census, wal, notes };
}

function sameValues(a: Value[], b: Value[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) {
      if (!x.equals(y)) return false;
    } else if (x !== y) return false;
  }
  return true;
}

/**
 * How many rows a table lost, and how that is known:
 * - its tree is whole: exactly the cells that failed their checks;
 * - a count from outside the file (metadata.json, the chat's other DB) that agrees with what the file
 *   says (at least the rows known lost, at most the bound): exact;
 * - otherwise the rowid ranges the surviving interior pages give each damaged subtree, capped by
 *   sqlite_sequence (rowids never pass it), minus the rows found in them: an upper bound;
 * - a damaged right edge with no sqlite_sequence to cap it: unknown.
 */
function accountFor(
  t: TableState,
  rows: RecoveredRow[],
  seq: bigint | null,
  seqCapsRowids: boolean,
  hint: RowCountHint | null,
): TableAccount {
  const recovered = rows.length;
  const lostAndFound = t.lostAndFound.size;
  const reasons = [...t.reasons.entries()].map(([reason, count]) => ({ reason, count }));
  const base = { table: t.def.name, recovered, lostAndFound, reasons };
  if (t.walk.lostRanges.length === 0) {
    return {
      ...base,
      lost: t.knownLost,
      lostBasis: 'exact',
      lostSource: 'tree',
      note: t.knownLost ? 'every page of the table was read; the lost rows failed their checks' : null,
    };
  }
  // Upper bound: rowid slots in the damaged ranges not filled by a recovered row.
  let bound: bigint | null = 0n;
  const recoveredIds = rows.map((r) => r.rowid);
  // Rowids assigned by SQLite start at 1 (an application could insert lower ones: then this bound is wrong).
  const floor = 0n;
  const ceiling = seqCapsRowids && seq !== null ? seq : null;
  const merged = mergeRanges(t.walk.lostRanges);
  for (const r of merged) {
    const lo = r.lo === null || r.lo < floor ? floor : r.lo;
    const hi = r.hi === null ? ceiling : ceiling !== null && r.hi > ceiling ? ceiling : r.hi;
    if (hi === null) {
      bound = null;
      break;
    }
    if (hi <= lo) continue;
    bound! += hi - lo - BigInt(countBetween(recoveredIds, lo, hi));
  }
  const mergedSet = new RangeSet(merged);
  let knownOutside = 0;
  for (const id of t.lostRowids) if (!mergedSet.has(id)) knownOutside++;
  const knownLostOutsideRanges = t.knownLost - (t.lostRowids.size - knownOutside);
  const upper = bound === null ? null : Number(bound) + knownLostOutsideRanges - lostAndFound;
  const ranges = merged
    .slice(0, 4)
    .map((r) => `${r.lo === null ? '…' : (r.lo + 1n).toString()}–${r.hi === null ? '…' : r.hi.toString()}`)
    .join(', ');
  const where = `rowids ${ranges}${merged.length > 4 ? ', …' : ''} were on damaged pages`;
  let hintNote = '';
  if (hint) {
    const lost = hint.count - recovered - lostAndFound;
    // One outside count is trusted only when something else says the same: a second source, or
    // sqlite_sequence (as many rows as ids ever given: none was deleted).
    const corroborated = hint.sources >= 2 || (seq !== null && BigInt(hint.count) === seq);
    const fits = lost >= t.knownLost && (upper === null || lost <= upper);
    if (!corroborated && fits)
      hintNote = `; ${hint.source} says ${hint.count} rows (${lost} lost), but nothing else confirms it`;
    if (corroborated && fits) {
      return {
        ...base,
        lost,
        lostBasis: 'exact',
        lostSource: hint.source,
        note: `${where}; the count comes from ${hint.source}`,
      };
    }
    if (!fits && upper === null)
      return {
        ...base,
        lost: null,
        lostBasis: 'unknown',
        lostSource: 'none',
        note: `${where}; ${hint.source} says ${hint.count} rows, which does not agree with the file`,
      };
  }
  if (upper === null) {
    return {
      ...base,
      lost: null,
      lostBasis: 'unknown',
      lostSource: 'none',
      note: `${where}; the last rows' page is damaged and nothing says how many rows came after${hintNote}`,
    };
  }
  return {
    ...base,
    lost: upper,
    lostBasis: 'upper_bound',
    lostSource: ceiling !== null ? 'rowid ranges and sqlite_sequence' : 'rowid ranges',
    note: `${where}; at most ${upper} rows were lost (rowids assigned in order, none deleted, would make it exact)${hintNote}`,
  };
}

function mergeRanges(ranges: LostRange[]): LostRange[] {
  const sorted = [...ranges].sort((a, b) =>
    a.lo === null ? -1 : b.lo === null ? 1 : a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0,
  );
  const out: LostRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && (last.hi === null || (r.lo !== null && r.lo <= last.hi) || r.lo === null)) {
      if (last.hi !== null && (r.hi === null || r.hi > last.hi)) last.hi = r.hi;
      continue;
    }
    out.push({ ...r });
  }
  return out;
}

export { SCHEMA_DEF };
