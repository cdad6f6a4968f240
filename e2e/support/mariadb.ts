import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMessaging, type MessagingTruth } from '../../main/fixtures/messaging.ts';
import {
  requireMariaDbForTests,
  startMariaDb,
  type MariaDbTestServer,
} from '../../main/testing/mariadb-server.ts';
import { builtCli, serveWithCli } from './serve-cli.ts';

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

export async function serveMariaDb(): Promise<ServedMariaDb> {
  builtCli(); // before starting a database server for nothing
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
  const served = await serveWithCli(['--source', dbUrl, '--archive', archive], home);
  return {
    url: served.url,
    truth,
    password: server.userPassword,
    stop: async () => {
      await served.stop();
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
