import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { writeEvoSense, type EvoSenseTruth } from '../../main/fixtures/evosense.ts';
import { requirePgForTests, startTestServer, type TestServer } from '../../main/pg/test-server.ts';
import { PROJECT_ROOT } from './server.ts';

// Browser mode over a PostgreSQL source: a throwaway server with the EvoSense fixture, and the built CLI
// started as a person would, `serve --source URL`. Skipped (with the reason) without PostgreSQL + pgvector,
// a failure under CI.

export const pgAvailability = requirePgForTests({ vector: true });

export interface ServedPostgres {
  url: string;
  truth: EvoSenseTruth;
  password: string;
  stop(): Promise<void>;
}

const SERVING = /at (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/;

export async function servePostgres(): Promise<ServedPostgres> {
  const cli = join(PROJECT_ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" before the e2e tests`);
  const server: TestServer = await startTestServer();
  const dbUrl = await server.createDatabase('evosense');
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const truth = await writeEvoSense(client, { messagesPerTenant: 120, chatsPerTenant: 6 });
  await client.end();
  const home = mkdtempSync(join(tmpdir(), 'ci-e2e-pg-'));
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--source', dbUrl, '--port', '0'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CHAT_INSPECTOR_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    password: server.superPassword,
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
