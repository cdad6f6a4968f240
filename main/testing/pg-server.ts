import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { removeTemp, trackTemp } from '../fs/temp.ts';

// A throwaway PostgreSQL server for tests: initdb into a temp folder, start on a random loopback port with
// fsync off, stop and remove it afterwards. initdb and postgres refuse to run as root, so as root they run
// as the `postgres` user (runuser). Where the binaries (or pgvector) are missing, tests are skipped with the
// reason — except under CI, where a missing server is a failure (scripts/ci/install-postgres.sh installs it).

export type PgAvailability = { ok: true; bin: string } | { ok: false; reason: string };

const CANDIDATE_BINS = ['17', '16', '15'].map((v) => `/usr/lib/postgresql/${v}/bin`);

/**
 * `runuser`, by its path: it lives in /usr/sbin, which a root shell's PATH has but a restricted one (cron,
 * `PATH=/usr/bin:/bin npm test`) lacks.
 */
export const RUNUSER =
  ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => existsSync(p)) ?? 'runuser';

export function runningUnderCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export function pgAvailability(options: { vector?: boolean } = {}): PgAvailability {
  const bins = process.env.PG_BIN ? [process.env.PG_BIN] : CANDIDATE_BINS;
  const bin = bins.find((b) =>
    ['initdb', 'pg_ctl', 'postgres', 'pg_config'].every((t) => existsSync(join(b, t))),
  );
  if (!bin)
    return {
      ok: false,
      reason: `no PostgreSQL server binaries (looked in ${bins.join(', ')}); run scripts/ci/install-postgres.sh`,
    };
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0)
    return { ok: false, reason: 'running as root and there is no `postgres` user to run the server as' };
  if (options.vector !== false) {
    const share = execFileSync(join(bin, 'pg_config'), ['--sharedir'], { encoding: 'utf8' }).trim();
    if (!existsSync(join(share, 'extension', 'vector.control')))
      return { ok: false, reason: 'pgvector is not installed; run scripts/ci/install-postgres.sh' };
  }
  return { ok: true, bin };
}

/** The availability for a test file: skipped outside CI, a thrown error under CI. */
export function requirePgForTests(options: { vector?: boolean } = {}): PgAvailability {
  const availability = pgAvailability(options);
  if (!availability.ok && runningUnderCi())
    throw new Error(`PostgreSQL tests cannot run under CI: ${availability.reason}`);
  return availability;
}

export interface TestServer {
  port: number;
  /** Superuser URL (password auth over TCP) for a database. */
  url(database?: string, user?: string, password?: string): string;
  superPassword: string;
  /** Runs SQL as the superuser in a database. */
  admin(sql: string, database?: string): Promise<pg.QueryResult>;
  createDatabase(name: string, options?: { vector?: boolean }): Promise<string>;
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

export async function startTestServer(): Promise<TestServer> {
  const availability = pgAvailability({ vector: false });
  if (!availability.ok) throw new Error(availability.reason);
  const bin = availability.bin;
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]): void => {
    const command = asRoot ? RUNUSER : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 120_000 });
    if (result.status !== 0)
      throw new Error(`${tool} failed: ${(result.stderr || result.stdout || String(result.error)).trim()}`);
  };
  const dir = mkdtempSync(join(tmpdir(), 'ci-pg-'));
  const untrack = trackTemp(dir);
  const data = join(dir, 'data');
  const superPassword = `pw-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'pwfile'), `${superPassword}\n`);
  chmodSync(dir, 0o700);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(join(dir, 'pwfile'), uid, gid);
  }
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${join(dir, 'pwfile')}`,
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c shared_buffers=32MB',
    '-c max_connections=40',
  ].join(' ');
  run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  let stopped = false;
  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already gone
    }
    removeTemp(dir);
    untrack();
  };
  process.once('exit', stopSync);

  const url = (database = 'postgres', user = 'postgres', password = superPassword): string =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const admin = async (sql: string, database = 'postgres'): Promise<pg.QueryResult> => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    url,
    superPassword,
    admin,
    async createDatabase(name, opts = {}) {
      await admin(`CREATE DATABASE "${name}"`);
      if (opts.vector !== false) await admin('CREATE EXTENSION IF NOT EXISTS vector', name);
      return url(name);
    },
    async stop() {
      process.off('exit', stopSync);
      stopSync();
    },
  };
}
