// `recover`: salvage what is readable from a damaged DB into a new file with the original schema.
//
// The damaged file is never modified: it (and any -wal/-journal beside it) is copied into a private temp
// folder and read there. First VACUUM INTO (fast, complete when every page is readable). When that fails:
// the schema is recreated from sqlite_schema's SQL (tables first; indexes, triggers and views after the
// data), then each table is copied in rowid order, batch by batch; a batch that hits a damaged page is
// narrowed down row by row, and the unreadable stretch of rowids is skipped by probing for the next
// readable rowid (exponential steps, then a binary search). Rows lost per table are reported: exactly 0 when
// nothing failed, an estimate from the rowid gaps when ids are assigned in order, or "unknown".

import {
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdtempSync,
  openSync,
  readSync,
  statSync,
  truncateSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { RecoverResult, RecoverTable } from '../../shared/contract/backup.ts';
import { AppError } from '../../shared/errors.ts';
import { throwIfCancelled, type JobContext } from '../jobs/job.ts';
import type Database from '../sqlite/driver.ts';
import { openPrivateReadonly, type Reader } from '../sqlite/readable.ts';
import { openForWrite } from '../sqlite/write.ts';
import { readHeader } from '../sqlite/header.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { crashPoint, fsyncFile, removeQuietly, requireAbsent, tempBeside } from './fs.ts';
import { describeError, quickCheck, quickCheckFile, sqliteErrorCode } from './sqlite-util.ts';
import { swapInto } from './swap.ts';

export interface RecoverOptions {
  path: string;
  /** The new DB (must not exist). Optional with intoPlace. */
  out?: string | undefined;
  /** Put the recovered DB in place of the damaged one (kept as .bak-<time>) through the restore swap. */
  intoPlace?: boolean;
  waitMs?: number | undefined;
  now?: Date;
  /** Rows per read batch. */
  batchSize?: number;
}

const MAX_ROWID = 2n ** 63n - 1n;

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

interface TableCopy {
  recovered: number;
  failed: [bigint, bigint | null][];
  maxRowid: bigint | null;
  rejected: number;
  note: string | null;
  lostUnknown: boolean;
}

function isCorruption(error: unknown): boolean {
  const code = sqliteErrorCode(error);
  return code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_NOTADB';
}

/** Copies the damaged file and its sidecars into a private folder: everything after reads only the copy. */
function privateCopy(source: string, dir: string): string {
  const copy = join(dir, 'damaged.db');
  copyFileSync(source, copy);
  // A file cut in the middle of a page: SQLite would read the missing tail of that page as zeros and return
  // made-up rows from it. Dropping the partial page makes it fail like every other missing page.
  const header = Buffer.alloc(18);
  const fd = openSync(copy, 'r');
  try {
    readSync(fd, header, 0, 18, 0);
  } finally {
    closeSync(fd);
  }
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const size = statSync(copy).size;
  if (pageSize >= 512 && size % pageSize !== 0 && size > pageSize)
    truncateSync(copy, size - (size % pageSize));
  for (const suffix of ['-wal', '-journal']) {
    if (existsSync(`${source}${suffix}`)) copyFileSync(`${source}${suffix}`, `${copy}${suffix}`);
  }
  return copy;
}

function openCopy(copy: string): Database.Database {
  // Read-write on our private copy, so a -wal is replayed and a hot journal rolled back as SQLite would.
  const db = openForWrite(copy, { fileMustExist: true });
  // Lets SQLite read a file shorter than its header says (cut short): the missing pages then fail one by
  // one instead of the whole file. It needs SQLite's "defensive" flag off (better-sqlite3's unsafe mode);
  // only this connection to our private copy has it, and nothing writes the schema.
  db.unsafeMode(true);
  db.pragma('writable_schema = ON');
  return db;
}

function readSchema(db: Database.Database, source: string): SchemaRow[] {
  try {
    return db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema').all() as SchemaRow[];
  } catch (error) {
    throw new AppError(
      'corrupt',
      `${source}: even the list of tables is unreadable (${describeError(error)}); nothing can be recovered from it — restore a backup`,
    );
  }
}

function tryVacuumInto(db: Database.Database, target: string): boolean {
  try {
    db.prepare('VACUUM INTO ?').run(target);
    return quickCheckFile(target) === 'ok';
  } catch {
    removeQuietly(target);
    return false;
  }
}

function countRows(db: Reader, table: string): number | null {
  try {
    return Number(
      db
        .prepare(`SELECT count(*) FROM ${quoteIdent(table)}`)
        .pluck()
        .get(),
    );
  } catch {
    return null;
  }
}

function maxRowidOf(db: Database.Database, table: string, alias: string): bigint | null {
  try {
    const v = db
      .prepare(`SELECT max(${alias}) FROM ${quoteIdent(table)}`)
      .pluck()
      .safeIntegers(true)
      .get();
    return typeof v === 'bigint' ? v : null;
  } catch {
    return null;
  }
}

function sequences(db: Database.Database): Map<string, bigint> {
  const out = new Map<string, bigint>();
  try {
    const rows = db.prepare('SELECT name, seq FROM sqlite_sequence').safeIntegers(true).all() as {
      name: string;
      seq: bigint;
    }[];
    for (const r of rows) out.set(r.name, r.seq);
  } catch {
    // no AUTOINCREMENT table, or its page is damaged
  }
  return out;
}

function columnsOf(
  db: Database.Database,
  table: string,
): { insertable: string[]; all: { name: string; type: string; pk: number }[] } {
  const info = db.prepare(`PRAGMA table_xinfo(${quoteIdent(table)})`).all() as {
    name: string;
    type: string;
    pk: number;
    hidden: number;
  }[];
  return { insertable: info.filter((c) => c.hidden === 0).map((c) => c.name), all: info };
}

/** A name for the rowid that no column shadows, or null for a WITHOUT ROWID table. */
function rowidAlias(
  db: Database.Database,
  table: string,
  columns: { name: string; type: string; pk: number }[],
): string | null {
  const pks = columns.filter((c) => c.pk > 0);
  if (pks.length === 1 && pks[0]!.type.toUpperCase() === 'INTEGER') return quoteIdent(pks[0]!.name);
  const names = new Set(columns.map((c) => c.name.toLowerCase()));
  for (const candidate of ['rowid', '_rowid_', 'oid']) {
    if (names.has(candidate)) continue;
    try {
      db.prepare(`SELECT ${candidate} FROM ${quoteIdent(table)} LIMIT 0`);
      return candidate;
    } catch {
      return null;
    }
  }
  return null;
}

class TableCopier {
  private readonly readBatch: Database.Statement;
  private readonly probe: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly insertMany: (rows: unknown[][]) => void;
  readonly result: TableCopy = {
    recovered: 0,
    failed: [],
    maxRowid: null,
    rejected: 0,
    note: null,
    lostUnknown: false,
  };

  constructor(
    src: Database.Database,
    dest: Database.Database,
    table: string,
    alias: string,
    columns: string[],
    withRowid: boolean,
  ) {
    const t = quoteIdent(table);
    const cols = columns.map(quoteIdent);
    const selectCols = withRowid ? [alias, ...cols] : cols;
    this.readBatch = src
      .prepare(`SELECT ${selectCols.join(', ')} FROM ${t} WHERE ${alias} >= ? ORDER BY ${alias} LIMIT ?`)
      .raw(true)
      .safeIntegers(true);
    this.probe = src
      .prepare(`SELECT ${alias} FROM ${t} WHERE ${alias} >= ? ORDER BY ${alias} LIMIT 1`)
      .pluck()
      .safeIntegers(true);
    const insertCols = withRowid ? ['rowid', ...cols] : cols;
    this.insert = dest.prepare(
      `INSERT INTO ${t} (${insertCols.join(', ')}) VALUES (${insertCols.map(() => '?').join(', ')})`,
    );
    this.insertMany = dest.transaction((rows: unknown[][]) => {
      for (const row of rows) this.insertRow(row);
    });
  }

  private insertRow(row: unknown[]): void {
    try {
      this.insert.run(...(row as unknown[]));
      this.result.recovered++;
    } catch (error) {
      if (sqliteErrorCode(error).startsWith('SQLITE_CONSTRAINT')) this.result.rejected++;
      else throw error;
    }
  }

  private read(from: bigint, limit: number): unknown[][] | null {
    try {
      return this.readBatch.all(from, limit) as unknown[][];
    } catch (error) {
      if (isCorruption(error)) return null;
      throw error;
    }
  }

  /** True when a seek to `from` works (it may find nothing: the end). */
  private seekWorks(from: bigint): boolean {
    try {
      this.probe.get(from);
      return true;
    } catch (error) {
      if (isCorruption(error)) return false;
      throw error;
    }
  }

  /** The smallest rowid > `bad` where reading works again, or null when nothing after it is readable. */
  private nextReadable(bad: bigint): bigint | null {
    let step = 1n;
    let lastBad = bad;
    let good: bigint | null = null;
    while (lastBad < MAX_ROWID) {
      const candidate = lastBad + step > MAX_ROWID ? MAX_ROWID : lastBad + step;
      if (this.seekWorks(candidate)) {
        good = candidate;
        break;
      }
      lastBad = candidate;
      step *= 2n;
    }
    if (good === null) return null;
    // Binary search for the boundary between lastBad (fails) and good (works).
    let lo = lastBad;
    let hi = good;
    while (hi - lo > 1n) {
      const mid = lo + (hi - lo) / 2n;
      if (this.seekWorks(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  run(start: bigint, batch: number, signal: AbortSignal, onRows: (n: number) => void): void {
    let from = start;
    for (;;) {
      throwIfCancelled(signal);
      let limit = batch;
      let rows = this.read(from, limit);
      while (rows === null && limit > 1) {
        limit = Math.max(1, Math.floor(limit / 2));
        rows = this.read(from, limit);
      }
      if (rows === null) {
        // The row at (or just after) `from` is in a damaged page: skip to the next readable rowid.
        const next = this.nextReadable(from);
        this.result.failed.push([from, next === null ? null : next - 1n]);
        if (next === null) return;
        from = next;
        continue;
      }
      if (rows.length === 0) return;
      this.insertMany(rows);
      const last = rows[rows.length - 1]![0] as bigint;
      if (this.result.maxRowid === null || last > this.result.maxRowid) this.result.maxRowid = last;
      onRows(rows.length);
      if (last >= MAX_ROWID) return;
      from = last + 1n;
    }
  }

  /** WITHOUT ROWID tables: read in key order until the first damaged page; the rest is unknown. */
  runSequential(src: Database.Database, table: string, columns: string[]): void {
    const stmt = src
      .prepare(`SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(table)}`)
      .raw(true)
      .safeIntegers(true);
    const rows: unknown[][] = [];
    try {
      for (const row of stmt.iterate() as Iterable<unknown[]>) {
        rows.push(row);
        if (rows.length >= 500) this.insertMany(rows.splice(0));
      }
    } catch (error) {
      if (!isCorruption(error)) throw error;
      this.result.lostUnknown = true;
      this.result.note = 'a WITHOUT ROWID table: rows after the first damaged page could not be reached';
    }
    this.insertMany(rows);
  }
}

function lostOf(copy: TableCopy, expectedMax: bigint | null): { lost: number | null; estimate: boolean } {
  if (copy.lostUnknown) return { lost: null, estimate: false };
  if (copy.failed.length === 0) return { lost: copy.rejected, estimate: false };
  let lost = 0n;
  for (const [a, b] of copy.failed) {
    const end = b ?? expectedMax;
    if (end === null) return { lost: null, estimate: false };
    // SQLite assigns rowids from 1: a stretch that starts below (the scan's start) is counted from 1.
    const start = a < 1n ? 1n : a;
    if (end >= start) lost += end - start + 1n;
  }
  return { lost: Number(lost) + copy.rejected, estimate: true };
}

function copyPragmas(src: Database.Database, dest: Database.Database, notes: string[]): void {
  for (const pragma of ['user_version', 'application_id']) {
    try {
      const v = Number(src.pragma(pragma, { simple: true }));
      if (Number.isInteger(v) && v !== 0) dest.pragma(`${pragma} = ${v}`);
    } catch (error) {
      notes.push(`${pragma} could not be read (${describeError(error)})`);
    }
  }
}

function rowByRow(
  src: Database.Database,
  schema: SchemaRow[],
  target: string,
  options: { batch: number; wal: boolean },
  ctx: JobContext<null>,
): { tables: RecoverTable[]; notes: string[] } {
  const dest = openForWrite(target);
  const notes: string[] = [];
  const tables: RecoverTable[] = [];
  try {
    dest.pragma('journal_mode = OFF');
    dest.pragma('synchronous = OFF');
    const userTables = schema.filter((s) => s.type === 'table' && s.sql && !s.name.startsWith('sqlite_'));
    for (const t of userTables) {
      try {
        dest.exec(t.sql!);
      } catch (error) {
        notes.push(
          `table ${t.name} could not be created (${describeError(error)}); its rows are not recovered`,
        );
      }
    }
    const seq = sequences(src);
    let done = 0;
    for (const t of userTables) {
      throwIfCancelled(ctx.signal);
      const table = t.name;
      if (/^\s*CREATE\s+VIRTUAL/i.test(t.sql!)) {
        tables.push({
          table,
          recovered: 0,
          lost: null,
          lostIsEstimate: false,
          note: 'virtual table: not copied',
        });
        continue;
      }
      let columns: ReturnType<typeof columnsOf>;
      try {
        columns = columnsOf(dest, table);
      } catch {
        continue;
      }
      const alias = rowidAlias(src, table, columns.all);
      const copier = new TableCopier(src, dest, table, alias ?? 'rowid', columns.insertable, alias !== null);
      ctx.progress(done, null, `recovering ${table}`);
      if (alias !== null)
        copier.run(-MAX_ROWID - 1n, options.batch, ctx.signal, (n) =>
          ctx.progress((done += n), null, `recovering ${table}`),
        );
      else copier.runSequential(src, table, columns.insertable);
      const r = copier.result;
      let expectedMax = r.maxRowid;
      const fromSeq = seq.get(table);
      if (fromSeq !== undefined && (expectedMax === null || fromSeq > expectedMax)) expectedMax = fromSeq;
      const viaMax = alias ? maxRowidOf(src, table, alias) : null;
      if (viaMax !== null && (expectedMax === null || viaMax > expectedMax)) expectedMax = viaMax;
      const { lost, estimate } = lostOf(r, expectedMax);
      let note = r.note;
      if (r.failed.length > 0) {
        const ranges = r.failed
          .slice(0, 3)
          .map(([a0, b]) => {
            const a = a0 < 1n && (b === null || b >= 1n) ? 1n : a0;
            return b === null ? `${a}…` : a === b ? `${a}` : `${a}–${b}`;
          })
          .join(', ');
        note = `unreadable rowids ${ranges}${r.failed.length > 3 ? ', …' : ''}${lost === null ? '' : ' (lost rows estimated from the rowid gaps)'}`;
      }
      if (r.rejected > 0)
        note = `${note ? `${note}; ` : ''}${r.rejected} row(s) broke a constraint and were left out`;
      tables.push({ table, recovered: r.recovered, lost, lostIsEstimate: estimate, note });
    }
    // AUTOINCREMENT counters: never lower than the damaged file's, so new ids never reuse lost ones.
    for (const [name, value] of seq) {
      try {
        const updated = dest
          .prepare('UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?')
          .run(value, name);
        if (updated.changes === 0 && userTables.some((t) => t.name === name)) {
          dest.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(name, value);
        }
      } catch {
        // no sqlite_sequence in the new file (no AUTOINCREMENT table was created)
      }
    }
    for (const s of schema) {
      if ((s.type === 'index' || s.type === 'trigger' || s.type === 'view') && s.sql) {
        try {
          dest.exec(s.sql);
        } catch (error) {
          notes.push(`${s.type} ${s.name} could not be recreated (${describeError(error)})`);
        }
      }
    }
    copyPragmas(src, dest, notes);
    if (options.wal) dest.pragma('journal_mode = WAL');
    else dest.pragma('journal_mode = DELETE');
  } finally {
    dest.close();
  }
  return { tables, notes };
}

export async function recoverDb(options: RecoverOptions, ctx: JobContext<null>): Promise<RecoverResult> {
  const source = resolve(options.path);
  if (!existsSync(source)) throw new AppError('not_found', `${options.path}: no such file`);
  if (!options.out && !options.intoPlace)
    throw new AppError('invalid_input', 'recover needs --out NEW.db or --into-place');
  const out = options.out ? resolve(options.out) : null;
  if (out) {
    if (out === source)
      throw new AppError('invalid_input', '--out must be a new file, not the damaged one (use --into-place)');
    requireAbsent(out, 'recovered DB');
  }
  const header = readHeader(source);
  if (
    !header.ok &&
    (header.code === 'empty_file' || header.code === 'not_sqlite' || header.code === 'missing_file')
  ) {
    throw new AppError(
      header.code === 'missing_file' ? 'not_found' : header.code,
      `${source}: ${header.message}; there is nothing to recover in it — restore it from a backup`,
    );
  }
  const before = statSync(source);
  const work = mkdtempSync(join(tmpdir(), 'chat-inspector-recover-'));
  // Where the new DB is built: beside its final place, so the last step is a link/rename on one file system.
  const building = out ? tempBeside(out, 'recover') : tempBeside(source, 'recover');
  let result: RecoverResult;
  try {
    const copy = privateCopy(source, work);
    ctx.progress(0, null, 'reading the schema');
    let src: Database.Database;
    try {
      src = openCopy(copy);
    } catch (error) {
      throw new AppError(
        'corrupt',
        `${source}: SQLite cannot open it at all (${describeError(error)}); restore it from a backup`,
      );
    }
    try {
      const schema = readSchema(src, source);
      const wal = header.ok ? header.wal : false;
      let method: RecoverResult['method'] = 'vacuum-into';
      let tables: RecoverTable[];
      let notes: string[] = [];
      const sourceCheck = quickCheck(src);
      if (tryVacuumInto(src, building)) {
        const dest = openPrivateReadonly(building);
        try {
          const userTables = schema.filter((s) => s.type === 'table' && !s.name.startsWith('sqlite_'));
          tables = userTables.map((t) => {
            const recovered = countRows(dest, t.name) ?? 0;
            if (sourceCheck === 'ok')
              return { table: t.name, recovered, lost: 0, lostIsEstimate: false, note: null };
            return {
              table: t.name,
              recovered,
              lost: null,
              lostIsEstimate: false,
              note: 'copied whole, but the file failed quick_check: compare with a backup',
            };
          });
        } finally {
          dest.close();
        }
        notes.push(
          sourceCheck === 'ok'
            ? 'every page was readable: the new file holds all the data'
            : `the damaged file's quick_check: ${sourceCheck}`,
        );
      } else {
        method = 'row-by-row';
        removeQuietly(building);
        ({ tables, notes } = rowByRow(src, schema, building, { batch: options.batchSize ?? 500, wal }, ctx));
      }
      fsyncFile(building);
      const integrity = quickCheckFile(building);
      result = { source, out, method, tables, integrity, notes, placedInto: null, backup: null };
    } finally {
      src.close();
    }
    throwIfCancelled(ctx.signal);
    if (result.integrity !== 'ok') {
      throw new AppError(
        'internal',
        `the recovered DB fails quick_check (${result.integrity}); nothing was written`,
      );
    }
    crashPoint('recover:built');
    if (out) {
      // No-clobber: link fails if --out appeared meanwhile.
      try {
        linkSync(building, out);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') requireAbsent(out, 'recovered DB');
        throw error;
      }
    }
    if (options.intoPlace) {
      let staged = building;
      if (out) {
        staged = tempBeside(source, 'recover');
        copyFileSync(out, staged);
        fsyncFile(staged);
      }
      const { backup } = swapInto(source, staged, {
        label: basename(dirname(source)).startsWith('chat_')
          ? `chat ${basename(dirname(source)).slice(5)}`
          : source,
        waitMs: options.waitMs ?? 10_000,
        now: options.now,
        sqlite: true,
      });
      result.placedInto = source;
      result.backup = backup;
    }
  } finally {
    removeQuietly(work);
    if (existsSync(building)) unlinkSync(building);
  }
  // The damaged file must be exactly as it was (unless it was deliberately replaced in place).
  if (!options.intoPlace) {
    const after = statSync(source);
    if (after.mtimeMs !== before.mtimeMs || after.size !== before.size) {
      throw new AppError('internal', `${source} changed during recovery (another program wrote it?)`);
    }
  }
  return result;
}
