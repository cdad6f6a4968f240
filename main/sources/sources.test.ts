import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { generateClinic, generateDuilioCode, generateRoot, generateUserHistory } from '../fixtures/index.ts';
import { quoteIdent } from '../sqlite/identifiers.ts';
import { withReadonly } from '../sqlite/open.ts';
import { fingerprintTree } from '../testing/tree.ts';
import { sourceContractSuite, type ContractTruth } from './contract-suite.ts';
import '../kinds/index.ts';
import { openSource } from './index.ts';

// The Source contract against every file-backed kind: a per-chat root and the SQLite file kinds. Truth comes
// from the generator and from direct SQL on the files, never from the Source under test.

const NOW = new Date('2026-11-01T12:00:00Z');
const base = mkdtempSync(join(tmpdir(), 'ci-sources-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

type Row = Record<string, unknown>;
const all = (path: string, sql: string, ...params: unknown[]): Row[] =>
  withReadonly(path, (db) => db.prepare(sql).all(...params) as Row[]);
const count = (path: string, table: string): number =>
  Number(all(path, `SELECT count(*) AS n FROM ${quoteIdent(table)}`)[0]!.n);
const tree = async (dir: string): Promise<string> =>
  JSON.stringify([...fingerprintTree(dir).entries()].sort());

/** The text of a message in the middle of a thread: a word of it that search must find. */
function wordOf(text: string): string {
  return text.split(/\s+/).find((w) => /^[\p{L}]{5,}$/u.test(w)) ?? text.slice(0, 5);
}

/** Each file kind twice: ids as the bot writes them (following time), and ids that run against time. */
const ID_ORDERS = ['time', 'newest-first'] as const;
const variant = (idOrder: (typeof ID_ORDERS)[number]) => (idOrder === 'time' ? '' : ', ids against time');

for (const idOrder of ID_ORDERS) {
  sourceContractSuite(`per-chat root${variant(idOrder)}`, async () => {
    const root = join(base, `root-${idOrder}`);
    const generated = generateRoot(root, { chats: 4, messagesPerChat: [12, 40], seed: 3, now: NOW, idOrder });
    const chats = [...generated.chats].sort((a, b) => (BigInt(a.chatId) < BigInt(b.chatId) ? -1 : 1));
    const chosen = chats[1]!;
    const conversations = join(chosen.dir, 'conversations.db');
    const texts = all(conversations, 'SELECT content FROM messages WHERE content IS NOT NULL ORDER BY id');
    const truth: ContractTruth = {
      kind: 'per-chat-root',
      tables: { 'conversations.db:messages': count(join(chats[0]!.dir, 'conversations.db'), 'messages') },
      conversationIds: chats.map((c) => c.chatId),
      conversation: { id: chosen.chatId, messages: count(conversations, 'messages') },
      searchText: wordOf(String(texts[Math.floor(texts.length / 2)]!.content)),
      writeSql: 'DELETE FROM messages',
      fingerprint: () => tree(root),
    };
    // Listed through the root's fleet index, kept in a folder of the test's own.
    return { truth, open: () => openSource(root, { mappingHome: join(base, 'own') }) };
  });

  sourceContractSuite(`legacy user_history.db${variant(idOrder)}`, async () => {
    const path = join(base, `legacy-${idOrder}`, 'user_history.db');
    generateUserHistory(path, { users: 5, messagesPerUser: 30, seed: 4, now: NOW, idOrder });
    const chats = all(
      path,
      'SELECT chat_id AS id, count(*) AS n FROM messages GROUP BY chat_id ORDER BY n DESC',
    );
    const profiles = all(path, 'SELECT chat_id AS id FROM user_profile');
    const chosen = String(chats[0]!.id);
    const texts = all(path, 'SELECT content FROM messages WHERE chat_id = ? ORDER BY id', BigInt(chosen));
    return {
      truth: {
        kind: 'user_history',
        tables: { messages: count(path, 'messages'), user_profile: count(path, 'user_profile') },
        conversationIds: [...new Set([...chats, ...profiles].map((r) => String(r.id)))],
        conversation: { id: chosen, messages: Number(chats[0]!.n) },
        searchText: wordOf(String(texts[Math.floor(texts.length / 2)]!.content)),
        writeSql: "UPDATE messages SET content = 'changed'",
        fingerprint: () => tree(join(base, `legacy-${idOrder}`)),
      },
      open: () => openSource(path),
    };
  });

  sourceContractSuite(`clinic bot SQLite fallback${variant(idOrder)}`, async () => {
    const path = join(base, `clinic-${idOrder}`, 'clinic.db');
    generateClinic(path, { conversations: 8, seed: 4, now: NOW, idOrder });
    const byConversation = all(
      path,
      'SELECT conversation_id AS id, count(*) AS n FROM conversation_messages GROUP BY 1 ORDER BY n DESC, id',
    );
    const chosen = String(byConversation[0]!.id);
    const texts = all(
      path,
      'SELECT content FROM conversation_messages WHERE conversation_id = ? ORDER BY rowid',
      chosen,
    );
    return {
      truth: {
        kind: 'clinic',
        tables: {
          conversations: count(path, 'conversations'),
          conversation_messages: count(path, 'conversation_messages'),
        },
        conversationIds: all(path, 'SELECT id FROM conversations').map((r) => String(r.id)),
        conversation: { id: chosen, messages: Number(byConversation[0]!.n) },
        searchText: wordOf(
          String(texts.find((t) => wordOf(String(t.content)).length >= 5)?.content ?? texts[0]!.content),
        ),
        writeSql: 'DROP TABLE conversations',
        fingerprint: () => tree(join(base, `clinic-${idOrder}`)),
      },
      open: () => openSource(path),
    };
  });

  sourceContractSuite(`DuilioCode SQLite${variant(idOrder)}`, async () => {
    const path = join(base, `duilio-${idOrder}`, 'duiliocode.db');
    generateDuilioCode(path, { users: 3, seed: 4, now: NOW, idOrder });
    const sessions = all(
      path,
      'SELECT user_id AS u, session_id AS s, count(*) AS n FROM conversation_history GROUP BY 1, 2 ORDER BY n DESC, u, s',
    );
    const chosen = sessions[0]!;
    const texts = all(
      path,
      'SELECT content FROM conversation_history WHERE user_id IS ? AND session_id IS ? ORDER BY rowid',
      chosen.u,
      chosen.s,
    );
    return {
      truth: {
        kind: 'duiliocode',
        tables: { conversation_history: count(path, 'conversation_history') },
        conversationIds: sessions.map((r) => JSON.stringify([r.u, r.s])),
        conversation: { id: JSON.stringify([chosen.u, chosen.s]), messages: Number(chosen.n) },
        searchText: wordOf(String(texts[Math.floor(texts.length / 2)]!.content)),
        writeSql: "INSERT INTO conversation_history (role, content) VALUES ('user', 'x')",
        fingerprint: () => tree(join(base, `duilio-${idOrder}`)),
      },
      open: () => openSource(path),
    };
  });
}
