// What "the vacuumed copy holds exactly the same data" means, checked before a swap: the same schema, the
// same pragmas that travel with the file, and for every table the same row count and the same sha256 over
// its rows in rowid order (rowid included, every value with its type), so a single changed byte, a changed
// rowid or a value that changed type is a mismatch.

import { createHash } from 'node:crypto';
import { quoteIdent } from '../sqlite/identifiers.ts';
import type { Reader } from '../sqlite/readable.ts';

export interface TableDigest {
  rows: number;
  sha256: string;
}

export interface DbDigest {
  schema: string;
  userVersion: number;
  applicationId: number;
  tables: Record<string, TableDigest>;
}

function feed(hash: ReturnType<typeof createHash>, value: unknown): void {
  if (value === null) hash.update('n;');
  else if (typeof value === 'bigint') hash.update(`i${value};`);
  else if (typeof value === 'number') {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(value);
    hash.update('r').update(b);
  } else if (typeof value === 'string') {
    const b = Buffer.from(value, 'utf8');
    hash.update(`t${b.length}:`).update(b);
  } else if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    hash.update(`b${value.length}:`).update(value);
  } else hash.update(`?${String(value)};`);
}

function hasRowid(db: Reader, table: string): boolean {
  try {
    db.prepare(`SELECT rowid FROM ${quoteIdent(table)} LIMIT 0`).all();
    return true;
  } catch {
    return false;
  }
}

function tableDigest(db: Reader, table: string): TableDigest {
  const q = quoteIdent(table);
  const columns = (db.prepare(`SELECT * FROM ${q} LIMIT 0`).columns() as unknown[]).length;
  const order = Array.from({ length: columns }, (_, i) => String(i + 1)).join(', ');
  const sql = hasRowid(db, table)
    ? `SELECT rowid, * FROM ${q} ORDER BY rowid`
    : `SELECT * FROM ${q} ORDER BY ${order || '1'}`;
  const hash = createHash('sha256');
  let rows = 0;
  for (const row of db.prepare(sql).raw(true).safeIntegers(true).iterate() as Iterable<unknown[]>) {
    for (const value of row) feed(hash, value);
    hash.update('\n');
    rows++;
  }
  return { rows, sha256: hash.digest('hex') };
}

/** Reads every row of the DB; throws on an unreadable page. */
export function digestDb(db: Reader): DbDigest {
  const schemaRows = db
    .prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name')
    .raw(true)
    .all() as unknown[][];
  const tables = schemaRows.filter((r) => r[0] === 'table').map((r) => String(r[1]));
  const out: Record<string, TableDigest> = {};
  for (const t of tables) out[t] = tableDigest(db, t);
  return {
    schema: JSON.stringify(schemaRows),
    userVersion: Number(db.prepare('PRAGMA user_version').pluck().get()),
    applicationId: Number(db.prepare('PRAGMA application_id').pluck().get()),
    tables: out,
  };
}

/** Every difference between two digests, in words (empty: the same data). */
export function digestDifferences(before: DbDigest, after: DbDigest): string[] {
  const out: string[] = [];
  if (before.schema !== after.schema) out.push('the schema differs');
  if (before.userVersion !== after.userVersion) out.push('user_version differs');
  if (before.applicationId !== after.applicationId) out.push('application_id differs');
  const names = new Set([...Object.keys(before.tables), ...Object.keys(after.tables)]);
  for (const name of [...names].sort()) {
    const a = before.tables[name];
    const b = after.tables[name];
    if (!a || !b) out.push(`table ${name} is missing from one side`);
    else if (a.rows !== b.rows) out.push(`table ${name}: ${a.rows} rows before, ${b.rows} after`);
    else if (a.sha256 !== b.sha256) out.push(`table ${name}: the rows' content differs`);
  }
  return out;
}
