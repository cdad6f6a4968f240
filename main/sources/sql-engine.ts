import { AppError } from '../../shared/errors.ts';
import type { ReadableDb } from '../sqlite/open.ts';
import type { ColumnMeta, Dialect, Row, RowsFn, SqlDialect, SqlEngine, TableMeta } from './sql.ts';

// The engine-neutral, read-only SQL a mapped Source needs: one `rows(sql, params)` function per engine plus
// the dialect's spelling of identifiers, placeholders, JSON paths, case-insensitive LIKE and the catalog.
// SQLite reads through its read-only handle; a server kind plugs in by handing `createEngine(dialect, rows)`
// its own read-only `rows` (PostgreSQL: a read-only transaction per statement, main/pg/source.ts). This
// module knows no kind.

export type { ColumnMeta, Dialect, Row, RowsFn, SqlDialect, SqlEngine, TableMeta };

/** A JSON path segment is embedded in SQL text: only plain keys and array indexes are accepted. */
export function requirePathSegment(segment: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]{0,63}$|^\d{1,6}$/.test(segment))
    throw new AppError(
      'invalid_input',
      `${JSON.stringify(segment.slice(0, 80))} is not a JSON key Chat Inspector can follow (letters, digits, _ and - only)`,
    );
  return segment;
}

function quoteWith(char: string): (identifier: string) => string {
  return (identifier) => `${char}${identifier.split(char).join(char + char)}${char}`;
}

const jsonDollarPath = (path: readonly string[]): string =>
  `'$${path.map((s) => (/^\d+$/.test(requirePathSegment(s)) ? `[${s}]` : `.${s}`)).join('')}'`;

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  quote: quoteWith('"'),
  placeholder: () => '?',
  // json_extract on text that is not JSON raises an error: such rows read as no text instead.
  jsonText: (column, path) =>
    `(CASE WHEN json_valid(${column}) THEN json_extract(${column}, ${jsonDollarPath(path)}) END)`,
  castText: (expr) => `CAST(${expr} AS TEXT)`,
  likeContains: (expr, ph) => `${expr} LIKE ${ph} ESCAPE '\\'`,
  catalogSql: () =>
    `SELECT m.name AS table_name, p.name AS column_name, lower(p.type) AS data_type, p.pk AS pk,
            m.type AS object_type, m.sql AS object_sql
     FROM sqlite_schema m JOIN pragma_table_info(m.name) p
     WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
     ORDER BY m.name, p.cid`,
};

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  quote: quoteWith('"'),
  placeholder: (n) => `$${n}`,
  jsonText: (column, path) =>
    `(${column}::jsonb #>> '{${path.map((s) => requirePathSegment(s)).join(',')}}')`,
  castText: (expr) => `(${expr})::text`,
  likeContains: (expr, ph) => `${expr} ILIKE ${ph}`,
  catalogSql: () =>
    `SELECT c.relname AS table_name, a.attname AS column_name,
            pg_catalog.lower(pg_catalog.format_type(a.atttypid, a.atttypmod)) AS data_type,
            CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary
                              AND a.attnum = ANY(i.indkey)) THEN 1 ELSE 0 END AS pk,
            c.relkind::text AS object_type, NULL AS object_sql
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = ANY(pg_catalog.current_schemas(false))
       AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
     ORDER BY c.relname, a.attnum`,
};

export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  quote: quoteWith('`'),
  placeholder: () => '?',
  jsonText: (column, path) => `JSON_UNQUOTE(JSON_EXTRACT(${column}, ${jsonDollarPath(path)}))`,
  castText: (expr) => `CAST(${expr} AS CHAR)`,
  // MySQL string literals treat a backslash as an escape: '\\' is one backslash.
  likeContains: (expr, ph) => `LOWER(${expr}) LIKE LOWER(${ph}) ESCAPE '\\\\'`,
  catalogSql: () =>
    `SELECT c.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name, LOWER(c.COLUMN_TYPE) AS data_type,
            CASE WHEN c.COLUMN_KEY = 'PRI' THEN 1 ELSE 0 END AS pk,
            t.TABLE_TYPE AS object_type, NULL AS object_sql
     FROM information_schema.COLUMNS c
     JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
     WHERE c.TABLE_SCHEMA = DATABASE()
     ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
};

export const dialects: Record<Dialect, SqlDialect> = {
  sqlite: sqliteDialect,
  postgres: postgresDialect,
  mysql: mysqlDialect,
};

/** Folds a declared type into the classes the mapping guess reasons with. */
export function typeClassOf(type: string): ColumnMeta['typeClass'] {
  const t = type.toLowerCase();
  if (/json/.test(t)) return 'json';
  if (/timestamp|datetime|^date$|^time\b/.test(t)) return 'time';
  if (/int|serial/.test(t)) return 'integer';
  if (/real|floa|doub|numeric|decimal/.test(t)) return 'number';
  if (/char|text|clob|string|uuid|enum/.test(t) || t === '') return 'text';
  return 'other';
}

/** Catalog rows (one per column, in table order) into tables. */
export function tablesFromCatalog(rows: Row[]): TableMeta[] {
  const tables = new Map<string, TableMeta>();
  for (const r of rows) {
    const name = String(r.table_name);
    let table = tables.get(name);
    if (!table) {
      const sql = typeof r.object_sql === 'string' ? r.object_sql : '';
      const objectType = String(r.object_type ?? '');
      table = {
        name,
        columns: [],
        rowid: objectType === 'table' && !/without\s+rowid/i.test(sql),
      };
      tables.set(name, table);
    }
    const type = String(r.data_type ?? '');
    table.columns.push({
      name: String(r.column_name),
      type,
      typeClass: typeClassOf(type),
      primaryKey: Number(r.pk) > 0,
    });
  }
  return [...tables.values()];
}

/** An engine from a dialect and a read-only `rows` function (the MySQL session passes its own). */
export function createEngine(dialect: Dialect, rows: RowsFn): SqlEngine {
  const spelled = dialects[dialect];
  return {
    dialect: spelled,
    rows: (sql, params = []) => rows(sql, params),
    tables: async () => tablesFromCatalog(await rows(spelled.catalogSql(), [])),
  };
}

/** SQLite through the read-only handle (better-sqlite3 is synchronous; the promise keeps one interface). */
export function sqliteEngine(db: ReadableDb): SqlEngine {
  return createEngine('sqlite', async (sql, params) => {
    const statement = db.prepare(sql);
    return statement.all(...params.map((p) => (typeof p === 'boolean' ? Number(p) : p))) as Row[];
  });
}

/** Collects parameters while a statement is written, numbering placeholders the dialect's way. */
export class Params {
  readonly values: unknown[] = [];
  private readonly dialect: SqlDialect;
  constructor(dialect: SqlDialect) {
    this.dialect = dialect;
  }
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }
}

/** `%needle%` with LIKE's wildcards escaped (the dialects above declare `\` as the escape). */
export function containsPattern(needle: string): string {
  return `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
