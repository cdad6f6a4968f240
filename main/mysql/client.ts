import type mysql from 'mysql2';
import type { FieldPacket, Pool, PoolConnection } from 'mysql2';
import { AppError } from '../../shared/errors.ts';
import { mysqlError } from './errors.ts';
import { parseMysqlUrl, type MysqlTarget } from './url.ts';

// The one way Chat Inspector talks to MySQL and MariaDB. Every pooled connection is set up once, before its
// first statement: `SET SESSION TRANSACTION READ ONLY` (each later transaction, autocommit ones included, is
// read-only: the server refuses writes), UTC, and a statement time limit in the server's own dialect —
// MariaDB's `max_statement_time` (seconds) and MySQL's `max_execution_time` (ms) are each an unknown variable
// on the other, so the server is detected first (VERSION(), @@version_comment). mysql2's own `timeout` would
// only stop the client waiting while the statement runs on; the server's limit stops the statement.
// One statement per call (multipleStatements off), LOAD DATA LOCAL refused (the LOCAL_FILES flag is off).

export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
/** A pooled connection idle longer than this is pinged before use. */
const IDLE_PING_MS = 5000;

export type Row = Record<string, unknown>;
export type MysqlDialect = 'mariadb' | 'mysql';

export interface MysqlConnectionOptions {
  statementTimeoutMs?: number | undefined;
  /** Sees every statement sent (tests and benchmarks EXPLAIN them). */
  onQuery?: ((sql: string, params: unknown[]) => void) | undefined;
  /** Connections kept for parallel requests (the UI asks for a page and its metrics at once). */
  maxConnections?: number;
}

/** The statement that sets the time limit, per dialect. */
export function statementTimeLimitSql(dialect: MysqlDialect, ms: number): string {
  return dialect === 'mariadb'
    ? `SET SESSION max_statement_time = ${(ms / 1000).toFixed(3)}`
    : `SET SESSION max_execution_time = ${Math.max(1, Math.round(ms))}`;
}

/**
 * The second guard behind the server's read-only transaction (MySQL runs DDL outside any transaction, so
 * `SET SESSION TRANSACTION READ ONLY` does not stop a DROP there): only reading statements are sent.
 */
export function requireReadStatement(sql: string): string {
  const text = sql.trim().replace(/;\s*$/, '');
  const bare = text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(--\s|#)[^\n]*/g, ' ')
    .replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"/g, "''")
    .trim();
  const first = /^\(*\s*([a-z]+)/i.exec(bare)?.[1]?.toLowerCase() ?? '';
  const refuse = (why: string): never => {
    throw new AppError('read_only', `refused: Chat Inspector only reads (${why})`);
  };
  if (!['select', 'with', 'show', 'explain', 'describe', 'desc', 'values', 'table'].includes(first))
    refuse(`${first ? first.toUpperCase() : 'an empty statement'} is not a reading statement`);
  if (/\binto\s+(outfile|dumpfile)\b/i.test(bare))
    refuse('SELECT … INTO OUTFILE writes a file on the server');
  if (first === 'with' && /\b(insert|update|delete|replace)\b/i.test(bare))
    refuse('a WITH statement that changes rows');
  if (
    first === 'explain' &&
    /^\(*\s*explain\s+analy[sz]e\b/i.test(bare) &&
    /\b(insert|update|delete|replace)\b/i.test(bare)
  )
    refuse('EXPLAIN ANALYZE runs the statement');
  return text;
}

const ISO_LENGTH = 24;

/** A DATETIME as mysql2 returns it with dateStrings ('YYYY-MM-DD HH:MM:SS[.fff]', UTC) → ISO 8601 with ms. */
export function isoFromMysql(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  const s = String(value);
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(s);
  if (!m) return s;
  const ms = ((m[3] ?? '.000').slice(1) + '000').slice(0, 3);
  const iso = `${m[1]}T${m[2]}.${ms}Z`;
  return iso.length === ISO_LENGTH ? iso : s;
}

/** ISO 8601 (any offset) → the DATETIME literal MySQL compares with ('YYYY-MM-DD HH:MM:SS.fff', UTC). */
export function mysqlFromIso(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t))
    throw new AppError('invalid_input', `not a date or time: ${JSON.stringify(iso.slice(0, 40))}`);
  return new Date(t).toISOString().replace('T', ' ').replace('Z', '');
}

export class MysqlConnection {
  readonly target: MysqlTarget;
  readonly statementTimeoutMs: number;
  private readonly pool: Pool;
  private readonly prepared = new WeakSet<PoolConnection>();
  private readonly lastUsed = new WeakMap<PoolConnection, number>();
  private readonly onQuery: ((sql: string, params: unknown[]) => void) | undefined;
  private detected: { dialect: MysqlDialect; version: string } | null = null;
  private closed = false;

  private constructor(driver: typeof mysql, locator: string, options: MysqlConnectionOptions) {
    this.target = parseMysqlUrl(locator);
    this.onQuery = options.onQuery;
    this.statementTimeoutMs = Math.max(
      1,
      Math.round(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS),
    );
    this.pool = driver.createPool({
      host: this.target.host,
      port: this.target.port,
      socketPath: this.target.socketPath,
      user: this.target.user,
      password: this.target.password,
      database: this.target.database,
      connectionLimit: options.maxConnections ?? 4,
      maxIdle: options.maxConnections ?? 4,
      idleTimeout: 30_000,
      connectTimeout: 10_000,
      multipleStatements: false,
      flags: ['-LOCAL_FILES', '-MULTI_STATEMENTS'],
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: true,
      timezone: 'Z',
      charset: 'UTF8MB4_UNICODE_CI',
      connectAttributes: { program_name: 'chat-inspector' },
    });
    // An idle connection the server drops must not take the process down: the next request reconnects.
    this.pool.on('connection', (conn) => {
      (conn as unknown as { on(e: string, f: () => void): void }).on('error', () => {});
    });
  }

  /** Connects once (errors as one line), detects MariaDB or MySQL, and sets the first session up. */
  static async open(locator: string, options: MysqlConnectionOptions = {}): Promise<MysqlConnection> {
    // Loaded here, on first use: mysql2 (and the network and TLS modules it needs) cost every CLI run
    // and every worker thread ~25 ms, MySQL or not.
    const driver = (await import('mysql2')).default;
    const connection = new MysqlConnection(driver, locator, options);
    try {
      await connection.rows('SELECT 1 AS ok');
      return connection;
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** 'mariadb' or 'mysql' (known after open). */
  get dialect(): MysqlDialect {
    return this.detected?.dialect ?? 'mysql';
  }

  get serverVersion(): string {
    return this.detected?.version ?? '';
  }

  translate(error: unknown): AppError {
    return mysqlError(error, this.target, this.statementTimeoutMs);
  }

  private raw<T>(
    conn: PoolConnection,
    sql: string,
    params: unknown[],
    rowsAsArray = false,
  ): Promise<[T, FieldPacket[]]> {
    return new Promise((resolve, reject) => {
      conn.query({ sql, values: params, rowsAsArray }, (error, result, fields) => {
        if (error) reject(error);
        else resolve([result as T, fields as FieldPacket[]]);
      });
    });
  }

  private async take(): Promise<PoolConnection> {
    if (this.closed) throw this.translate(new Error('the connection was closed'));
    return new Promise<PoolConnection>((resolve, reject) =>
      this.pool.getConnection((error, c) => (error ? reject(this.translate(error)) : resolve(c))),
    );
  }

  /**
   * A prepared connection. One that sat idle in the pool is pinged first: the server (wait_timeout, a
   * restart, KILL) may have dropped it, and a dropped one is discarded for a fresh one before any work.
   */
  private async acquire(): Promise<PoolConnection> {
    for (let attempt = 0; ; attempt++) {
      const conn = await this.take();
      if (this.prepared.has(conn)) {
        const idle = Date.now() - (this.lastUsed.get(conn) ?? 0);
        if (idle < IDLE_PING_MS) return conn;
        try {
          await new Promise<void>((resolve, reject) => conn.ping((e) => (e ? reject(e) : resolve())));
          return conn;
        } catch (error) {
          conn.destroy();
          if (attempt > 0) throw this.translate(error);
          continue;
        }
      }
      try {
        if (!this.detected) {
          const [rows] = await this.raw<Row[]>(conn, 'SELECT VERSION() AS v, @@version_comment AS c', []);
          const version = String(rows[0]?.v ?? '');
          const comment = String(rows[0]?.c ?? '');
          this.detected = {
            dialect: /mariadb/i.test(`${version} ${comment}`) ? 'mariadb' : 'mysql',
            version,
          };
        }
        await this.raw(conn, 'SET SESSION TRANSACTION READ ONLY', []);
        await this.raw(conn, statementTimeLimitSql(this.detected.dialect, this.statementTimeoutMs), []);
        await this.raw(conn, "SET SESSION time_zone = '+00:00'", []);
        this.prepared.add(conn);
        return conn;
      } catch (error) {
        conn.destroy();
        throw this.translate(error);
      }
    }
  }

  private done(conn: PoolConnection, broken: boolean): void {
    if (broken) return void conn.destroy();
    this.lastUsed.set(conn, Date.now());
    conn.release();
  }

  /** Runs `work` on one prepared connection; a connection that failed fatally is destroyed, not pooled. */
  private async withConnection<T>(work: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    try {
      const result = await work(conn);
      this.done(conn, false);
      return result;
    } catch (error) {
      const translated = this.translate(error);
      this.done(conn, (error as { fatal?: boolean }).fatal === true || translated.code === 'connection_lost');
      throw translated;
    }
  }

  /** One read-only statement with `?` parameters; the rows as objects. */
  async rows<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    this.onQuery?.(sql, params);
    return this.withConnection(async (conn) => (await this.raw<T[]>(conn, sql, params))[0]);
  }

  /**
   * A person's statement (SQL console): checked to be a reading one, sent alone with the session's
   * read-only mode re-asserted first, rows as arrays with their column names.
   */
  async console(
    sql: string,
    limit: number,
  ): Promise<{ columns: string[]; rows: unknown[][]; truncated: boolean }> {
    const text = requireReadStatement(sql);
    this.onQuery?.(text, []);
    return this.withConnection(async (conn) => {
      await this.raw(conn, 'SET SESSION TRANSACTION READ ONLY', []);
      const rows: unknown[][] = [];
      let columns: string[] = [];
      let truncated = false;
      // Streamed so that a huge result is cut at `limit` without the whole of it crossing the wire into memory.
      const query = conn.query({ sql: text, rowsAsArray: true });
      await new Promise<void>((resolve, reject) => {
        const unwatch = watchLoss(conn, reject);
        query.on('end', unwatch);
        query.on('fields', (fields: FieldPacket[]) => {
          columns = fields.map((f) => f.name);
        });
        query.on('result', (row: unknown) => {
          if (!Array.isArray(row)) return; // an OK packet (SHOW of nothing)
          if (rows.length < limit) rows.push(row);
          else truncated = true;
        });
        query.on('error', (error: Error) => {
          unwatch();
          reject(error);
        });
        query.on('end', () => resolve());
      });
      return { columns, rows, truncated };
    });
  }

  /**
   * Rows of one query streamed (mysql2 `.stream()`, back-pressured), `pageSize` at a time: memory holds a
   * page. Stopping early (break, cancel) destroys the connection, which is how MySQL abandons a result.
   */
  async *stream<T extends Row = Row>(sql: string, params: unknown[], pageSize: number): AsyncGenerator<T[]> {
    this.onQuery?.(sql, params);
    const conn = await this.acquire();
    let finished = false;
    let failed = false;
    let unwatch = (): void => {};
    try {
      const readable = conn.query({ sql, values: params }).stream({ highWaterMark: pageSize });
      // A connection that dies mid-result ends the connection, not the query's stream: pass it on.
      unwatch = watchLoss(conn, (error) => readable.destroy(error));
      let page: T[] = [];
      try {
        for await (const row of readable) {
          page.push(row as T);
          if (page.length >= pageSize) {
            yield page;
            page = [];
          }
        }
      } catch (error) {
        failed = true;
        throw this.translate(error);
      }
      if (page.length > 0) yield page;
      finished = true;
    } finally {
      unwatch();
      this.done(conn, !finished || failed);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.pool.end(() => resolve()));
  }
}

/**
 * A result read by events (streamed) is not told when its connection dies — the connection is: its 'error'
 * (or a bare 'end') becomes the result's failure. Returns the function that stops watching.
 */
function watchLoss(conn: PoolConnection, fail: (error: Error) => void): () => void {
  const emitter = conn as unknown as {
    on(e: string, f: (error?: Error) => void): void;
    off(e: string, f: (error?: Error) => void): void;
  };
  const onError = (error?: Error) => fail(error ?? lostConnection());
  const onEnd = () => fail(lostConnection());
  emitter.on('error', onError);
  emitter.on('end', onEnd);
  return () => {
    emitter.off('error', onError);
    emitter.off('end', onEnd);
  };
}

function lostConnection(): Error {
  return Object.assign(new Error('Connection lost: The server closed the connection.'), {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
  });
}

/**
 * Opens a read-only MySQL/MariaDB connection pool for other readers of a MySQL database (the mapping of any
 * chat-like schema): `rows(sql, params)` runs one statement with `?` parameters on a session that is
 * read-only with the statement time limit set.
 */
export function openMysql(locator: string, options: MysqlConnectionOptions = {}): Promise<MysqlConnection> {
  return MysqlConnection.open(locator, options);
}
