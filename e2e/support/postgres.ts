import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { writeEvoSense, type EvoSenseTruth } from '../../main/fixtures/evosense.ts';
import { requirePgForTests, startTestServer, type TestServer } from '../../main/testing/pg-server.ts';
import { builtCli, serveWithCli } from './serve-cli.ts';

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

export async function servePostgres(): Promise<ServedPostgres> {
  builtCli(); // before starting a database server for nothing
  const server: TestServer = await startTestServer();
  const dbUrl = await server.createDatabase('evosense');
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const truth = await writeEvoSense(client, { messagesPerTenant: 120, chatsPerTenant: 6 });
  await client.end();
  const home = mkdtempSync(join(tmpdir(), 'ci-e2e-pg-'));
  const served = await serveWithCli(['--source', dbUrl], home);
  return {
    url: served.url,
    truth,
    password: server.superPassword,
    stop: async () => {
      await served.stop();
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
