import { AppError } from '../../shared/errors.ts';
import { decodeKey, keysetPage, readTable, type KeysetRequest } from '../sources/keyset.ts';
import { postgresDialect } from '../sources/sql-engine.ts';
import type { SourceMessage, SourceMessagePage } from '../sources/types.ts';
import type { ReadTx, Row } from './client.ts';

// A PostgreSQL thread (EvoSense's chats) on the one keyset pager (main/sources/keyset.ts), keyed by
// (time, id) compared as a row, cursors holding both as PostgreSQL prints them.

export interface ThreadSpec {
  /** FROM clause (a table). */
  from: string;
  /** Condition selecting the conversation, binding its values through `add`. */
  where(add: (value: unknown) => string): string;
  /** Select list of the message's columns (the key columns are added). */
  select: string;
  time: string;
  id: string;
  /** SQL type of the id column, for the cursor's cast (bigint, text, uuid). */
  idType: string;
  map(row: Row): SourceMessage;
}

function parseAt(at: string): string {
  const trimmed = at.trim();
  if (!/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(trimmed))
    throw new AppError(
      'invalid_input',
      `not a date or time: ${JSON.stringify(trimmed.slice(0, 40))} (use YYYY-MM-DD or ISO 8601)`,
    );
  return trimmed;
}

export async function pageThread(
  tx: ReadTx,
  spec: ThreadSpec,
  request: KeysetRequest,
): Promise<SourceMessagePage> {
  const table = {
    dialect: postgresDialect,
    rows: (sql: string, params: unknown[]) => tx.rows(sql, params),
    select: `${spec.select}, ${spec.time}::text AS ci_time_key, ${spec.id}::text AS ci_id_key`,
    from: spec.from,
    where: spec.where,
    columns: [
      { expr: spec.time, param: (p: string) => `${p}::timestamptz` },
      { expr: spec.id, param: (p: string) => `${p}::${spec.idType}` },
    ],
  };
  const page = await keysetPage<Row>(
    {
      read: (direction, bound, n) => readTable(table, direction, bound, n),
      keyOf: (row) => [String(row.ci_time_key), String(row.ci_id_key)],
      decode: (cursor) => decodeKey(cursor, 2, (key) => key.every((part) => typeof part === 'string')),
      at: (at) => ({ key: [parseAt(at)], inclusive: true }),
    },
    request,
  );
  return { messages: page.rows.map((r) => spec.map(r)), older: page.older, newer: page.newer };
}
