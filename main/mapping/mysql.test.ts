import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import {
  writeChatLogsMysql,
  writeLangChainMysql,
  writeRasaMysql,
  type FrameworkTruth,
} from '../fixtures/frameworks.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { runningUnderCi } from '../pg/test-server.ts';
import { sourceContractSuite } from '../sources/contract-suite.ts';
import type { OpenOptions, Source } from '../sources/types.ts';
import { createEngine, type Row, type SqlEngine } from './engine.ts';
import { applyChatMapping } from './open.ts';

// The MySQL dialect on a real MariaDB 10.11: LangChain, Rasa and a mapped DATETIME table through the shared
// Source contract. The MySQL Source itself is the mysql helper's (main/mysql); until it is merged, a small
// harness below stands in for it — a read-only `rows` (START TRANSACTION READ ONLY per statement, as the
// real session does) and table counts — which is all the mapping layer asks of an engine.

const SERVER = '/usr/sbin/mariadbd';
const INSTALL = '/usr/bin/mariadb-install-db';
const ADMIN = '/usr/bin/mariadb-admin';
const available = [SERVER, INSTALL, ADMIN].every((p) => existsSync(p));
if (!available && runningUnderCi())
  throw new Error('MariaDB tests cannot run under CI: mariadbd is not installed');
const skipReason = available ? '' : ' (skipped: no MariaDB server binaries; scripts/ci/install-mariadb.sh)';
const NOW = new Date('2026-11-01T12:00:00Z');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface MariaDb {
  socket: string;
  connect(database?: string): Promise<mysql.Connection>;
  stop(): void;
}

async function startMariaDb(): Promise<MariaDb> {
  const asRoot = process.getuid?.() === 0;
  const as = (command: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'mysql', '--', command, ...args]] : [command, args];
  const dir = mkdtempSync(join(tmpdir(), 'ci-map-mariadb-'));
  const untrack = trackTemp(dir);
  if (asRoot) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'mysql'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const [installCmd, installArgs] = as(INSTALL, [
    '--no-defaults',
    ...(asRoot ? ['--user=mysql'] : []),
    `--datadir=${data}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const install = spawnSync(installCmd, installArgs, { encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  const [cmd, args] = as(SERVER, [
    '--no-defaults',
    `--datadir=${data}`,
    `--socket=${socket}`,
    `--port=${await freePort()}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=64M',
    '--innodb-flush-log-at-trx-commit=0',
    ...(asRoot ? ['--user=mysql'] : []),
  ]);
  const child: ChildProcess = spawn(cmd, args, { stdio: 'ignore' });
  const connect = (database?: string) =>
    mysql.createConnection({
      socketPath: socket,
      user: 'root',
      database,
      timezone: 'Z',
      multipleStatements: false,
    });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await (await connect()).end();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`mariadbd did not start: ${String(error)}`, { cause: error });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    const [c, a] = as(ADMIN, ['--no-defaults', `--socket=${socket}`, '-uroot', 'shutdown']);
    if (spawnSync(c, a, { timeout: 60_000 }).status !== 0) child.kill('SIGKILL');
    removeTemp(dir);
    untrack();
  };
  process.once('exit', stop);
  return { socket, connect, stop };
}

/** What the integrator's MySQL Source gives the mapping layer: one read-only statement at a time. */
function harnessSource(server: MariaDb, database: string): Source {
  const pool = mysql.createPool({
    socketPath: server.socket,
    user: 'root',
    database,
    timezone: 'Z',
    dateStrings: true,
    connectionLimit: 2,
  });
  const readOnly = async <T>(work: (conn: mysql.PoolConnection) => Promise<T>): Promise<T> => {
    const conn = await pool.getConnection();
    try {
      await conn.query('START TRANSACTION READ ONLY');
      return await work(conn);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/READ ONLY transaction/i.test(message))
        throw new AppError('read_only', `refused: Chat Inspector only reads (${message})`);
      throw new AppError('invalid_input', message);
    } finally {
      await conn.query('ROLLBACK').catch(() => {});
      conn.release();
    }
  };
  const rows = (sql: string, params: unknown[]) =>
    readOnly(async (conn) => (await conn.query(sql, params))[0] as Row[]);
  const engine: SqlEngine = createEngine('mysql', rows);
  const notHere = async (): Promise<never> => {
    throw new AppError('invalid_input', 'no conversations recognised (generic MySQL database)');
  };
  return {
    summary: () => ({
      source: `mysql://root@localhost/${database}`,
      engine: 'mysql',
      kind: 'generic',
      hasConversations: false,
      tenantScoped: false,
      hasSimilar: false,
    }),
    info: async () => ({
      source: `mysql://root@localhost/${database}`,
      engine: 'mysql',
      kind: 'generic',
      hasConversations: false,
      tenantScoped: false,
      hasSimilar: false,
      tables: await Promise.all(
        (await engine.tables()).map(async (t) => ({
          name: t.name,
          type: 'table' as const,
          columns: t.columns.length,
          rows: Number((await rows(`SELECT count(*) AS n FROM \`${t.name}\``, []))[0]!.n),
          rowsEstimated: false,
        })),
      ),
    }),
    tenants: async () => [],
    conversations: notHere,
    conversation: notHere,
    messages: notHere,
    searchMessages: notHere,
    metrics: notHere,
    exportMessages: () => ({ [Symbol.asyncIterator]: () => ({ next: notHere }) }),
    query: (sql) =>
      readOnly(async (conn) => {
        const [result, fields] = await conn.query({ sql, rowsAsArray: true });
        const list = Array.isArray(result) ? (result as unknown[][]) : [];
        return { columns: (fields ?? []).map((f) => f.name), rows: list, truncated: false };
      }),
    sqlEngine: () => engine,
    close: () => pool.end(),
  };
}

let server: MariaDb;
const truths: Record<string, FrameworkTruth> = {};

const ready = (async () => {
  if (!available) return;
  server = await startMariaDb();
  const root = await server.connect();
  for (const [db, write] of [
    ['langchain', (c: mysql.Connection) => writeLangChainMysql(c, { sessions: 6, seed: 3 })],
    [
      'renamed',
      (c: mysql.Connection) => writeLangChainMysql(c, { sessions: 3, seed: 5, table: 'bot_memory' }),
    ],
    ['rasa', (c: mysql.Connection) => writeRasaMysql(c, { senders: 5, seed: 3, now: NOW })],
    ['logs', (c: mysql.Connection) => writeChatLogsMysql(c, { conversations: 6, seed: 3, now: NOW })],
  ] as const) {
    await root.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
    const c = await server.connect(db);
    truths[db] = await write(c);
    await c.end();
  }
  await root.end();
})();

afterAll(() => server?.stop());

const open = async (db: string, options: OpenOptions = {}): Promise<Source> =>
  applyChatMapping(harnessSource(server, db), options);

const fingerprint = (db: string, table: string) => async (): Promise<string> => {
  const c = await server.connect(db);
  try {
    return JSON.stringify((await c.query(`CHECKSUM TABLE \`${table}\``))[0]);
  } finally {
    await c.end();
  }
};

function wordOf(text: string): string {
  return text.split(/\s+/).find((w) => /^[\p{L}]{6,}$/u.test(w)) ?? text.slice(0, 6);
}

function truthFor(kind: string, db: string, writeSql: string, untimed = false) {
  const truth = truths[db]!;
  const chosen = truth.conversations[0]!;
  return {
    kind,
    tables: { [truth.table]: truth.rows },
    conversationIds: truth.conversations.map((c) => c.id),
    conversation: { id: chosen.id, messages: chosen.messages },
    searchText: wordOf(chosen.texts[Math.floor(chosen.texts.length / 2)]!),
    writeSql,
    untimed,
    fingerprint: fingerprint(db, truth.table),
  };
}

const LOGS_MAP = {
  table: 'chat_logs',
  conversation: 'conv_id',
  time: 'created_at',
  role: 'sender',
  text: 'body',
};

describe.skipIf(!available)(`bot frameworks and mappings on MariaDB${skipReason}`, () => {
  beforeAll(() => ready, 180_000);

  sourceContractSuite('LangChain (MariaDB)', async () => {
    await ready;
    return {
      truth: truthFor('langchain', 'langchain', 'DELETE FROM message_store', true),
      open: () => open('langchain'),
    };
  });

  sourceContractSuite('Rasa (MariaDB)', async () => {
    await ready;
    return { truth: truthFor('rasa', 'rasa', "UPDATE events SET data = '{}'"), open: () => open('rasa') };
  });

  sourceContractSuite('mapped chat_logs with a DATETIME column (MariaDB)', async () => {
    await ready;
    return {
      truth: truthFor('mapped', 'logs', 'DELETE FROM chat_logs'),
      open: () => open('logs', { mapping: LOGS_MAP }),
    };
  });

  it('recognises a renamed LangChain table by shape; Rasa turns carry their intents', async () => {
    const renamed = await open('renamed');
    try {
      expect(renamed.summary().kind).toBe('langchain');
      const truth = truths.renamed!.conversations[0]!;
      const page = await renamed.messages({ conversationId: truth.id, limit: 100 });
      expect(page.messages.map((m) => m.text)).toEqual(truth.texts);
    } finally {
      await renamed.close();
    }
    const rasa = await open('rasa');
    try {
      const truth = truths.rasa!.conversations[0]!;
      const page = await rasa.messages({ conversationId: truth.id, limit: 200 });
      expect(page.messages.filter((m) => m.role === 'user').map((m) => m.extra?.intent)).toEqual(
        truth.intents,
      );
      expect(page.messages.filter((m) => m.role !== 'system').map((m) => m.text)).toEqual(truth.texts);
    } finally {
      await rasa.close();
    }
  });
});
