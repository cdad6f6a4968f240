import type { Message, MessagePage } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import type { SchemaObject } from './schema.ts';

export interface RowidMessageSource {
  db: ReadableDb;
  table: SchemaObject;
  /** SQL condition selecting one conversation, with its parameters. */
  where: string;
  params: unknown[];
  /** Maps a row (all columns plus KEY_COLUMN = the rowid) onto the common model. */
  map: (row: Record<string, unknown>, key: number) => Message;
}

export interface RowidPageRequest {
  before?: number | undefined;
  after?: number | undefined;
  limit: number;
}

/** The rowid is selected last under this name, so it wins over any column of the same name. */
export const KEY_COLUMN = 'ci$key';

/**
 * Messages of tables whose ids are not integers (the clinic's TEXT uuids) or not trusted to be: keyset
 * paging on the rowid, which is exposed as Message.id. Same cursor rules as store/messages.ts pageMessages:
 * newest page by default, older than `before`, newer than `after`; rows come back oldest first.
 */
export function pageByRowid(source: RowidMessageSource, request: RowidPageRequest): MessagePage {
  const { db, table } = source;
  const k = table.rowidName;
  if (!k) throw new AppError('corrupt', `${table.name} has no rowid: its messages cannot be paged`);
  const q = quoteIdent(table.name);
  const cond = `(${source.where})`;
  const select = `SELECT *, ${k} AS "${KEY_COLUMN}" FROM ${q}`;
  let rows: Record<string, unknown>[];
  if (request.after !== undefined) {
    rows = db
      .prepare(`${select} WHERE ${cond} AND ${k} > ? ORDER BY ${k} ASC LIMIT ?`)
      .all(...source.params, request.after, request.limit) as Record<string, unknown>[];
  } else if (request.before !== undefined) {
    rows = (
      db
        .prepare(`${select} WHERE ${cond} AND ${k} < ? ORDER BY ${k} DESC LIMIT ?`)
        .all(...source.params, request.before, request.limit) as Record<string, unknown>[]
    ).reverse();
  } else {
    rows = (
      db
        .prepare(`${select} WHERE ${cond} ORDER BY ${k} DESC LIMIT ?`)
        .all(...source.params, request.limit) as Record<string, unknown>[]
    ).reverse();
  }
  const messages = rows.map((row) => source.map(row, Number(row[KEY_COLUMN])));
  if (messages.length === 0) return { messages, olderCursor: null, newerCursor: null };
  const minId = messages[0]!.id;
  const maxId = messages[messages.length - 1]!.id;
  const older = db
    .prepare(`SELECT 1 FROM ${q} WHERE ${cond} AND ${k} < ? LIMIT 1`)
    .get(...source.params, minId);
  const newer = db
    .prepare(`SELECT 1 FROM ${q} WHERE ${cond} AND ${k} > ? LIMIT 1`)
    .get(...source.params, maxId);
  return { messages, olderCursor: older ? minId : null, newerCursor: newer ? maxId : null };
}

/** Columns of a row not already mapped, for Message.extra (long text cut; JSON kept as text here). */
export function leftovers(
  row: Record<string, unknown>,
  mapped: ReadonlySet<string>,
): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    if (name === KEY_COLUMN || mapped.has(name.toLowerCase()) || value === null || value === undefined)
      continue;
    if (typeof value === 'bigint') extra[name] = value.toString();
    else if (value instanceof Uint8Array) extra[name] = `<${value.length} bytes>`;
    else if (typeof value === 'string' && value.length > 2000) extra[name] = `${value.slice(0, 2000)}…`;
    else extra[name] = value;
  }
  return extra;
}
