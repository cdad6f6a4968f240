import { AppError } from '../../shared/errors.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import type { ReadableDb } from '../sqlite/open.ts';

// The one order of a thread, for every SQLite kind (per-chat root, user_history, DuilioCode, clinic):
// by the message's time, then by its key (id or rowid). Messages with no time (NULL) come first: they cannot
// be placed in time, and putting them before the dated ones keeps the newest page (the one a thread opens on)
// to dated messages. When a conversation's keys run against time (rows copied in from an export listed
// newest first), ties (the same second, or no time) are ordered by key downwards, so a question stays before
// its answer. The server engines (PostgreSQL, MySQL, mappings) page by (time, id)
// with the same cursors; the Source contract suite checks the order for every kind.
//
// Time is compared as stored (a bot writes one format per column: SQLite's type order puts numbers before
// text, so only a file mixing formats would sort oddly), which keeps each row cheap to read and lets an index
// on the time column serve; `at` is read in any format (timeKey).
//
// Speed: when a conversation's keys already follow time (as a bot writes them), ordering by key alone gives
// the same sequence, and SQLite walks the rowid b-tree from the cursor without sorting. Which case holds is
// found by one scan of the conversation in key order, kept per file while the bot only appends (keyOrder).
// Otherwise a page is keyset on (time, key): a scan and a top-N sort, never OFFSET. Cursors stay message keys.

/** Selected beside the row: the key (so a column of the same name cannot hide it) and the time key. */
export const KEY_COLUMN = 'ci$key';
export const TIME_COLUMN = 'ci$time';

export interface ThreadTable {
  db: ReadableDb;
  /** The table's name (unquoted). */
  table: string;
  /** SQL of the unique integer key exposed as Message.id (`id`, or the rowid). */
  key: string;
  /** The column holding the message's time; null when the table has none (key order). */
  time: string | null;
  /** SQL condition selecting the conversation, and its parameters. */
  where: string;
  params: unknown[];
}

export interface ThreadRequest {
  before?: number | undefined;
  after?: number | undefined;
  /** ISO date or datetime: the page starting at the first message on or after it. */
  at?: string | undefined;
  /** A message key: the page starting at that very message (a search hit). */
  from?: number | undefined;
  limit: number;
}

export type Row = Record<string, unknown>;

export interface ThreadRows {
  /** Oldest first; each row has KEY_COLUMN and TIME_COLUMN. */
  rows: Row[];
  olderCursor: number | null;
  newerCursor: number | null;
}

/** Below any real time: where messages without a readable time sort. */
const UNTIMED = -1e18;

/**
 * A message's time as one comparable number (Unix seconds): text in any form SQLite's date functions read,
 * or Unix seconds / milliseconds; UNTIMED when it cannot be read. Text is rounded to the millisecond, so a
 * time given back as `at` (ISO, from Date.parse) compares equal to its own row.
 */
export function timeKey(column: string): string {
  const c = quoteIdent(column);
  return `coalesce(CASE WHEN typeof(${c}) IN ('integer', 'real')
      THEN (CASE WHEN ${c} > 100000000000 THEN ${c} / 1000.0 ELSE ${c} END)
      ELSE round((julianday(${c}) - 2440587.5) * 86400.0, 3) END, ${UNTIMED})`;
}

/** An ISO date or datetime (from the UI or the CLI) as the same Unix-seconds key; no zone means UTC. */
export function atKey(at: string): number {
  const text = at.trim();
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? `${text}T00:00:00Z`
    : /(Z|[+-]\d{2}:?\d{2})$/i.test(text)
      ? text
      : `${text.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new AppError('invalid_input', `${at.slice(0, 40)}: give a date as YYYY-MM-DD`);
  return ms / 1000;
}

/** 'forward': no message is older than one with a smaller key; 'backward': keys mostly run against time. */
type KeyOrder = 'forward' | 'backward' | 'mixed';

/** What is known of a conversation's key order: valid up to `maxKey`, with the newest time seen. */
interface KnownOrder {
  maxKey: bigint | null;
  order: KeyOrder;
  /** The time of the row with the largest key (forward: the newest time), to extend the check to new rows. */
  lastTime: unknown;
}

/**
 * Per file and conversation, for the life of the process: one full scan of a 200,000-message chat costs
 * about a second, and the app opens a connection per request. A bot only appends (keys grow), so when the
 * largest key grew only the new rows are checked; anything else (fewer rows, another file) scans again.
 */
const orderCache = new Map<string, KnownOrder>();
const ORDER_CACHE_MAX = 500;

function keyOrder(t: ThreadTable, from: string, cond: string, time: string): KeyOrder {
  if (t.time === null) return 'forward';
  const maxKey = t.db.prepare(`SELECT max(${t.key}) FROM ${from}`).safeIntegers(true).pluck().get() as
    bigint | null;
  const id = JSON.stringify([t.db.name, t.table, t.key, t.time, t.where, t.params.map(String)]);
  const known = orderCache.get(id);
  if (known && known.maxKey === maxKey) return known.order;
  if (
    known &&
    known.order === 'forward' &&
    known.maxKey !== null &&
    maxKey !== null &&
    maxKey > known.maxKey
  ) {
    const grown = scanOrder(t, from, `${cond} AND ${t.key} > ?`, time, [known.maxKey], known.lastTime);
    if (grown.order === 'forward')
      return remember(id, { maxKey, order: 'forward', lastTime: grown.lastTime });
  }
  const scanned = scanOrder(t, from, cond, time, [], null);
  return remember(id, { maxKey, order: scanned.order, lastTime: scanned.lastTime });
}

function remember(id: string, known: KnownOrder): KeyOrder {
  if (orderCache.size >= ORDER_CACHE_MAX) orderCache.delete(orderCache.keys().next().value!);
  orderCache.set(id, known);
  return known.order;
}

/** The key order of the rows matching `where` (after a row of time `before`, when given). */
function scanOrder(
  t: ThreadTable,
  from: string,
  where: string,
  time: string,
  extra: unknown[],
  before: unknown,
): { order: KeyOrder; lastTime: unknown } {
  // In SQL, so the rows stay in SQLite: JavaScript is handed one row of counts, never the conversation.
  const row = t.db
    .prepare(
      `SELECT coalesce(sum(k < previous), 0) AS back, coalesce(sum(k > previous), 0) AS forth,
              (SELECT ${time} FROM ${from} WHERE ${where} ORDER BY ${t.key} DESC LIMIT 1) AS lastTime
        FROM (SELECT ${time} AS k, lag(${time}, 1, ?) OVER (ORDER BY ${t.key}) AS previous
              FROM ${from} WHERE ${where})`,
    )
    .get(...t.params, ...extra, before, ...t.params, ...extra) as {
    back: number;
    forth: number;
    lastTime: unknown;
  };
  const order: KeyOrder = row.back === 0 ? 'forward' : row.back > row.forth ? 'backward' : 'mixed';
  return { order, lastTime: row.lastTime };
}

/** One page of a conversation in thread order: newest by default, older than `before`, newer than `after`, or from `at`. */
export function pageThread(t: ThreadTable, request: ThreadRequest): ThreadRows {
  const from = quoteIdent(t.table);
  const cond = `(${t.where})`;
  // As stored; no time (NULL) sorts first, before any number or text.
  const time = t.time ? `coalesce(${quoteIdent(t.time)}, ${UNTIMED})` : String(UNTIMED);
  const anyTime = t.time ? timeKey(t.time) : String(UNTIMED);
  const order = keyOrder(t, from, cond, time);
  const select = `SELECT *, ${t.key} AS "${KEY_COLUMN}", ${time} AS "${TIME_COLUMN}" FROM ${from} WHERE ${cond}`;
  const run = (sql: string, ...params: unknown[]): Row[] =>
    t.db.prepare(sql).all(...t.params, ...params) as Row[];

  // Keys follow time: key order is the thread order, by the rowid b-tree.
  if (order === 'forward') {
    const k = t.key;
    let rows: Row[];
    if (request.after !== undefined || request.from !== undefined)
      rows =
        request.from !== undefined
          ? run(`${select} AND ${k} >= ? ORDER BY ${k} ASC LIMIT ?`, request.from, request.limit)
          : run(`${select} AND ${k} > ? ORDER BY ${k} ASC LIMIT ?`, request.after, request.limit);
    else if (request.before !== undefined)
      rows = run(
        `${select} AND ${k} < ? ORDER BY ${k} DESC LIMIT ?`,
        request.before,
        request.limit,
      ).reverse();
    else if (request.at !== undefined) {
      rows = run(`${select} AND ${anyTime} >= ? ORDER BY ${k} ASC LIMIT ?`, atKey(request.at), request.limit);
      if (rows.length === 0) return pageThread(t, { limit: request.limit });
    } else rows = run(`${select} ORDER BY ${k} DESC LIMIT ?`, request.limit).reverse();
    if (rows.length === 0) return { rows, olderCursor: null, newerCursor: null };
    const first = Number(rows[0]![KEY_COLUMN]);
    const last = Number(rows[rows.length - 1]![KEY_COLUMN]);
    const exists = (cmp: '<' | '>', key: number): boolean =>
      t.db.prepare(`SELECT 1 FROM ${from} WHERE ${cond} AND ${k} ${cmp} ? LIMIT 1`).get(...t.params, key) !==
      undefined;
    return {
      rows,
      olderCursor: exists('<', first) ? first : null,
      newerCursor: exists('>', last) ? last : null,
    };
  }

  // Keys run against time (or both ways): keyset on (time, tie).
  const tie = order === 'backward' ? `(-${t.key})` : t.key;
  const tieOf = (key: number): number => (order === 'backward' ? -key : key);
  /** The cursor message's time; an `after` below every key (an export's start) is the beginning. */
  const timeOf = (key: number, allowStart: boolean): unknown => {
    const found = t.db
      .prepare(`SELECT ${time} FROM ${from} WHERE ${cond} AND ${t.key} = ?`)
      .pluck()
      .get(...t.params, key);
    if (found !== undefined) return found;
    if (allowStart && key <= 0) return -Infinity;
    throw new AppError('not_found', `message ${key} is no longer in this conversation; reload it`);
  };
  const pair = `(${time}, ${tie})`;
  let rows: Row[];
  if (request.from !== undefined)
    rows = run(
      `${select} AND ${pair} >= (?, ?) ORDER BY ${time} ASC, ${tie} ASC LIMIT ?`,
      timeOf(request.from, false),
      tieOf(request.from),
      request.limit,
    );
  else if (request.after !== undefined)
    rows = run(
      `${select} AND ${pair} > (?, ?) ORDER BY ${time} ASC, ${tie} ASC LIMIT ?`,
      timeOf(request.after, true),
      tieOf(request.after),
      request.limit,
    );
  else if (request.before !== undefined)
    rows = run(
      `${select} AND ${pair} < (?, ?) ORDER BY ${time} DESC, ${tie} DESC LIMIT ?`,
      timeOf(request.before, false),
      tieOf(request.before),
      request.limit,
    ).reverse();
  else if (request.at !== undefined) {
    rows = run(
      `${select} AND ${anyTime} >= ? ORDER BY ${time} ASC, ${tie} ASC LIMIT ?`,
      atKey(request.at),
      request.limit,
    );
    if (rows.length === 0) return pageThread(t, { limit: request.limit });
  } else rows = run(`${select} ORDER BY ${time} DESC, ${tie} DESC LIMIT ?`, request.limit).reverse();
  if (rows.length === 0) return { rows, olderCursor: null, newerCursor: null };
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const exists = (cmp: '<' | '>', row: Row): boolean =>
    t.db
      .prepare(`SELECT 1 FROM ${from} WHERE ${cond} AND ${pair} ${cmp} (?, ?) LIMIT 1`)
      .get(...t.params, row[TIME_COLUMN], tieOf(Number(row[KEY_COLUMN]))) !== undefined;
  return {
    rows,
    olderCursor: exists('<', first) ? Number(first[KEY_COLUMN]) : null,
    newerCursor: exists('>', last) ? Number(last[KEY_COLUMN]) : null,
  };
}
