import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMessaging, type MessagingTruth } from '../../main/fixtures/messaging.ts';
import {
  requireMariaDbForTests,
  startMariaDb,
  type MariaDbTestServer,
} from '../../main/mysql/test-server.ts';
import { PROJECT_ROOT } from './server.ts';

// Browser mode over a MariaDB messaging source (seed 003): a throwaway server with the fixture, its cold
// archive in a temp folder, and the built CLI started as a person would: `serve --source URL --archive DIR`.
// Skipped (with the reason) without MariaDB, a failure under CI.

export const mariaDbAvailability = requireMariaDbForTests();

export interface ServedMariaDb {
  url: string;
  truth: MessagingTruth;
  password: string;
  stop(): Promise<void>;
}

const SERVING = /at (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/;

export async function serveMariaDb(): Promise<ServedMariaDb> {
  const cli = join(PROJECT_ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" before the e2e tests`);
  const server: MariaDbTestServer = await startMariaDb();
  const home = mkdtempSync(join(tmpdir(), 'ci-e2e-mariadb-'));
  const archive = join(home, 'archive');
  const dbUrl = await server.createDatabase('messaging');
  const writer = await server.admin('messaging');
  const truth = await writeMessaging(writer, archive, {
    now: new Date('2026-11-01T12:00:00Z'),
    companies: 2,
    clientsPerCompany: 3,
    bigConversationMessages: 120,
  });
  await writer.end();
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, 'serve', '--source', dbUrl, '--archive', archive, '--port', '0'],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CHAT_INSPECTOR_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 60 s:\n${output}`)), 60_000);
    const check = () => {
      const m = SERVING.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}):\n${output}`)));
  });
  child.removeAllListeners('exit');
  return {
    url,
    truth,
    password: server.userPassword,
    stop: async () => {
      await new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGINT');
      });
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
