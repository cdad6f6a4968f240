import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { Params } from './sql-engine.ts';
import type { Row, RowsFn, SqlDialect } from './sql.ts';

// The one keyset pager of a thread, for every kind: the newest page, the oldest, older than a cursor, newer
// than a cursor, or from a moment on. A page asks for one row more than it shows, to know whether the pager can go
// on that way; the other way is one read of a single row. No OFFSET anywhere. A cursor is the opaque
// encoding (cursor.ts) of the order key of a page's first or last row: (time, id), or the id alone. Cursors
// live as long as the page that gave them out (nothing stores them), so their parts are each kind's own.
//
// The pager knows no table: a kind hands it a reader (rows beyond a bound, nearest first). Kinds reading one
// SQL table build their reads with keysetClause (the condition and order in the dialect's spelling); the
// MySQL messaging kind merges three tiers (hot, warm, the archive files) behind the same reader.

export type KeyPart = string | number | null;
/** A row's order key, most significant part first: (time, id), or (id). */
export type Key = KeyPart[];
export type Direction = 'older' | 'newer';

/** Where a read starts: just past `key`, or at it (`inclusive`, a jump to a moment: `key` may be a prefix). */
export interface Bound {
  key: Key;
  inclusive: boolean;
}

export interface KeysetRequest {
  limit: number;
  /** Older than this cursor (the `older` of a page). */
  before?: string | undefined;
  /** Newer than this cursor (the `newer` of a page). */
  after?: string | undefined;
  /** A moment: the page starting at the first row on or after it. */
  at?: string | undefined;
  /** The oldest page (the start of the thread), where no cursor or moment is given. */
  oldest?: boolean | undefined;
}

export interface KeysetReader<R> {
  /** Up to `n` rows beyond `bound` in `direction`, nearest first; no bound: from that end's far side. */
  read(direction: Direction, bound: Bound | null, n: number): Promise<R[]>;
  keyOf(row: R): Key;
  /** Whether a row lies beyond `key` (default: a read of one row). */
  beyond?(direction: Direction, key: Key): Promise<boolean>;
  /** A cursor of this reader's back into its key (decodeKey checks its shape). */
  decode(cursor: string): Key;
  /** A jump target as a bound; null: the thread keeps no time (its first page instead). */
  at(at: string): Bound | null;
}

export interface KeysetPage<R> {
  /** Oldest first. */
  rows: R[];
  older: string | null;
  newer: string | null;
}

export async function keysetPage<R>(reader: KeysetReader<R>, request: KeysetRequest): Promise<KeysetPage<R>> {
  const n = request.limit;
  let olderMore: boolean | null = null;
  let newerMore: boolean | null = null;
  const newest = async (): Promise<R[]> => {
    const got = await reader.read('older', null, n + 1);
    olderMore = got.length > n;
    newerMore = false;
    return got.slice(0, n).reverse();
  };
  let rows: R[];
  if (request.after !== undefined) {
    const got = await reader.read('newer', { key: reader.decode(request.after), inclusive: false }, n + 1);
    newerMore = got.length > n;
    rows = got.slice(0, n);
  } else if (request.at !== undefined) {
    const bound = reader.at(request.at);
    const got = await reader.read('newer', bound, n + 1);
    newerMore = got.length > n;
    if (bound === null) olderMore = false;
    rows = got.slice(0, n);
    // Past the last row: the newest page instead of nothing.
    if (rows.length === 0) rows = await newest();
  } else if (request.before !== undefined) {
    const got = await reader.read('older', { key: reader.decode(request.before), inclusive: false }, n + 1);
    olderMore = got.length > n;
    rows = got.slice(0, n).reverse();
  } else if (request.oldest) {
    const got = await reader.read('newer', null, n + 1);
    olderMore = false;
    newerMore = got.length > n;
    rows = got.slice(0, n);
  } else rows = await newest();
  if (rows.length === 0) return { rows, older: null, newer: null };
  const first = reader.keyOf(rows[0]!);
  const last = reader.keyOf(rows[rows.length - 1]!);
  const beyond = async (direction: Direction, key: Key): Promise<boolean> =>
    reader.beyond
      ? reader.beyond(direction, key)
      : (await reader.read(direction, { key, inclusive: false }, 1)).length > 0;
  olderMore ??= await beyond('older', first);
  newerMore ??= await beyond('newer', last);
  return {
    rows,
    older: olderMore ? encodeCursor(first) : null,
    newer: newerMore ? encodeCursor(last) : null,
  };
}

/** Every row from the start, `pageSize` at a time, by keyset (an export holds one page at a time). */
export async function* keysetWalk<R>(
  reader: Pick<KeysetReader<R>, 'read' | 'keyOf'>,
  pageSize: number,
): AsyncGenerator<R[]> {
  let bound: Bound | null = null;
  for (;;) {
    const rows = await reader.read('newer', bound, pageSize);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < pageSize) return;
    bound = { key: reader.keyOf(rows[rows.length - 1]!), inclusive: false };
  }
}

/** A cursor back into a key of `arity` parts; anything else (another source's, edited) is one clear error. */
export function decodeKey(cursor: string, arity: number, accept: (key: Key) => boolean = () => true): Key {
  const key = decodeCursor(cursor, arity);
  if (!accept(key))
    throw new AppError(
      'invalid_input',
      'that cursor is not one this source gave out: start from the first page',
    );
  return key;
}

/** A single-key cursor (a message id or rowid, as the SQLite kinds page). */
export const idCursor = (id: number): string => encodeCursor([id]);

export function decodeIdCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const [id] = decodeKey(cursor, 1, ([v]) => typeof v === 'number' && Number.isSafeInteger(v));
  return id as number;
}

/** One part of an order key in SQL: its expression, and how a cursor's value is written back (a cast). */
export interface KeyColumn {
  expr: string;
  param?: (placeholder: string) => string;
}

/**
 * The condition and order of a read beyond `bound` in `direction`, in the dialect's spelling: PostgreSQL
 * compares rows (`(t, id) < ($1, $2)`, one index range); the others spell it out, which every engine reads
 * the same way. `add` binds a value and returns its placeholder.
 */
export function keysetClause(
  dialect: Pick<SqlDialect, 'name'>,
  columns: readonly KeyColumn[],
  direction: Direction,
  bound: Bound | null,
  add: (value: unknown) => string,
): { where: string | null; order: string } {
  const way = direction === 'older' ? 'DESC' : 'ASC';
  const order = columns.map((c) => `${c.expr} ${way}`).join(', ');
  if (!bound) return { where: null, order };
  const used = columns.slice(0, bound.key.length);
  const op = (direction === 'older' ? '<' : '>') + (bound.inclusive ? '=' : '');
  const value = (i: number): string => {
    const placeholder = add(bound.key[i]);
    return used[i]!.param ? used[i]!.param!(placeholder) : placeholder;
  };
  if (used.length === 1) return { where: `${used[0]!.expr} ${op} ${value(0)}`, order };
  if (dialect.name === 'postgres')
    return {
      where: `(${used.map((c) => c.expr).join(', ')}) ${op} (${used.map((_, i) => value(i)).join(', ')})`,
      order,
    };
  const strict = op[0]!;
  const spelled = (i: number): string => {
    if (i === used.length - 1) return `${used[i]!.expr} ${op} ${value(i)}`;
    return `(${used[i]!.expr} ${strict} ${value(i)} OR (${used[i]!.expr} = ${value(i)} AND ${spelled(i + 1)}))`;
  };
  return { where: spelled(0), order };
}

/** A thread that is the rows of one SQL table (or view) matching a condition. */
export interface KeysetTable {
  dialect: SqlDialect;
  rows: RowsFn;
  /** The select list (it must carry what `keyOf` reads). */
  select: string;
  from: string;
  /** The thread's condition, binding its values through `add`. */
  where(add: (value: unknown) => string): string;
  columns: readonly KeyColumn[];
}

/** A table's rows beyond a bound, nearest first: the `read` of a KeysetReader over one table. */
export function readTable(
  table: KeysetTable,
  direction: Direction,
  bound: Bound | null,
  n: number,
): Promise<Row[]> {
  const params = new Params(table.dialect);
  const add = (value: unknown): string => params.add(value);
  const conditions = [table.where(add)];
  const clause = keysetClause(table.dialect, table.columns, direction, bound, add);
  if (clause.where) conditions.push(clause.where);
  return table.rows(
    `SELECT ${table.select} FROM ${table.from} WHERE ${conditions.map((c) => `(${c})`).join(' AND ')} ORDER BY ${clause.order} LIMIT ${n}`,
    params.values,
  );
}
