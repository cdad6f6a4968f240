import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  writeChatLogsMysql,
  writeLangChainMysql,
  writeRasaMysql,
  type FrameworkTruth,
} from '../fixtures/frameworks.ts';
import { requireMariaDbForTests, startMariaDb, type MariaDbTestServer } from '../testing/mariadb-server.ts';
import { sourceContractSuite } from '../sources/contract-suite.ts';
import '../kinds/index.ts';
import { openSource } from '../sources/index.ts';
import type { OpenOptions, Source } from '../sources/types.ts';

// The MySQL dialect on a real MariaDB 10.11, through the MySQL Source (main/mysql) and the mapping layer it
// hands its read-only statements to: LangChain, Rasa and a mapped DATETIME table pass the shared contract.

const availability = requireMariaDbForTests();
const available = availability.ok;
const skipReason = availability.ok ? '' : ` (skipped: ${availability.reason})`;
const NOW = new Date('2026-11-01T12:00:00Z');

let server: MariaDbTestServer;
const truths: Record<string, FrameworkTruth> = {};
const urls: Record<string, string> = {};

const ready = (async () => {
  if (!available) return;
  server = await startMariaDb();
  for (const [db, write] of [
    ['langchain', (c: mysql.Connection) => writeLangChainMysql(c, { sessions: 6, seed: 3 })],
    [
      'renamed',
      (c: mysql.Connection) => writeLangChainMysql(c, { sessions: 3, seed: 5, table: 'bot_memory' }),
    ],
    ['rasa', (c: mysql.Connection) => writeRasaMysql(c, { senders: 5, seed: 3, now: NOW })],
    ['logs', (c: mysql.Connection) => writeChatLogsMysql(c, { conversations: 6, seed: 3, now: NOW })],
  ] as const) {
    urls[db] = await server.createDatabase(db);
    const c = await server.admin(db);
    truths[db] = await write(c);
    await c.end();
  }
})();

afterAll(() => server?.stop());

const open = async (db: string, options: OpenOptions = {}): Promise<Source> => openSource(urls[db]!, options);

const fingerprint = (db: string, table: string) => async (): Promise<string> => {
  const c = await server.admin(db);
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
    conversation: {
      id: chosen.id,
      messages: chosen.messages,
      ...(chosen.events === undefined ? {} : { events: chosen.events }),
    },
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
