import type { Finding, SkippedEntry } from '../../shared/domain.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { finding } from '../store/summary.ts';

// The per-DB checks of an integrity run. Each takes an open read-only connection and returns findings;
// none writes. SQLite errors other than damage (busy, locked) are thrown for the caller to report.

/** At most this many problems are asked of quick_check / integrity_check (a damaged file can have millions). */
export const CHECK_MESSAGE_CAP = 10;
/** How many of SQLite's own problem lines a finding quotes. */
const QUOTED_PROBLEMS = 2;

/** Tables and their columns in file order, as the file has them (views and SQLite's own tables left out). */
export type TableColumns = Map<string, string[]>;

/** Expected tables and columns of a file (`null` columns: only the table's presence is expected). */
export type Expectation = Record<string, readonly string[] | null>;

function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** Damage SQLite reports by throwing rather than by a quick_check line. */
export function isDamageError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_IOERR');
}

function damageDetail(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function corruptFinding(file: string, problems: string[], full: boolean, capped: boolean): Finding {
  const check = full ? 'integrity check' : 'quick check';
  const count = capped
    ? `${problems.length} or more problems`
    : problems.length === 1
      ? 'a problem'
      : `${problems.length} problems`;
  const quoted = problems
    .slice(0, QUOTED_PROBLEMS)
    .map((p) => `"${p.length > 160 ? `${p.slice(0, 157)}...` : p}"`)
    .join(', ');
  return finding(
    'corrupt',
    file,
    `${file} is damaged: SQLite's ${check} found ${count} (${quoted}); recover what is readable (chat-inspector recover) or restore it from a backup.`,
    { check: full ? 'full' : 'quick', problems: problems.length, capped: capped ? 1 : 0, detail: quoted },
  );
}

/**
 * PRAGMA quick_check (quick mode) or integrity_check (full mode), capped. Finds damaged pages in the
 * middle of a table that opening the file and reading its schema do not notice.
 */
export function pageCheck(db: ReadableDb, schema: string, file: string, full: boolean): Finding | null {
  const pragma = full ? 'integrity_check' : 'quick_check';
  let problems: string[];
  try {
    problems = db
      .prepare(`PRAGMA ${quoteIdent(schema)}.${pragma}(${CHECK_MESSAGE_CAP})`)
      .pluck()
      .all() as string[];
  } catch (error) {
    if (!isDamageError(error)) throw error;
    problems = [damageDetail(error)];
  }
  if (problems.length === 1 && problems[0] === 'ok') return null;
  if (problems.length === 0) problems = ['no answer'];
  return corruptFinding(file, problems, full, problems.length >= CHECK_MESSAGE_CAP);
}

/** Every table of the file with its columns, in one statement. */
export function readTableColumns(db: ReadableDb, schema: string): TableColumns {
  const rows = db
    .prepare(
      `SELECT m.name AS t, p.name AS c FROM ${quoteIdent(schema)}.sqlite_schema AS m, pragma_table_info(m.name, ?) AS p
       WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid`,
    )
    .raw()
    .all(schema) as [string, string][];
  const tables: TableColumns = new Map();
  for (const [t, c] of rows) {
    const cols = tables.get(t);
    if (cols) cols.push(c);
    else tables.set(t, [c]);
  }
  return tables;
}

const tableDdlSql = (schema: string) =>
  `SELECT name, sql FROM ${quoteIdent(schema)}.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`;

export interface SchemaShape {
  tables: TableColumns;
  drift: Finding | null;
}

/** Shapes already worked out, by file and the exact DDL of its tables (every chat of a root shares a few). */
const shapeCache = new Map<string, SchemaShape>();
const SHAPE_CACHE_MAX = 512;

/**
 * The file's tables and columns, and its schema drift, for the cost of one small query: the tables' DDL
 * text is the key of a per-thread cache, and only a DDL never seen before is examined column by column
 * (pragma table_info). A root of 100,000 chats made by one bot has one or two distinct DDLs per file.
 */
export function schemaShape(
  db: ReadableDb,
  schema: string,
  file: string,
  expected: Expectation,
  options: DriftOptions,
): SchemaShape {
  const rows = db.prepare(tableDdlSql(schema)).raw().all() as [string, string | null][];
  return shapeOf(db, schema, file, rows, expected, options);
}

function shapeOf(
  db: ReadableDb,
  schema: string,
  file: string,
  rows: [string, string | null][],
  expected: Expectation,
  options: DriftOptions,
): SchemaShape {
  let key = file;
  for (const [name, sql] of rows) key += `\u0000${name}\u0001${sql ?? ''}`;
  const cached = shapeCache.get(key);
  if (cached) return cached;
  const tables = readTableColumns(db, schema);
  const shape: SchemaShape = { tables, drift: schemaDrift(tables, expected, file, options) };
  if (shapeCache.size >= SHAPE_CACHE_MAX) shapeCache.clear();
  shapeCache.set(key, shape);
  return shape;
}

export interface PagesAndSchema {
  damage: Finding | null;
  /** Null when the schema cannot be read (the damage says why). */
  shape: SchemaShape | null;
}

/**
 * pageCheck and schemaShape in ONE statement (the page check's rows, then the tables' DDL): on the tiny
 * per-chat DBs, each statement costs about as much as the check itself. A file too damaged for the
 * combined statement gets the two separately.
 */
export function checkPagesAndSchema(
  db: ReadableDb,
  schema: string,
  file: string,
  full: boolean,
  expected: Expectation,
  options: DriftOptions,
): PagesAndSchema {
  const pragma = full ? 'integrity_check' : 'quick_check';
  let rows: [string | null, string | null][];
  try {
    rows = db
      .prepare(
        `SELECT NULL, ${pragma} FROM (SELECT ${pragma} FROM pragma_${pragma}(NULL, ?) LIMIT ${CHECK_MESSAGE_CAP})
         UNION ALL ${tableDdlSql(schema)}`,
      )
      .raw()
      .all(schema) as [string | null, string | null][];
  } catch (error) {
    if (!isDamageError(error)) throw error;
    const damage = pageCheck(db, schema, file, full);
    try {
      return { damage, shape: schemaShape(db, schema, file, expected, options) };
    } catch (again) {
      if (!isDamageError(again)) throw again;
      return { damage, shape: null };
    }
  }
  const problems: string[] = [];
  const ddl: [string, string | null][] = [];
  for (const [name, value] of rows) {
    if (name === null) problems.push(value ?? '');
    else ddl.push([name, value]);
  }
  let damage: Finding | null = null;
  if (!(problems.length === 1 && problems[0] === 'ok')) {
    damage = corruptFinding(
      file,
      problems.length ? problems : ['no answer'],
      full,
      problems.length >= CHECK_MESSAGE_CAP,
    );
  }
  return { damage, shape: shapeOf(db, schema, file, ddl, expected, options) };
}

function listSome(items: string[], max = 4): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export interface DriftOptions {
  /** Tables the file has beyond the expected ones count as drift (true for the bot's own files). */
  extraTables: boolean;
  /** What the person should do about it (the end of the sentence). */
  advice?: string;
}

/** The differences between the file's tables and columns and what is expected of it, as sentences' parts. */
export interface SchemaGaps {
  missingTables: string[];
  missingColumns: string[];
  extraTables: string[];
  extraColumns: string[];
}

/** The English parts of a schema difference ("missing table x", "extra columns t.a, t.b"). */
export function schemaDifferences(
  actual: TableColumns,
  expected: Expectation,
  options: DriftOptions,
): string[] {
  const { missingTables, missingColumns, extraTables, extraColumns } = schemaGaps(actual, expected, options);
  const parts: string[] = [];
  if (missingTables.length)
    parts.push(`missing table${missingTables.length > 1 ? 's' : ''} ${listSome(missingTables)}`);
  if (missingColumns.length)
    parts.push(`missing column${missingColumns.length > 1 ? 's' : ''} ${listSome(missingColumns)}`);
  if (extraTables.length)
    parts.push(`extra table${extraTables.length > 1 ? 's' : ''} ${listSome(extraTables)}`);
  if (extraColumns.length)
    parts.push(`extra column${extraColumns.length > 1 ? 's' : ''} ${listSome(extraColumns)}`);
  return parts;
}

/** A schema_drift finding's params: each kind of gap as a count and its (first few) names. */
function gapParams(gaps: SchemaGaps): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  for (const [key, names] of Object.entries(gaps) as [keyof SchemaGaps, string[]][]) {
    params[key] = names.length;
    if (names.length) params[`${key}Names`] = names.slice(0, 8).join(', ');
  }
  return params;
}

/** Which tables and columns are missing or extra, against what the bot expects. */
export function schemaGaps(actual: TableColumns, expected: Expectation, options: DriftOptions): SchemaGaps {
  const missingTables: string[] = [];
  const missingColumns: string[] = [];
  const extraColumns: string[] = [];
  for (const [table, columns] of Object.entries(expected)) {
    const have = actual.get(table);
    if (!have) {
      missingTables.push(table);
      continue;
    }
    if (!columns) continue;
    const haveSet = new Set(have);
    const wantSet = new Set(columns);
    for (const c of columns) if (!haveSet.has(c)) missingColumns.push(`${table}.${c}`);
    for (const c of have) if (!wantSet.has(c)) extraColumns.push(`${table}.${c}`);
  }
  const extraTables = options.extraTables ? [...actual.keys()].filter((t) => !(t in expected)) : [];
  return { missingTables, missingColumns, extraTables, extraColumns };
}

export function schemaDrift(
  actual: TableColumns,
  expected: Expectation,
  file: string,
  options: DriftOptions,
): Finding | null {
  const parts = schemaDifferences(actual, expected, options);
  if (parts.length === 0) return null;
  const params = { ...gapParams(schemaGaps(actual, expected, options)), legacy: options.advice ? 1 : 0 };
  const advice =
    options.advice ??
    'it was changed outside the bot or by another version; check it before restoring or migrating';
  return finding(
    'schema_drift',
    file,
    `${file} does not match the expected schema (${parts.join('; ')}): ${advice}.`,
    params,
  );
}

/** PRAGMA foreign_key_check, counted per table (the pragma works whatever `foreign_keys` is set to). */
export function foreignKeyViolations(db: ReadableDb, schema: string, file: string): Finding | null {
  let rows: [string, string | null, number][];
  try {
    rows = db
      .prepare(
        'SELECT "table", "parent", count(*) FROM pragma_foreign_key_check(NULL, ?) GROUP BY 1, 2 ORDER BY 1, 2',
      )
      .raw()
      .all(schema) as [string, string | null, number][];
  } catch (error) {
    // A parent table that does not exist makes the pragma fail: that is schema drift, reported apart.
    if (/no such table/i.test(damageDetail(error))) return null;
    if (isDamageError(error)) return null;
    throw error;
  }
  if (rows.length === 0) return null;
  const total = rows.reduce((sum, r) => sum + r[2], 0);
  const where = rows.map(([table, parent, n]) => `${n} in ${table} → ${parent ?? '?'}`).join(', ');
  return finding(
    'fk_violation',
    file,
    `${file} has ${total} row${total === 1 ? '' : 's'} pointing at records that do not exist (${where}): the links are broken; rebuild them or remove those rows after a backup.`,
    { rows: total, detail: rows.map(([table, parent, n]) => `${table} → ${parent ?? '?'}: ${n}`).join(', ') },
  );
}

/**
 * A count of rows per table for a WHERE clause over `chat_id` (tables without that column are skipped).
 * `where` may name other tables as `$schema.table`: they are qualified with the file's schema.
 */
export function countRowsWhere(
  db: ReadableDb,
  schema: string,
  tables: TableColumns,
  names: readonly string[],
  where: string,
  params: unknown[],
): { table: string; count: number }[] {
  const out: { table: string; count: number }[] = [];
  for (const name of names) {
    const columns = tables.get(name);
    if (!columns || !columns.includes('chat_id')) continue;
    let count: number;
    const condition = where.replaceAll('$schema.', `${quoteIdent(schema)}.`);
    try {
      count = db
        .prepare(`SELECT count(*) FROM ${quoteIdent(schema)}.${quoteIdent(name)} WHERE ${condition}`)
        .pluck()
        .get(...params) as number;
    } catch (error) {
      // A damaged table is already reported by the page check.
      if (isDamageError(error)) continue;
      throw error;
    }
    if (count > 0) out.push({ table: name, count });
  }
  return out;
}

export function orphanFinding(
  file: string,
  counts: { table: string; count: number }[],
  whose: string,
): Finding | null {
  if (counts.length === 0) return null;
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  const where = counts.map((c) => `${c.count} in ${c.table}`).join(', ');
  return finding(
    'orphan_rows',
    file,
    `${file} has ${total} row${total === 1 ? '' : 's'} ${whose} (${where}): they were probably copied from another chat; review them and remove them after a backup.`,
    { rows: total, detail: counts.map((c) => `${c.table}: ${c.count}`).join(', ') },
  );
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A chat id as SQLite stores it (a 64-bit integer), or null for an id beyond that range
 * (`chat_99999999999999999999`): no INTEGER column can hold it, so no row can belong to it, and binding
 * it would fail ("bigint is too big"), which is not damage.
 */
export function sqliteChatId(chatId: string): bigint | null {
  const id = BigInt(chatId);
  return id < INT64_MIN || id > INT64_MAX ? null : id;
}

/** The one note said for such a chat (a skip of the orphan-row check, not a finding about its files). */
export function orphanCheckSkipped(path: string, chatId: string): SkippedEntry {
  return {
    code: 'check_skipped',
    path,
    reason: `chat id ${chatId} is beyond the 64-bit integers SQLite stores, so no row can carry it: the orphan-row check was skipped`,
  };
}
