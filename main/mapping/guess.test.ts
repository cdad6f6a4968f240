import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatMapping, MappingGuessOut } from '../../shared/contract/mapping.ts';
import type { SourceRef } from '../../shared/contract/sources.ts';
import { AppError } from '../../shared/errors.ts';
import { createContext } from '../api/create-context.ts';
import { invoke } from '../api/dispatch.ts';
import { WorkerPool } from '../workers/pool.ts';
import { generateChatLogs, generateLangChain } from '../fixtures/frameworks.ts';
import { openReadonly } from '../sqlite/open.ts';
import '../kinds/index.ts';
import { openSource } from '../sources/index.ts';
import { fingerprintTree } from '../testing/tree.ts';
import { dialects, sqliteEngine, typeClassOf } from '../sources/sql-engine.ts';
import { guessMapping } from './guess.ts';
import { defaultRoleOf } from './mapping.ts';

// The mapping guess on realistic schemas, the dialects' SQL spelled out (MySQL included, as strings), and
// the app's guess → preview → save path: the mapping lands in Chat Inspector's folder, the data is untouched.

const base = mkdtempSync(join(tmpdir(), 'ci-guess-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function schemaFile(name: string, sql: string, rows: [string, unknown[][]][] = []): string {
  const path = join(base, 'schemas', name);
  mkdirSync(join(base, 'schemas'), { recursive: true });
  const db = new Database(path);
  db.exec(sql);
  for (const [insert, values] of rows) {
    const statement = db.prepare(insert);
    for (const v of values) statement.run(...v);
  }
  db.close();
  return path;
}

async function guessOf(path: string): Promise<ChatMapping | null> {
  const opened = openReadonly(path).db;
  try {
    const engine = sqliteEngine(opened);
    return (await guessMapping(engine, await engine.tables())).guess;
  } finally {
    opened.close();
  }
}

describe('the mapping guess', () => {
  it('chat_logs(conv_id, created_at, sender, body) beside a customers table', async () => {
    const path = join(base, 'logs', 'support.db');
    generateChatLogs(path, { conversations: 3, seed: 1 });
    expect(await guessOf(path)).toEqual({
      table: 'chat_logs',
      conversation: 'conv_id',
      time: 'created_at',
      role: 'sender',
      text: 'body',
      id: 'id',
    });
  });

  it('a JSON payload column: text and role become paths into it', async () => {
    const path = schemaFile(
      'json.db',
      `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
       CREATE TABLE bot_messages (id INTEGER PRIMARY KEY, thread_id TEXT, payload TEXT, ts INTEGER)`,
      [
        [
          'INSERT INTO bot_messages (thread_id, payload, ts) VALUES (?, ?, ?)',
          [
            ['t1', JSON.stringify({ role: 'user', text: 'hello there' }), 1_760_000_000_000],
            ['t1', JSON.stringify({ role: 'assistant', text: 'hi! how can I help?' }), 1_760_000_001_000],
          ],
        ],
      ],
    );
    expect(await guessOf(path)).toEqual({
      table: 'bot_messages',
      conversation: 'thread_id',
      time: 'ts',
      role: 'payload.role',
      text: 'payload.text',
      id: 'id',
    });
  });

  it("LangChain's message JSON: message.data.content and message.type", async () => {
    const path = join(base, 'lc', 'lc.db');
    generateLangChain(path, { sessions: 2, seed: 1 });
    const guess = await guessOf(path);
    expect(guess).toMatchObject({
      table: 'message_store',
      conversation: 'session_id',
      role: 'message.type',
      text: 'message.data.content',
      time: null,
    });
  });

  it('messages beside conversations and tickets: the messages table wins; no guess without one', async () => {
    const path = schemaFile(
      'app.db',
      `CREATE TABLE conversations (id INTEGER PRIMARY KEY, title TEXT, created_at TEXT);
       CREATE TABLE tickets (id INTEGER PRIMARY KEY, customer_id INTEGER, subject TEXT, created_at TEXT);
       CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id INTEGER, role TEXT, content TEXT,
                              created_at TEXT)`,
    );
    expect(await guessOf(path)).toEqual({
      table: 'messages',
      conversation: 'conversation_id',
      time: 'created_at',
      role: 'role',
      text: 'content',
      id: 'id',
    });
    const none = schemaFile(
      'none.db',
      'CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT, price REAL)',
    );
    expect(await guessOf(none)).toBeNull();
  });

  it('maps role words to user/bot/system', () => {
    for (const w of ['human', 'User', 'customer', 'client', 'cliente']) expect(defaultRoleOf(w)).toBe('user');
    for (const w of ['ai', 'Bot', 'assistant', 'agent']) expect(defaultRoleOf(w)).toBe('bot');
    for (const w of ['system', 'tool', null]) expect(defaultRoleOf(w)).toBe('system');
  });
});

describe('the dialects', () => {
  it('spell JSON paths, quoting, placeholders and case-insensitive search per engine', () => {
    const { sqlite, postgres, mysql } = dialects;
    expect(sqlite.jsonText('"message"', ['data', 'content'])).toBe(
      `(CASE WHEN json_valid("message") THEN json_extract("message", '$.data.content') END)`,
    );
    expect(postgres.jsonText('"message"', ['data', 'content'])).toBe(
      `("message"::jsonb #>> '{data,content}')`,
    );
    expect(mysql.jsonText('`message`', ['data', 'content'])).toBe(
      "JSON_UNQUOTE(JSON_EXTRACT(`message`, '$.data.content'))",
    );
    expect(mysql.jsonText('`m`', ['items', '0', 'text'])).toBe(
      "JSON_UNQUOTE(JSON_EXTRACT(`m`, '$.items[0].text'))",
    );
    expect(mysql.quote('we`ird')).toBe('`we``ird`');
    expect(postgres.quote('we"ird')).toBe('"we""ird"');
    expect([sqlite.placeholder(3), postgres.placeholder(3), mysql.placeholder(3)]).toEqual(['?', '$3', '?']);
    expect(mysql.likeContains('`body`', '?')).toBe("LOWER(`body`) LIKE LOWER(?) ESCAPE '\\\\'");
    expect(postgres.likeContains('"body"', '$1')).toBe('"body" ILIKE $1');
    expect(mysql.castText('`id`')).toBe('CAST(`id` AS CHAR)');
    expect(mysql.catalogSql()).toMatch(/information_schema\.COLUMNS .*TABLE_SCHEMA = DATABASE\(\)/s);
    expect(() => postgres.jsonText('"m"', ["x'}; DROP TABLE t; --"])).toThrow(AppError);
    expect([
      typeClassOf('timestamp without time zone'),
      typeClassOf('datetime(3)'),
      typeClassOf('bigint'),
    ]).toEqual(['time', 'time', 'integer']);
    expect([typeClassOf('jsonb'), typeClassOf('varchar(255)'), typeClassOf('double precision')]).toEqual([
      'json',
      'text',
      'number',
    ]);
  });
});

describe('the app: guess, preview, save', () => {
  it('remembers the mapping in its own folder and reads conversations through it; the file is untouched', async () => {
    const home = join(base, 'home');
    const dir = join(base, 'app');
    const path = join(dir, 'support.db');
    const truth = generateChatLogs(path, { conversations: 3, seed: 4 });
    const before = JSON.stringify([...fingerprintTree(dir).entries()].sort());
    // A real worker: the mapping's statements on an SQLite file run off the main thread in the app.
    const offload = new WorkerPool(1);
    const ctx = createContext({ userDataDir: home, rememberRecent: false, offload });
    ctx.places.add(path, 'dialog');
    const ran: string[] = [];
    const run = offload.run.bind(offload);
    offload.run = ((task: string, item: never, options?: object) => {
      ran.push(task);
      return run(task as 'mapping.rows', item, options);
    }) as typeof offload.run;
    const ref = (await invoke('sources.openFile', { path }, ctx)) as SourceRef;
    expect(ref.kind).toBe('generic');
    const guess = (await invoke('sources.mapping.guess', { id: ref.id }, ctx)) as MappingGuessOut;
    expect(guess.guess?.table).toBe('chat_logs');
    expect(guess.saved).toBeNull();
    expect(guess.tables.map((t) => t.name).sort()).toEqual(['chat_logs', 'customers']);
    const preview = (await invoke('sources.mapping.preview', { id: ref.id, mapping: guess.guess! }, ctx)) as {
      conversationId: string;
      messages: { text: string }[];
    };
    const first = truth.conversations.find((c) => c.id === preview.conversationId)!;
    expect(preview.messages.map((m) => m.text)).toEqual(first.texts.slice(0, 10));
    await expect(
      invoke('sources.mapping.save', { id: ref.id, mapping: { ...guess.guess!, text: 'nope' } }, ctx),
    ).rejects.toThrow(/no column "nope"/);
    expect(existsSync(join(home, 'mappings.json'))).toBe(false);
    const saved = (await invoke('sources.mapping.save', { id: ref.id, mapping: guess.guess! }, ctx)) as {
      kind: string;
    };
    expect(saved.kind).toBe('mapped');
    ran.length = 0;
    const page = (await invoke('sources.conversations', { id: ref.id }, ctx)) as { conversations: unknown[] };
    expect(page.conversations).toHaveLength(3);
    expect(ran.length).toBeGreaterThan(0);
    // The whole read runs in a worker of the pool (the source opened there from the session's registry).
    expect(new Set(ran)).toEqual(new Set(['operation']));
    const stored = JSON.parse(readFileSync(join(home, 'mappings.json'), 'utf8')) as {
      mappings: Record<string, ChatMapping>;
    };
    expect(Object.keys(stored.mappings)).toEqual([path]);
    expect(readdirSync(home)).toEqual(['mappings.json']);
    // Opened again later (the app restarted, or the CLI), the remembered mapping is used by itself.
    const reread = (await invoke('sources.mapping.guess', { id: ref.id }, ctx)) as MappingGuessOut;
    expect(reread.saved).toEqual(guess.guess);
    const reopened = await openSource(path, { mappingHome: home });
    expect(reopened.summary().kind).toBe('mapped');
    await reopened.close();
    // Forget it: the source is generic again.
    const forgot = (await invoke('sources.mapping.save', { id: ref.id, mapping: null }, ctx)) as {
      kind: string;
    };
    expect(forgot.kind).toBe('generic');
    expect(JSON.stringify([...fingerprintTree(dir).entries()].sort())).toBe(before);
    // A file outside the allow-list is refused.
    await expect(
      invoke('sources.openFile', { path: join(base, 'schemas', 'json.db') }, ctx),
    ).rejects.toThrow();
  });
});
