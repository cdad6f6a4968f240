import { AppError } from '../../shared/errors.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import type { TablePage } from '../../shared/domain.ts';
import type { SchemaObject } from '../sqlite/catalog.ts';

// The SQL console runs what a person typed, so it is checked three times: here (one statement that
// starts with SELECT or WITH), by SQLite when it is prepared (`stmt.readonly`, i.e. sqlite3_stmt_readonly,
// must be true: `WITH x AS (...) DELETE ...` starts with WITH and is refused there), and by the
// connection itself, which is opened read-only.

/** Comments and whitespace before the first keyword. */
const LEADING = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/** The statement without leading comments and trailing semicolons, or an invalid_input error. */
export function checkConsoleSql(sql: string): string {
  const body = sql.replace(LEADING, '').replace(/[\s;]+$/, '');
  if (body.length === 0) throw new AppError('invalid_input', 'Type a SELECT statement to run.');
  const keyword = /^[A-Za-z]+/.exec(body)?.[0]?.toUpperCase() ?? '';
  if (keyword !== 'SELECT' && keyword !== 'WITH')
    throw new AppError(
      'invalid_input',
      `Only SELECT and WITH statements run here (this one starts with ${keyword || JSON.stringify(body.slice(0, 12))}): the console never changes a file.`,
    );
  return body;
}

export const FILTER_OPS = [
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'contains',
  'starts',
  'null',
  'notnull',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export interface RowFilter {
  column: string;
  op: FilterOp;
  value?: string | undefined;
}

export interface RowSort {
  column: string;
  desc: boolean;
}

/** One page of a table for the worker (main/query/table-page.ts reads it; here so runner.ts needs no reader). */
export interface TablePageItem {
  /** A real path the caller checked against the allow-list. */
  path: string;
  table: string;
  sort?: RowSort | undefined;
  filters: RowFilter[];
  offset: number;
  limit: number;
}

export type TablePageResult = TablePage;

const COMPARE: Partial<Record<FilterOp, string>> = {
  eq: '=',
  ne: '<>',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A typed number compares as a number (SQLite's affinity does the rest), anything else as text. */
function operand(value: string): string | number {
  return /^-?\d+(\.\d+)?$/.test(value.trim()) && value.trim().length < 16 ? Number(value) : value;
}

/**
 * A page of one table or view, sorted by any column and filtered, as SQL with bound parameters. Column
 * names are those the file itself declares (checked against `object`), always quoted; values are bound.
 * The first result column is the row key: the rowid where there is one (so "expand cell" still works),
 * else the 1-based position in this order.
 */
export function tableQuerySql(
  object: SchemaObject,
  options: { sort?: RowSort | undefined; filters: RowFilter[]; offset: number; limit: number },
): { sql: string; params: unknown[]; key: string } {
  const known = new Set(object.columns.map((c) => c.name));
  const column = (name: string) => {
    if (!known.has(name) && name !== object.rowidName)
      throw new AppError(
        'invalid_input',
        `${JSON.stringify(object.name)} has no column named ${JSON.stringify(name)}`,
      );
    return name === object.rowidName ? name : quoteIdent(name);
  };
  const where: string[] = [];
  const params: unknown[] = [];
  for (const f of options.filters) {
    const c = column(f.column);
    const value = f.value ?? '';
    const cmp = COMPARE[f.op];
    if (cmp) {
      where.push(`${c} ${cmp} ?`);
      params.push(operand(value));
    } else if (f.op === 'contains' || f.op === 'starts') {
      where.push(`CAST(${c} AS TEXT) LIKE ? ESCAPE '\\'`);
      params.push(f.op === 'contains' ? `%${likeEscape(value)}%` : `${likeEscape(value)}%`);
    } else if (f.op === 'null') where.push(`${c} IS NULL`);
    else where.push(`${c} IS NOT NULL`);
  }
  const key = object.rowidName ?? '#';
  const order: string[] = [];
  if (options.sort) order.push(`${column(options.sort.column)} ${options.sort.desc ? 'DESC' : 'ASC'}`);
  if (object.rowidName) order.push(`${object.rowidName} ${options.sort?.desc ? 'DESC' : 'ASC'}`);
  const list = object.columns.map((c) => quoteIdent(c.name)).join(', ') || 'NULL';
  const keyExpr = object.rowidName ?? 'NULL';
  const sql =
    `SELECT ${keyExpr}, ${list} FROM ${quoteIdent(object.name)}` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    (order.length ? ` ORDER BY ${order.join(', ')}` : '') +
    ` LIMIT ? OFFSET ?`;
  params.push(options.limit, options.offset);
  return { sql, params, key };
}
