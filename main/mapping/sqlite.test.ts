import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { generateRoot } from '../fixtures/index.ts';
import {
  generateChatLogs,
  generateLangChain,
  generateRasa,
  type FrameworkTruth,
} from '../fixtures/frameworks.ts';
import { sourceContractSuite, type ContractTruth } from '../sources/contract-suite.ts';
import '../kinds/index.ts';
import { openSource, withSource } from '../sources/index.ts';
import type { Source, SourceMessage } from '../sources/types.ts';
import { fingerprintTree } from '../testing/tree.ts';

// LangChain, Rasa and a mapped home-made schema in SQLite files: recognised at open (by name and by shape),
// threads in the framework's order, Rasa's intents beside user turns and its other events folded, and the
// shared Source contract. Truth comes from the fixture generator, never from the Source under test.

const NOW = new Date('2026-11-01T12:00:00Z');
const base = mkdtempSync(join(tmpdir(), 'ci-mapping-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const tree = async (dir: string): Promise<string> =>
  JSON.stringify([...fingerprintTree(dir).entries()].sort());

async function wholeThread(source: Source, id: string): Promise<SourceMessage[]> {
  const out: SourceMessage[] = [];
  for await (const page of source.exportMessages({ conversationId: id, pageSize: 7 })) out.push(...page);
  return out;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof AppError ? `${error.code}: ${error.message}` : String(error);
  }
}

/** A word of a message in the middle of the thread: search must find it there. */
function wordOf(text: string): string {
  return text.split(/\s+/).find((w) => /^[\p{L}]{6,}$/u.test(w)) ?? text.slice(0, 6);
}

function contractTruth(
  kind: string,
  truth: FrameworkTruth,
  dir: string,
  writeSql: string,
  extra: Partial<ContractTruth> = {},
): ContractTruth {
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
    fingerprint: () => tree(dir),
    ...extra,
  };
}

const langchainPath = join(base, 'langchain', 'chat_history.db');
const langchain = generateLangChain(langchainPath, { sessions: 6, seed: 3 });
const renamedPath = join(base, 'renamed', 'bot.db');
const renamed = generateLangChain(renamedPath, { sessions: 3, seed: 5, table: 'conversation_memory' });
const rasaPath = join(base, 'rasa', 'rasa.db');
const rasa = generateRasa(rasaPath, { senders: 5, seed: 3, now: NOW });
const logsPath = join(base, 'logs', 'support.db');
const logs = generateChatLogs(logsPath, { conversations: 6, seed: 3, now: NOW });
const LOGS_MAP = {
  table: 'chat_logs',
  conversation: 'conv_id',
  time: 'created_at',
  role: 'sender',
  text: 'body',
};

sourceContractSuite('LangChain SQLChatMessageHistory (SQLite)', async () => ({
  truth: contractTruth('langchain', langchain, join(base, 'langchain'), 'DELETE FROM message_store', {
    untimed: true,
  }),
  open: () => openSource(langchainPath),
}));

sourceContractSuite('Rasa SQL tracker store (SQLite)', async () => ({
  truth: contractTruth('rasa', rasa, join(base, 'rasa'), "UPDATE events SET data = '{}'"),
  open: () => openSource(rasaPath),
}));

sourceContractSuite('mapped chat_logs (SQLite, --map)', async () => ({
  truth: contractTruth('mapped', logs, join(base, 'logs'), 'DROP TABLE chat_logs'),
  open: () => openSource(logsPath, { mapping: LOGS_MAP }),
}));

describe('LangChain', () => {
  it('is recognised by name and, renamed, by shape', async () => {
    await withSource(langchainPath, {}, async (s) => expect(s.summary().kind).toBe('langchain'));
    await withSource(renamedPath, {}, async (s) => {
      expect(s.summary().kind).toBe('langchain');
      expect(s.summary().hasConversations).toBe(true);
      const page = await s.conversations({ limit: 10 });
      expect(page.conversations.map((c) => c.id).sort()).toEqual(
        renamed.conversations.map((c) => c.id).sort(),
      );
    });
  });

  it('titles a session with its first human message', async () => {
    await withSource(langchainPath, {}, async (s) => {
      const page = await s.conversations({ limit: 50 });
      for (const c of page.conversations) {
        const truth = langchain.conversations.find((x) => x.id === c.id)!;
        const firstHuman = truth.texts.find((t) => !t.startsWith('You are'))!;
        expect(c.title).toBe(firstHuman.length > 80 ? `${firstHuman.slice(0, 79)}…` : firstHuman);
      }
      const one = await s.conversation(langchain.conversations[0]!.id);
      expect(one.title).toBe(page.conversations.find((c) => c.id === one.id)!.title);
    });
  });

  it('orders a thread by id (sessions interleave) and maps human/ai/system', async () => {
    await withSource(langchainPath, {}, async (s) => {
      for (const truth of langchain.conversations) {
        const thread = await wholeThread(s, truth.id);
        expect(thread.map((m) => m.text)).toEqual(truth.texts);
        const ids = thread.map((m) => Number(m.id));
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
        // Interleaved: the ids of one session are not consecutive.
        expect(ids[ids.length - 1]! - ids[0]! + 1).toBeGreaterThanOrEqual(ids.length);
        for (const m of thread) {
          expect(m.timestamp).toBeNull();
          expect(m.role).toBe({ human: 'user', ai: 'bot', system: 'system' }[m.rawRole!]);
        }
      }
      const interleaved = langchain.conversations.some((truth) => {
        return truth.messages > 1;
      });
      expect(interleaved).toBe(true);
    });
  });
});

describe('Rasa', () => {
  it("counts a conversation's turns as its messages and its other events apart", async () => {
    await withSource(rasaPath, {}, async (s) => {
      const page = await s.conversations({ limit: 50 });
      expect(page.conversations).toHaveLength(rasa.conversations.length);
      for (const truth of rasa.conversations) {
        const listed = page.conversations.find((c) => c.id === truth.id)!;
        // The user and bot events, not every event (35 events for 19 turns read "35 messages").
        expect(truth.messages).toBe(truth.texts.length);
        expect(truth.events).toBeGreaterThan(0);
        expect(listed).toMatchObject({ messages: truth.messages, events: truth.events });
        expect(await s.conversation(truth.id)).toMatchObject({
          messages: truth.messages,
          events: truth.events,
        });
      }
    });
  });

  it('orders events by timestamp, not by id, with every event of the sender', async () => {
    await withSource(rasaPath, {}, async (s) => {
      expect(s.summary().kind).toBe('rasa');
      const truth = rasa.conversations[0]!;
      const thread = await wholeThread(s, truth.id);
      expect(thread.length).toBe(truth.messages + truth.events!);
      const times = thread.map((m) => Date.parse(m.timestamp!));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      // This sender's rows were written newest first: time order is the reverse of id order.
      const ids = thread.map((m) => Number(m.id));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const turns = thread.filter((m) => m.role !== 'system');
      expect(turns.map((m) => m.text)).toEqual(truth.texts);
    });
  });

  it('shows the intent beside user turns and folds the other events', async () => {
    await withSource(rasaPath, {}, async (s) => {
      for (const truth of rasa.conversations) {
        const thread = await wholeThread(s, truth.id);
        const users = thread.filter((m) => m.role === 'user');
        expect(users.map((m) => m.extra?.intent)).toEqual(truth.intents);
        for (const m of users) expect(typeof m.extra?.intentConfidence).toBe('number');
        const others = thread.filter((m) => m.role === 'system');
        expect(others.length).toBe(truth.events);
        for (const m of others) expect(m.extra?.folded).toBe(true);
        expect(others.map((m) => m.text)).toContain('action action_listen');
        expect(others.some((m) => /^slot topic = "/.test(m.text ?? ''))).toBe(true);
        expect(thread.filter((m) => m.role === 'bot').every((m) => m.extra?.folded === undefined)).toBe(true);
      }
    });
  });
});

describe('--map on a home-made schema', () => {
  it('reads chat_logs as conversations: customer/agent → user/bot, text times as UTC', async () => {
    expect((await withSource(logsPath, {}, async (s) => s.summary())).hasConversations).toBe(false);
    await withSource(logsPath, { mapping: LOGS_MAP }, async (s) => {
      expect(s.summary().kind).toBe('mapped');
      const truth = logs.conversations[0]!;
      const thread = await wholeThread(s, truth.id);
      expect(thread.map((m) => m.text)).toEqual(truth.texts);
      expect(new Set(thread.map((m) => `${m.rawRole}>${m.role}`))).toEqual(
        new Set(['customer>user', 'agent>bot', 'system>system']),
      );
      expect(thread[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    });
  });

  it('finds conversations by the text of their messages or by their id', async () => {
    await withSource(logsPath, { mapping: LOGS_MAP }, async (s) => {
      const word = 'Porto Alegre';
      const expected = logs.conversations.filter((c) => c.texts.some((t) => t.includes(word)));
      expect(expected.length).toBeGreaterThan(0);
      const page = await s.conversations({ search: 'porto alegre', limit: 50 });
      expect(page.conversations.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id).sort());
      for (const c of page.conversations) {
        const truth = expected.find((e) => e.id === c.id)!;
        expect(c.messages).toBe(truth.texts.filter((t) => t.includes(word)).length);
      }
      const byId = await s.conversations({ search: logs.conversations[2]!.id, limit: 50 });
      expect(byId.conversations.map((c) => c.id)).toEqual([logs.conversations[2]!.id]);
    });
  });

  it('refuses an unknown table or column with one clear line, naming what exists', async () => {
    const table = await codeOf(openSource(logsPath, { mapping: { ...LOGS_MAP, table: 'chats' } }));
    expect(table).toMatch(/^invalid_input: --map: no table "chats" in this source \(tables: .*chat_logs/);
    const column = await codeOf(openSource(logsPath, { mapping: { ...LOGS_MAP, text: 'message' } }));
    expect(column).toMatch(
      /^invalid_input: --map text=message: table chat_logs has no column "message" \(columns: id, conv_id/,
    );
    const rootDir = join(base, 'root');
    generateRoot(rootDir, { chats: 1, messagesPerChat: [3, 4], seed: 1, now: NOW });
    const root = await codeOf(openSource(rootDir, { mapping: LOGS_MAP }));
    expect(root).toMatch(/^invalid_input: --map works on an SQLite file or a database URL/);
  });
});
