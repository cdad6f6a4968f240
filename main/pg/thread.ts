import type { SourceMessage, SourceMessagePage } from '../sources/types.ts';
import { decodeCursor, encodeCursor } from '../sources/cursor.ts';
import type { ReadTx, Row } from './client.ts';
import { AppError } from '../../shared/errors.ts';

// Keyset paging of one conversation's messages on (time, id): the newest page, older than a cursor, newer
// than a cursor, or from a moment on. Each page asks for one row more than it shows, to know whether the
// pager can go on in that direction; the other direction is one indexed EXISTS. No OFFSET anywhere.

export interface ThreadSpec {
  /** FROM clause (a table). */
  from: string;
  /** Condition selecting the conversation, using $1..$n. */
  where: string;
  params: unknown[];
  /** Select list; must include `${time}::text AS ci_time_key` and `${id}::text AS ci_id_key`. */
  select: string;
  time: string;
  id: string;
  /** SQL type of the id column, for the cursor's cast (bigint, text, uuid). */
  idType: string;
  map(row: Row): SourceMessage;
}

export interface ThreadRequest {
  limit: number;
  before?: string | undefined;
  after?: string | undefined;
  at?: string | undefined;
}

const KEY_SELECT = (spec: ThreadSpec) =>
  `${spec.select}, ${spec.time}::text AS ci_time_key, ${spec.id}::text AS ci_id_key`;

function keyOf(row: Row): string {
  return encodeCursor([String(row.ci_time_key), String(row.ci_id_key)]);
}

function parseKey(cursor: string): [string, string] {
  const [time, id] = decodeCursor(cursor, 2);
  if (typeof time !== 'string' || typeof id !== 'string')
    throw new AppError(
      'invalid_input',
      'that cursor is not one this source gave out: start from the first page',
    );
  return [time, id];
}

export function parseAt(at: string): string {
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
  request: ThreadRequest,
): Promise<SourceMessagePage> {
  const n = spec.params.length;
  const key = `(${spec.time}, ${spec.id})`;
  const cast = (i: number) => `($${i}::timestamptz, $${i + 1}::${spec.idType})`;
  const base = `SELECT ${KEY_SELECT(spec)} FROM ${spec.from} WHERE (${spec.where})`;
  const desc = `ORDER BY ${spec.time} DESC, ${spec.id} DESC`;
  const asc = `ORDER BY ${spec.time} ASC, ${spec.id} ASC`;
  const limit = request.limit;
  let rows: Row[];
  let olderMore: boolean | null = null;
  let newerMore: boolean | null = null;
  if (request.after !== undefined) {
    const [t, id] = parseKey(request.after);
    rows = await tx.rows(`${base} AND ${key} > ${cast(n + 1)} ${asc} LIMIT ${limit + 1}`, [
      ...spec.params,
      t,
      id,
    ]);
    newerMore = rows.length > limit;
    rows = rows.slice(0, limit);
  } else if (request.at !== undefined) {
    rows = await tx.rows(`${base} AND ${spec.time} >= $${n + 1}::timestamptz ${asc} LIMIT ${limit + 1}`, [
      ...spec.params,
      parseAt(request.at),
    ]);
    newerMore = rows.length > limit;
    rows = rows.slice(0, limit);
    if (rows.length === 0) {
      // Past the last message: show the newest page instead of nothing.
      rows = (await tx.rows(`${base} ${desc} LIMIT ${limit + 1}`, spec.params)).reverse();
      olderMore = rows.length > limit;
      rows = rows.slice(-limit);
      newerMore = false;
    }
  } else if (request.before !== undefined) {
    const [t, id] = parseKey(request.before);
    rows = (
      await tx.rows(`${base} AND ${key} < ${cast(n + 1)} ${desc} LIMIT ${limit + 1}`, [...spec.params, t, id])
    ).reverse();
    olderMore = rows.length > limit;
    rows = rows.slice(-limit);
  } else {
    rows = (await tx.rows(`${base} ${desc} LIMIT ${limit + 1}`, spec.params)).reverse();
    olderMore = rows.length > limit;
    rows = rows.slice(-limit);
    newerMore = false;
  }
  if (rows.length === 0) return { messages: [], older: null, newer: null };
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const exists = async (op: '<' | '>', row: Row): Promise<boolean> =>
    (
      await tx.rows(
        `SELECT 1 FROM ${spec.from} WHERE (${spec.where}) AND ${key} ${op} ${cast(n + 1)} LIMIT 1`,
        [...spec.params, row.ci_time_key, row.ci_id_key],
      )
    ).length > 0;
  olderMore ??= await exists('<', first);
  newerMore ??= await exists('>', last);
  return {
    messages: rows.map((r) => spec.map(r)),
    older: olderMore ? keyOf(first) : null,
    newer: newerMore ? keyOf(last) : null,
  };
}
