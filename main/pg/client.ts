import { createRequire } from 'node:module';
import type pg from 'pg';
import type Cursor from 'pg-cursor';
import { pgError } from './errors.ts';
import { checkOptionsEnv, parsePgUrl, type PgTarget } from './url.ts';

// The one way Chat Inspector talks to PostgreSQL. Every unit of work is a transaction opened with
// `BEGIN READ ONLY` and `SET LOCAL statement_timeout / lock_timeout`, re-asserted each time: a role's or
// session's defaults can switch them off, and PgBouncer (transaction pooling) drops startup options. The
// session says `application_name=chat-inspector` so a DBA sees who is reading. Work is async socket I/O: the
// event loop never blocks on the server.

export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
export const LOCK_TIMEOUT_MS = 1000;
export const APPLICATION_NAME = 'chat-inspector';

export type Row = Record<string, unknown>;

export interface ReadTx {
  /** One statement (extended protocol: a second statement in the text is refused by the server). */
  rows<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The rows as arrays, with the column names (SQL console). */
  raw(sql: string, params?: unknown[]): Promise<{ columns: string[]; rows: unknown[][] }>;
  client: pg.PoolClient;
}

export interface PgConnectionOptions {
  statementTimeoutMs?: number;
  /** Sees every statement sent (tests and benchmarks EXPLAIN them). */
  onQuery?: (sql: string, params: unknown[]) => void;
  /** Connections kept for parallel requests (the UI asks for a page and its metrics at once). */
  maxConnections?: number;
}

const require = createRequire(import.meta.url);

interface Driver {
  pg: typeof pg;
  Cursor: typeof Cursor;
}
let driver: Promise<Driver> | null = null;

/**
 * node-postgres, loaded when a PostgreSQL source is first used: loading it (and the network, TLS and
 * crypto modules it needs) cost every CLI run and every worker thread ~20 ms, PostgreSQL or not.
 */
export function pgDriver(): Promise<Driver> {
  driver ??= Promise.all([import('pg'), import('pg-cursor')]).then(([pgModule, cursorModule]) => ({
    pg: pgModule.default,
    Cursor: cursorModule.default,
  }));
  return driver;
}

/**
 * Always the extended protocol, even without parameters: it carries exactly one statement, so text such
 * as `SET transaction_read_only = off; DELETE ...` is refused by the server instead of run in sequence.
 */
function extended(sql: string, params: unknown[]): pg.QueryConfig {
  const config: pg.QueryConfig & { queryMode: 'extended' } = {
    text: sql,
    values: params,
    queryMode: 'extended',
  };
  return config;
}

/** PGPASSWORD, then ~/.pgpass (PGPASSFILE), as libpq does when the URL holds no password. */
async function passwordFor(target: PgTarget, urlPassword: string | null): Promise<string | undefined> {
  if (urlPassword) return urlPassword;
  if (process.env.PGPASSWORD) return process.env.PGPASSWORD;
  const lookup = require('pgpass') as (
    info: { host: string; port: number; database: string; user: string },
    cb: (password: string | undefined) => void,
  ) => void;
  return new Promise((resolve) => {
    try {
      lookup(
        {
          host: target.host,
          port: target.port,
          database: target.database,
          user: target.user ?? process.env.PGUSER ?? process.env.USER ?? '',
        },
        (password) => resolve(password),
      );
    } catch {
      resolve(undefined);
    }
  });
}

const quieted = new WeakSet<pg.PoolClient>();

export class PgConnection {
  readonly target: PgTarget;
  readonly statementTimeoutMs: number;
  /** Made on first use (pgDriver). */
  private pool: Promise<pg.Pool> | null = null;
  private readonly poolOptions: pg.PoolConfig;
  private closed = false;
  private readonly onQuery: ((sql: string, params: unknown[]) => void) | undefined;

  constructor(locator: string, options: PgConnectionOptions = {}) {
    this.target = parsePgUrl(locator);
    checkOptionsEnv(this.target.connectionString);
    this.onQuery = options.onQuery;
    this.statementTimeoutMs = Math.max(
      1,
      Math.round(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS),
    );
    let urlPassword: string | null = null;
    try {
      const url = new URL(this.target.connectionString);
      urlPassword = url.password ? decodeURIComponent(url.password) : null;
    } catch {
      urlPassword = null;
    }
    const target = this.target;
    this.poolOptions = {
      connectionString: this.target.connectionString,
      password: () => passwordFor(target, urlPassword) as Promise<string>,
      application_name: APPLICATION_NAME,
      max: options.maxConnections ?? 4,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 10_000,
    };
  }

  private poolNow(): Promise<pg.Pool> {
    this.pool ??= pgDriver().then(({ pg }) => {
      const pool = new pg.Pool(this.poolOptions);
      // An idle connection the server drops must not take the process down: the next request reconnects.
      pool.on('error', () => {});
      return pool;
    });
    return this.pool;
  }

  private translate(error: unknown): Error {
    return pgError(error, this.target, this.statementTimeoutMs);
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.closed) throw this.translate(new Error('the connection was closed'));
    try {
      const client = await (await this.poolNow()).connect();
      if (!quieted.has(client)) {
        // A connection that dies while idle in the pool must not crash the process; the next use reports it.
        client.on('error', () => {});
        quieted.add(client);
      }
      return client;
    } catch (error) {
      throw this.translate(error);
    }
  }

  private beginSql(snapshot: boolean): string {
    return [
      snapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN READ ONLY',
      `SET LOCAL statement_timeout = ${this.statementTimeoutMs}`,
      `SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`,
      `SET LOCAL idle_in_transaction_session_timeout = ${Math.max(60_000, this.statementTimeoutMs * 4)}`,
      "SET LOCAL TimeZone = 'UTC'",
      "SET LOCAL DateStyle = 'ISO, YMD'",
      // pg_catalog first, then the session's own path: a name of the app's queries (a function, an
      // operator, a catalog table) never resolves to a user's object of the same name, however the role's
      // or database's default search_path is set; the person's tables still resolve as before. (No operator
      // here: an operator, too, would be looked up in the path being fixed; rtrim drops the ', ' of an empty one.)
      "SELECT pg_catalog.set_config('search_path', pg_catalog.rtrim(pg_catalog.concat_ws(', ', 'pg_catalog', pg_catalog.current_setting('search_path')), ', '), true)",
    ].join('; ');
  }

  /** Runs `work` in one read-only transaction; always rolled back (there is nothing to commit). */
  /**
   * A pooled connection with its read-only transaction begun. A pooled connection the server dropped while
   * idle (restart, pg_terminate_backend, a proxy's idle timeout) fails at BEGIN, before anything was read:
   * it is discarded and a fresh one is tried, once.
   */
  private async begin(snapshot: boolean): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect();
      try {
        await client.query(this.beginSql(snapshot));
        return client;
      } catch (error) {
        client.release(error instanceof Error ? error : new Error(String(error)));
        if (attempt > 0) throw this.translate(error);
      }
    }
  }

  async read<T>(work: (tx: ReadTx) => Promise<T>, options: { snapshot?: boolean } = {}): Promise<T> {
    const client = await this.begin(options.snapshot ?? false);
    let broken: Error | undefined;
    try {
      const tx: ReadTx = {
        client,
        rows: async <R extends Row>(sql: string, params: unknown[] = []) => {
          this.onQuery?.(sql, params);
          return (await client.query<R>(extended(sql, params))).rows;
        },
        raw: async (sql: string, params: unknown[] = []) => {
          const config: pg.QueryArrayConfig = { ...extended(sql, params), rowMode: 'array' };
          const result = await client.query(config);
          return { columns: result.fields.map((f) => f.name), rows: result.rows as unknown[][] };
        },
      };
      const result = await work(tx);
      await client.query('ROLLBACK');
      return result;
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      try {
        await client.query('ROLLBACK');
        broken = undefined; // the connection is still good: give it back to the pool
      } catch {
        // the connection itself failed: it is destroyed below
      }
      throw this.translate(error);
    } finally {
      client.release(broken);
    }
  }

  /**
   * Rows of one query streamed through a server-side cursor, `pageSize` at a time, inside one read-only
   * REPEATABLE READ transaction (a consistent snapshot from first page to last). Memory holds one page.
   */
  async *stream<T extends Row = Row>(sql: string, params: unknown[], pageSize: number): AsyncGenerator<T[]> {
    const client = await this.begin(true);
    let broken: Error | undefined;
    let cursor: Cursor<T> | null = null;
    try {
      // The whole result will be read: plan for total cost, not for a fast first row (a fast-start plan
      // can walk a global time index across every tenant before the first match).
      await client.query('SET LOCAL cursor_tuple_fraction = 1.0');
      this.onQuery?.(sql, params);
      const { Cursor } = await pgDriver();
      cursor = client.query(new Cursor<T>(sql, params));
      for (;;) {
        const rows = await cursor.read(pageSize);
        if (rows.length === 0) break;
        yield rows;
      }
      await cursor.close();
      cursor = null;
      await client.query('ROLLBACK');
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw this.translate(error);
    } finally {
      if (cursor && !broken) {
        // The consumer stopped early (break / cancel): close the cursor and end the transaction.
        try {
          await cursor.close();
          await client.query('ROLLBACK');
        } catch (error) {
          broken = error instanceof Error ? error : new Error(String(error));
        }
      }
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pool) await (await this.pool).end();
  }
}
