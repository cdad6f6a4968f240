import type { Message, MessagePage } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import { KEY_COLUMN, pageThread, TIME_COLUMN } from '../sources/thread-order.ts';
import type { SchemaObject } from '../sqlite/catalog.ts';

export interface RowidMessageSource {
  db: ReadableDb;
  table: SchemaObject;
  /** The column holding each message's time (null: none, rowid order). */
  time: string | null;
  /** SQL condition selecting one conversation, with its parameters. */
  where: string;
  params: unknown[];
  /** Maps a row (all columns plus KEY_COLUMN = the rowid) onto the common model. */
  map: (row: Record<string, unknown>, key: number) => Message;
}

export interface RowidPageRequest {
  before?: number | undefined;
  after?: number | undefined;
  at?: string | undefined;
  limit: number;
}

export { KEY_COLUMN };

/**
 * Messages of tables whose ids are not integers (the clinic's TEXT uuids) or not trusted to be: the rowid is
 * the key exposed as Message.id, and the thread is in time order by the one rule of
 * sources/thread-order.ts (time, then rowid; keyset, never OFFSET). Rows come back oldest first.
 */
export function pageByRowid(source: RowidMessageSource, request: RowidPageRequest): MessagePage {
  const { db, table } = source;
  const k = table.rowidName;
  if (!k) throw new AppError('corrupt', `${table.name} has no rowid: its messages cannot be paged`);
  const page = pageThread(
    { db, table: table.name, key: k, time: source.time, where: source.where, params: source.params },
    request,
  );
  return {
    messages: page.rows.map((row) => source.map(row, Number(row[KEY_COLUMN]))),
    olderCursor: page.olderCursor,
    newerCursor: page.newerCursor,
  };
}

/** Columns of a row not already mapped, for Message.extra (long text cut; JSON kept as text here). */
export function leftovers(
  row: Record<string, unknown>,
  mapped: ReadonlySet<string>,
): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    if (
      name === KEY_COLUMN ||
      name === TIME_COLUMN ||
      mapped.has(name.toLowerCase()) ||
      value === null ||
      value === undefined
    )
      continue;
    if (typeof value === 'bigint') extra[name] = value.toString();
    else if (value instanceof Uint8Array) extra[name] = `<${value.length} bytes>`;
    else if (typeof value === 'string' && value.length > 2000) extra[name] = `${value.slice(0, 2000)}…`;
    else extra[name] = value;
  }
  return extra;
}
