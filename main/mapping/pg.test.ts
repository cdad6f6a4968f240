import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MappingGuessOut } from '../../shared/contract/mapping.ts';
import type { SourceRef } from '../../shared/contract/sources.ts';
import { createContext } from '../api/create-context.ts';
import { invoke } from '../api/dispatch.ts';
import {
  writeChatLogsPg,
  writeLangChainPg,
  writeRasaPg,
  type FrameworkTruth,
} from '../fixtures/frameworks.ts';
import { requirePgForTests, startTestServer, type TestServer } from '../testing/pg-server.ts';
import { sourceContractSuite } from '../sources/contract-suite.ts';
import '../kinds/index.ts';
import { openSource, withSource } from '../sources/index.ts';
import type { SourceMessage } from '../sources/types.ts';

// LangChain, Rasa and a mapped home-made schema in PostgreSQL, on a real throwaway server: the same rows as
// the SQLite fixtures, the shared Source contract, a native TIMESTAMP column read through a mapping, and a
// remembered mapping keyed by the URL without its password. Skipped with the reason outside CI only.

const availability = requirePgForTests({ vector: false });
const skipReason = availability.ok ? '' : ` (skipped: ${availability.reason})`;
const NOW = new Date('2026-11-01T12:00:00Z');
const PASSWORD = 'Map-s3cret-pw';
const work = mkdtempSync(join(tmpdir(), 'ci-map-pg-'));

let server: TestServer;
const urls: Record<'langchain' | 'renamed' | 'rasa' | 'logs', string> = {
  langchain: '',
  renamed: '',
  rasa: '',
  logs: '',
};
const truths: Partial<Record<keyof typeof urls, FrameworkTruth>> = {};

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const ready = (async () => {
  if (!availability.ok) return;
  server = await startTestServer();
  urls.langchain = await server.createDatabase('langchain', { vector: false });
  truths.langchain = await withClient(urls.langchain, (c) => writeLangChainPg(c, { sessions: 6, seed: 3 }));
  urls.renamed = await server.createDatabase('renamed', { vector: false });
  truths.renamed = await withClient(urls.renamed, (c) =>
    writeLangChainPg(c, { sessions: 3, seed: 5, table: 'agent_memory' }),
  );
  urls.rasa = await server.createDatabase('rasa', { vector: false });
  truths.rasa = await withClient(urls.rasa, (c) => writeRasaPg(c, { senders: 5, seed: 3, now: NOW }));
  await server.admin(`CREATE ROLE support LOGIN PASSWORD '${PASSWORD}'`);
  urls.logs = await server.createDatabase('logs', { vector: false });
  truths.logs = await withClient(urls.logs, (c) =>
    writeChatLogsPg(c, { conversations: 6, seed: 3, now: NOW }),
  );
  await server.admin('GRANT SELECT ON ALL TABLES IN SCHEMA public TO support', 'logs');
})();

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

const fingerprint = (url: string, table: string) => async (): Promise<string> =>
  withClient(url, async (c) =>
    JSON.stringify(
      (await c.query(`SELECT md5(string_agg(t::text, '|' ORDER BY 1)) AS h FROM ${table} t`)).rows,
    ),
  );

function wordOf(text: string): string {
  return text.split(/\s+/).find((w) => /^[\p{L}]{6,}$/u.test(w)) ?? text.slice(0, 6);
}

function truthFor(kind: string, key: keyof typeof urls, writeSql: string, untimed = false) {
  const truth = truths[key]!;
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
    fingerprint: fingerprint(urls[key], truth.table),
  };
}

const LOGS_MAP = {
  table: 'chat_logs',
  conversation: 'conv_id',
  time: 'created_at',
  role: 'sender',
  text: 'body',
};

describe.skipIf(!availability.ok)(`bot frameworks and mappings on PostgreSQL${skipReason}`, () => {
  beforeAll(() => ready);

  sourceContractSuite('LangChain SQLChatMessageHistory (PostgreSQL)', async () => {
    await ready;
    return {
      truth: truthFor('langchain', 'langchain', 'DELETE FROM message_store', true),
      open: () => openSource(urls.langchain),
    };
  });

  sourceContractSuite('Rasa SQL tracker store (PostgreSQL)', async () => {
    await ready;
    return {
      truth: truthFor('rasa', 'rasa', "UPDATE events SET data = '{}'"),
      open: () => openSource(urls.rasa),
    };
  });

  sourceContractSuite('mapped chat_logs with a TIMESTAMP column (PostgreSQL)', async () => {
    await ready;
    return {
      truth: truthFor('mapped', 'logs', 'TRUNCATE chat_logs'),
      open: () => openSource(urls.logs, { mapping: LOGS_MAP }),
    };
  });

  it('recognises a renamed LangChain table by shape, and Rasa turns with their intents', async () => {
    await withSource(urls.renamed, {}, async (s) => {
      expect(s.summary().kind).toBe('langchain');
      const truth = truths.renamed!.conversations[0]!;
      const out: SourceMessage[] = [];
      for await (const page of s.exportMessages({ conversationId: truth.id, pageSize: 4 })) out.push(...page);
      expect(out.map((m) => m.text)).toEqual(truth.texts);
    });
    await withSource(urls.rasa, {}, async (s) => {
      const truth = truths.rasa!.conversations[0]!;
      const page = await s.messages({ conversationId: truth.id, limit: 200 });
      expect(page.messages.length).toBe(truth.messages + (truth.events ?? 0));
      const times = page.messages.map((m) => Date.parse(m.timestamp!));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(page.messages.filter((m) => m.role === 'user').map((m) => m.extra?.intent)).toEqual(
        truth.intents,
      );
      expect(page.messages.filter((m) => m.role !== 'system').map((m) => m.text)).toEqual(truth.texts);
    });
  });

  it('the app remembers a mapping under the URL without its password, and reads through it', async () => {
    const home = join(work, 'home');
    const ctx = createContext({ userDataDir: home, rememberRecent: false, offload: null });
    const url = server.url('logs', 'support', PASSWORD);
    const ref = (await invoke('sources.connect', { url }, ctx)) as SourceRef;
    expect(ref.kind).toBe('generic');
    const guess = (await invoke('sources.mapping.guess', { id: ref.id }, ctx)) as MappingGuessOut;
    expect(guess.guess).toMatchObject({ ...LOGS_MAP, id: 'id' });
    const saved = (await invoke('sources.mapping.save', { id: ref.id, mapping: guess.guess }, ctx)) as {
      kind: string;
    };
    expect(saved.kind).toBe('mapped');
    const page = (await invoke('sources.conversations', { id: ref.id, limit: 50 }, ctx)) as {
      conversations: { id: string; lastActivity: string }[];
    };
    expect(page.conversations.map((c) => c.id).sort()).toEqual(
      truths.logs!.conversations.map((c) => c.id).sort(),
    );
    expect(page.conversations[0]!.lastActivity).toMatch(/Z$/);
    const file = readFileSync(join(home, 'mappings.json'), 'utf8');
    expect(file).not.toContain(PASSWORD);
    expect(Object.keys(JSON.parse(file).mappings as object)).toEqual([
      `postgresql://support@127.0.0.1:${server.port}/logs`,
    ]);
    // Opening the same database later uses the remembered mapping by itself.
    await withSource(url, { mappingHome: home }, async (s) => expect(s.summary().kind).toBe('mapped'));
  });
});
