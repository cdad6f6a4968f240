import { pathToFileURL } from 'node:url';
import { AppError } from '../../shared/errors.ts';
import Database from './driver.ts';

// The read handle. Browsing code gets a ReadableDb, never a better-sqlite3 Database: its `prepare` compiles
// the statement and refuses it unless SQLite itself says it cannot change a database file
// (sqlite3_stmt_readonly, better-sqlite3's `stmt.readonly`), and its statements have no `run`. A few
// statements SQLite calls "read-only" still change what the connection can reach (ATTACH, DETACH) or are
// settings (PRAGMA x = y): those are refused too, except a short list of harmless connection settings.
// Writable connections are a separate type, opened only by main/sqlite/write.ts.

declare const readableBrand: unique symbol;

/** A compiled read statement: better-sqlite3's Statement without `run`. */
export interface ReadStatement<BindParameters extends unknown[] = unknown[], Result = unknown> {
  readonly source: string;
  readonly reader: boolean;
  readonly busy: boolean;
  get(...params: BindParameters): Result | undefined;
  all(...params: BindParameters): Result[];
  iterate(...params: BindParameters): IterableIterator<Result>;
  pluck(toggleState?: boolean): this;
  expand(toggleState?: boolean): this;
  raw(toggleState?: boolean): this;
  bind(...params: BindParameters): this;
  safeIntegers(toggleState?: boolean): this;
  columns(): Database.ColumnDefinition[];
}

/** The statements a read transaction needs, and nothing else, are what `exec` accepts. */
export type ReadTransactionStatement = 'BEGIN' | 'BEGIN DEFERRED' | 'COMMIT' | 'END' | 'ROLLBACK';

/** A connection that can only read (see the top of this file). */
export interface ReadableDb {
  readonly [readableBrand]: true;
  /** The file this connection reads. */
  readonly name: string;
  // The same generic shape as better-sqlite3's, so a writable connection also satisfies `Reader`.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  prepare<BindParameters extends unknown[] | {} = unknown[], Result = unknown>(
    sql: string,
  ): BindParameters extends unknown[]
    ? ReadStatement<BindParameters, Result>
    : ReadStatement<[BindParameters], Result>;
  /** Reads a pragma (`journal_mode`, `table_info(t)`, ...) or sets one of a few connection settings. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Registers an SQL function on this connection (it changes no file). */
  function(name: string, fn: (...args: never[]) => unknown): this;
  function(name: string, options: Database.RegistrationOptions, fn: (...args: never[]) => unknown): this;
  /** The database as SQLite reads it now (the -wal's rows included), as one buffer. */
  serialize(options?: Database.SerializeOptions): Buffer;
  /** Copies the database into a new file (the online backup API reads this one; it writes only `destination`). */
  backup(destination: string, options?: Database.BackupOptions): Promise<Database.BackupMetadata>;
  /** Starts or ends a read transaction (several reads that must see one snapshot). */
  exec(sql: ReadTransactionStatement): this;
  close(): void;
}

/** Connection settings a reader may change: they affect only this connection, never a file. */
const SETTABLE_PRAGMAS = new Set(['busy_timeout', 'cache_size', 'temp_store', 'mmap_size', 'query_only']);

/** Pragmas that only report (some of them SQLite does not mark read-only, e.g. `journal_mode`). */
const READABLE_PRAGMAS = new Set([
  'application_id',
  'auto_vacuum',
  'busy_timeout',
  'cache_size',
  'collation_list',
  'compile_options',
  'data_version',
  'database_list',
  'encoding',
  'foreign_key_check',
  'foreign_key_list',
  'foreign_keys',
  'freelist_count',
  'function_list',
  'index_info',
  'index_list',
  'index_xinfo',
  'integrity_check',
  'journal_mode',
  'page_count',
  'page_size',
  'quick_check',
  'schema_version',
  'table_info',
  'table_list',
  'table_xinfo',
  'user_version',
]);

/** Statements SQLite marks read-only that still change what the connection reaches or maintains. */
const REFUSED_KEYWORDS = new Set(['ATTACH', 'DETACH', 'REINDEX', 'VACUUM', 'ANALYZE']);

const TRANSACTION_STATEMENTS: ReadonlySet<string> = new Set<ReadTransactionStatement>([
  'BEGIN',
  'BEGIN DEFERRED',
  'COMMIT',
  'END',
  'ROLLBACK',
]);

function refused(sql: string, why: string): AppError {
  const shown = sql.replace(/\s+/g, ' ').trim().slice(0, 80);
  return new AppError('invalid_input', `refused on a read-only connection (${why}): ${shown}`);
}

/** The first keyword of a statement, past comments and whitespace. */
function firstKeyword(sql: string): string {
  const text = sql.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '');
  return (/^[A-Za-z]+/.exec(text)?.[0] ?? '').toUpperCase();
}

/** `name`, `schema.name`, `name(arg)` or `name = value` of a pragma's text, lower-cased name. */
function parsePragma(source: string): { name: string; assigns: boolean } | null {
  const m = /^\s*(?:"?[\w]+"?\s*\.\s*)?"?(\w+)"?\s*(=|\(|$)/.exec(source);
  if (!m?.[1]) return null;
  return { name: m[1].toLowerCase(), assigns: m[2] === '=' };
}

/** Checks a statement for the read handle; returns it compiled or throws. */
function checkedStatement(compile: (sql: string) => Database.Statement, sql: string): Database.Statement {
  const keyword = firstKeyword(sql);
  if (REFUSED_KEYWORDS.has(keyword)) throw refused(sql, `${keyword} is not reading`);
  if (keyword === 'PRAGMA') {
    const pragma = parsePragma(sql.replace(/^\s*PRAGMA\s+/i, ''));
    if (pragma?.assigns && !SETTABLE_PRAGMAS.has(pragma.name)) throw refused(sql, 'it sets a pragma');
  }
  const stmt = compile(sql);
  if (!stmt.readonly) throw refused(sql, 'it would write');
  return stmt;
}

export interface ReadableOptions {
  /** The file the handle reads (default: the connection's own name). */
  name?: string;
  /** Compiles statements some other way (a shared connection's statement cache). */
  compile?: (sql: string) => Database.Statement;
  /** Runs instead of closing the connection (a shared connection detaches its file). */
  close?: () => void;
  /** False: `pragma()` is not offered (a shared connection's pragmas would describe another file). */
  pragmas?: boolean;
}

/**
 * Wraps a connection in the read handle. Only main/sqlite/ (open.ts, cache.ts) and the integrity check's
 * shared connection call this: everything else receives a ReadableDb.
 */
export function readable(raw: Database.Database, options: ReadableOptions = {}): ReadableDb {
  const compile = options.compile ?? ((sql: string) => raw.prepare(sql));
  const handle = {
    name: options.name ?? raw.name,
    prepare: (sql: string) => checkedStatement(compile, sql),
    pragma(source: string, pragmaOptions?: { simple?: boolean }): unknown {
      if (options.pragmas === false)
        throw new AppError('internal', 'pragma() is not available on this connection; use prepare()');
      const pragma = parsePragma(source);
      const allowed =
        pragma !== null &&
        (pragma.assigns ? SETTABLE_PRAGMAS.has(pragma.name) : READABLE_PRAGMAS.has(pragma.name));
      if (!allowed) throw refused(`PRAGMA ${source}`, 'not a pragma a reader may use');
      return raw.pragma(source, pragmaOptions);
    },
    function(name: string, ...rest: unknown[]) {
      (raw.function as (name: string, ...rest: unknown[]) => unknown)(name, ...rest);
      return handle;
    },
    serialize: (serializeOptions?: Database.SerializeOptions) => raw.serialize(serializeOptions),
    backup: (destination: string, backupOptions?: Database.BackupOptions) =>
      raw.backup(destination, backupOptions),
    exec(sql: string) {
      if (!TRANSACTION_STATEMENTS.has(sql.trim().toUpperCase()))
        throw refused(sql, 'exec() only begins or ends a read transaction');
      raw.exec(sql);
      return handle;
    },
    close: () => {
      if (options.close) options.close();
      else raw.close();
    },
  };
  return handle as unknown as ReadableDb;
}

/** What a function that only runs queries needs: a read handle, or (inside a write operation) a writable one. */
export type Reader = Pick<ReadableDb, 'prepare'>;

/**
 * Opens a private file nobody else writes (a copy or a staged temporary file of a write operation) for
 * reading: no locks, and no -wal/-shm/-journal created beside it. Files of a data root go through
 * openReadonly (main/sqlite/open.ts), which handles a live writer.
 */
export function openPrivateReadonly(path: string): ReadableDb {
  return readable(
    new Database(`${pathToFileURL(path).href}?immutable=1`, { readonly: true, fileMustExist: true }),
    { name: path },
  );
}

/** Opens a database image held in memory (an archive member) for reading. */
export function openImageReadonly(image: Buffer): ReadableDb {
  return readable(new Database(image, { readonly: true }), { name: ':memory:' });
}

/**
 * An empty in-memory connection that files are ATTACHed to read-only (the integrity check's shared
 * connection). It never holds a file of its own; what it hands out is wrapped with `readable`.
 */
export function openAttachHost(busyTimeoutMs: number): Database.Database {
  return new Database(':memory:', { timeout: busyTimeoutMs });
}
