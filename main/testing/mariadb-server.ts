import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { RUNUSER, runningUnderCi } from './pg-server.ts';

// A throwaway MariaDB server for tests: mariadb-install-db into a temp folder, mariadbd on a random loopback
// port (and a socket in the same folder), stopped by `mariadb-admin shutdown` and removed afterwards. As root,
// both run as the `mysql` user (runuser). Root of the test server logs in through the socket only; tests get a
// user with a password over TCP so that authentication is tested. Where the binaries are missing the tests
// are skipped with the reason — except under CI, where that is a failure (scripts/ci/install-mariadb.sh).

export type MariaDbAvailability =
  { ok: true; server: string; installDb: string; admin: string } | { ok: false; reason: string };

const SERVER_CANDIDATES = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd', '/usr/local/bin/mariadbd'];
const TOOL_DIRS = ['/usr/bin', '/usr/local/bin', '/usr/sbin'];

export function mariaDbAvailability(): MariaDbAvailability {
  const server = SERVER_CANDIDATES.find((p) => existsSync(p));
  const tool = (name: string) => TOOL_DIRS.map((d) => join(d, name)).find((p) => existsSync(p));
  const installDb = tool('mariadb-install-db');
  const admin = tool('mariadb-admin');
  if (!server || !installDb || !admin)
    return {
      ok: false,
      reason:
        'no MariaDB server binaries (mariadbd, mariadb-install-db, mariadb-admin); run scripts/ci/install-mariadb.sh',
    };
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'mysql']).status !== 0)
    return { ok: false, reason: 'running as root and there is no `mysql` user to run the server as' };
  return { ok: true, server, installDb, admin };
}

/** The availability for a test file: skipped outside CI, a thrown error under CI. */
export function requireMariaDbForTests(): MariaDbAvailability {
  const availability = mariaDbAvailability();
  if (!availability.ok && runningUnderCi())
    throw new Error(`MariaDB tests cannot run under CI: ${availability.reason}`);
  return availability;
}

export interface MariaDbTestServer {
  port: number;
  socket: string;
  /** A URL for `user` (default: the test user with its password) and a database. */
  url(database: string, user?: string, password?: string): string;
  userPassword: string;
  /** A root connection over the socket (for writing fixtures and checking by other means). */
  admin(database?: string): Promise<mysql.Connection>;
  /**
   * Creates a database and grants the test user on it (default ALL: what stops a write is then Chat
   * Inspector's read-only session, not a missing privilege); returns its URL.
   */
  createDatabase(name: string, options?: { grant?: 'all' | 'none' }): Promise<string>;
  stop(): Promise<void>;
}

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

export const TEST_USER = 'reader';

export async function startMariaDb(): Promise<MariaDbTestServer> {
  const availability = mariaDbAvailability();
  if (!availability.ok) throw new Error(availability.reason);
  const asRoot = process.getuid?.() === 0;
  const as = (command: string, args: string[]): [string, string[]] =>
    asRoot ? [RUNUSER, ['-u', 'mysql', '--', command, ...args]] : [command, args];
  const dir = mkdtempSync(join(tmpdir(), 'ci-mariadb-'));
  const untrack = trackTemp(dir);
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'mysql'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'mysql'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const [installCmd, installArgs] = as(availability.installDb, [
    '--no-defaults',
    ...(asRoot ? ['--user=mysql'] : []),
    `--datadir=${data}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const install = spawnSync(installCmd, installArgs, { encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0) {
    removeTemp(dir);
    untrack();
    throw new Error(
      `mariadb-install-db failed: ${(install.stderr || install.stdout || String(install.error)).trim()}`,
    );
  }
  const port = await freePort();
  const [serverCmd, serverArgs] = as(availability.server, [
    '--no-defaults',
    `--datadir=${data}`,
    `--socket=${socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=128M',
    '--innodb-flush-log-at-trx-commit=0',
    '--innodb-doublewrite=0',
    '--max-connections=60',
    ...(asRoot ? ['--user=mysql'] : []),
  ]);
  const child: ChildProcess = spawn(serverCmd, serverArgs, { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const userPassword = `Rd-${Math.random().toString(36).slice(2)}-pw`;
  const admin = (database?: string) =>
    mysql.createConnection({
      socketPath: socket,
      user: 'root',
      database,
      multipleStatements: true,
      timezone: 'Z',
      dateStrings: true,
    });
  // Ready when root can log in over the socket (a second or two).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`mariadbd exited at start; see ${join(dir, 'error.log')}`);
    try {
      const c = await admin();
      await c.query(
        `CREATE USER '${TEST_USER}'@'127.0.0.1' IDENTIFIED BY '${userPassword}'; CREATE USER '${TEST_USER}'@'localhost' IDENTIFIED BY '${userPassword}'`,
      );
      await c.end();
      break;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`mariadbd did not start: ${String(error)}`, { cause: error });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  let stopped = false;
  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    const [cmd, args] = as(availability.admin, ['--no-defaults', `--socket=${socket}`, '-uroot', 'shutdown']);
    const result = spawnSync(cmd, args, { timeout: 60_000 });
    if (result.status !== 0 && !exited) child.kill('SIGKILL');
    removeTemp(dir);
    untrack();
  };
  process.once('exit', stopSync);
  const url = (database: string, user = TEST_USER, password = userPassword): string =>
    `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    port,
    socket,
    url,
    userPassword,
    admin,
    async createDatabase(name, options = {}) {
      const c = await admin();
      try {
        await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
        if ((options.grant ?? 'all') === 'all')
          await c.query(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO '${TEST_USER}'@'127.0.0.1'`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    async stop() {
      process.off('exit', stopSync);
      stopSync();
      if (!exited) await new Promise((r) => child.once('exit', r));
    },
  };
}
