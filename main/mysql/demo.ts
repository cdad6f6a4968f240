import { mkdtempSync, readdirSync, renameSync, rmdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import mysql from 'mysql2/promise';
import { AppError } from '../../shared/errors.ts';
import { entryAt } from '../fs/entry.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { writeMessaging } from '../fixtures/messaging.ts';
import { mysqlError } from './errors.ts';
import { parseMysqlUrl } from './url.ts';

// `chat-inspector demo --mysql URL --archive DIR`: fills an empty database (the URL's user must be allowed to
// create tables) and writes the cold archive into a new or empty folder. Nothing else in main/mysql writes.

export interface MessagingDemoResult {
  source: string;
  archive: string;
  kind: 'messaging';
  companies: { id: string; name: string; conversations: number; messages: number }[];
  messages: { hot: number; warm: number; cold: number };
}

export async function demoMessaging(url: string, archive: string): Promise<MessagingDemoResult> {
  const target = parseMysqlUrl(url);
  const existing = entryAt(archive);
  if (existing.kind !== 'missing' && (existing.kind !== 'directory' || readdirSync(archive).length > 0))
    throw new AppError(
      'conflict',
      `${archive}: already exists and is not an empty folder; choose a new folder`,
    );
  let db: mysql.Connection;
  try {
    db = await mysql.createConnection({
      host: target.host,
      port: target.port,
      socketPath: target.socketPath,
      user: target.user,
      password: target.password,
      database: target.database,
      connectTimeout: 10_000,
      flags: ['-LOCAL_FILES'],
    });
  } catch (error) {
    throw mysqlError(error, target, 5000);
  }
  const staging = mkdtempSync(join(dirname(archive), `.${basename(archive)}.partial-`));
  const untrack = trackTemp(staging);
  try {
    const [rows] = await db.query(
      'SELECT count(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
    );
    if (Number((rows as { n: number }[])[0]!.n) > 0)
      throw new AppError(
        'conflict',
        `${target.display}: the database already has tables; the demo fills an empty database only (CREATE DATABASE a new one)`,
      );
    const truth = await writeMessaging(db, staging, {
      companies: 4,
      clientsPerCompany: 12,
      conversationsPerClient: 2,
      bigConversationMessages: 1200,
      keepMessages: false,
      now: new Date(Date.now() - (Date.now() % 60_000)),
    });
    if (existing.kind === 'directory') rmdirSync(archive);
    renameSync(staging, archive);
    untrack();
    return {
      source: target.display,
      archive,
      kind: 'messaging',
      companies: truth.companies.map((c) => ({
        id: c.id,
        name: c.name,
        conversations: c.conversations.size,
        messages: c.messages,
      })),
      messages: truth.totals,
    };
  } catch (error) {
    removeTemp(staging);
    untrack();
    throw error instanceof AppError ? error : mysqlError(error, target, 5000);
  } finally {
    await db.end().catch(() => {});
  }
}
