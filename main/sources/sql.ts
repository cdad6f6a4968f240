// What a Source offers to read it as SQL (main/mapping builds on it): the engine-neutral, read-only
// interface. The dialects and engines themselves are beside it (sql-engine.ts): they know no kind, so the
// model and every SQL kind share them.

export type Dialect = 'sqlite' | 'postgres' | 'mysql';
export type Row = Record<string, unknown>;
export type RowsFn = (sql: string, params: unknown[]) => Promise<Row[]>;

/** A column as the mapping sees it: its declared type folded into a few classes. */
export interface ColumnMeta {
  name: string;
  /** The declared type as the catalog spells it (lower case). */
  type: string;
  typeClass: 'integer' | 'number' | 'text' | 'json' | 'time' | 'other';
  primaryKey: boolean;
}

export interface TableMeta {
  name: string;
  columns: ColumnMeta[];
  /** SQLite tables with an implicit rowid (a stable order key when there is no integer primary key). */
  rowid: boolean;
}

export interface SqlDialect {
  readonly name: Dialect;
  quote(identifier: string): string;
  /** The placeholder for the n-th parameter (1-based). */
  placeholder(n: number): string;
  /** Text at a path inside a JSON text (or json/jsonb) column; `path` segments are plain keys. */
  jsonText(columnSql: string, path: readonly string[]): string;
  /** An expression as text (ids and times compared and printed as the store spells them). */
  castText(expr: string): string;
  /** Case-insensitive "contains", with `\` as the LIKE escape character. */
  likeContains(expr: string, placeholder: string): string;
  /** Every table and view of the current database/schema with its columns, one row per column. */
  catalogSql(): string;
}

export interface SqlEngine {
  readonly dialect: SqlDialect;
  rows(sql: string, params?: unknown[]): Promise<Row[]>;
  tables(): Promise<TableMeta[]>;
}
