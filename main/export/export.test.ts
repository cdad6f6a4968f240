import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChat, type GeneratedChat } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { NODE, REPO, ctx, runCliSync } from '../testing/backup-helpers.ts';
import { exportChats } from './export.ts';
import { createRedactor } from './redact.ts';

let dir: string;
let root: string;
let chat: GeneratedChat;
let other: GeneratedChat;

const HOSTILE = '<script>alert("x")</script> & "quotes", commas\nand a second line';
const PII =
  'Me liga no (11) 98765-4321 ou +1 415 555 2671, escreve pra maria.silva@example.com — a Fernanda também vem';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-export-'));
  root = join(dir, 'root');
  chat = generateChat(root, '31337', { messages: 60, seed: 2 });
  other = generateChat(root, '31338', { messages: 25, seed: 3 });
  const db = new Database(join(chat.dir, 'conversations.db'));
  const insert = db.prepare(
    "INSERT INTO messages (chat_id, session_id, message_type, content, original_content, timestamp) VALUES (31337, 'extra', 'user', ?, ?, '2026-10-30 10:00:00')",
  );
  insert.run(HOSTILE, null);
  insert.run(PII, null);
  if (chat.name) insert.run(`My name is ${chat.name} and my username is @${chat.username ?? 'none'}`, null);
  db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** RFC 4180 parser (quoted fields, doubled quotes, CRLF) for checking the CSV. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

describe('export', () => {
  it('JSON: every message and session of the selected chats, in the app model', async () => {
    const out = join(dir, 'two.json');
    const result = await exportChats(
      { root, chatIds: [chat.chatId, other.chatId], format: 'json', out },
      ctx(),
    );
    const json = JSON.parse(readFileSync(out, 'utf8')) as {
      chats: { chatId: string; messages: { content: string }[]; sessions: unknown[] }[];
    };
    expect(json.chats.map((c) => c.chatId)).toEqual([chat.chatId, other.chatId]);
    expect(json.chats[0]!.messages).toHaveLength(chat.messages + (chat.name ? 3 : 2));
    expect(json.chats[1]!.messages).toHaveLength(other.messages);
    expect(json.chats[0]!.sessions).toHaveLength(chat.sessions);
    expect(json.chats[0]!.messages.some((m) => m.content === HOSTILE)).toBe(true);
    expect(result).toMatchObject({
      chats: 2,
      messages: json.chats[0]!.messages.length + other.messages,
      redacted: false,
    });
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('CSV: RFC 4180 quoting, a BOM, one row per session and message with chat_id and record', async () => {
    const out = join(dir, 'one.csv');
    await exportChats({ root, chatIds: [chat.chatId], format: 'csv', out }, ctx());
    const text = readFileSync(out, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(text.slice(1));
    const [header, ...data] = rows;
    expect(header!.slice(0, 2)).toEqual(['chat_id', 'record']);
    expect(data.every((r) => r.length === header!.length)).toBe(true);
    expect(data.filter((r) => r[1] === 'session')).toHaveLength(chat.sessions);
    expect(data.filter((r) => r[1] === 'message')).toHaveLength(chat.messages + (chat.name ? 3 : 2));
    const content = header!.indexOf('content');
    expect(data.some((r) => r[content] === HOSTILE)).toBe(true);
    expect(data.every((r) => r[0] === chat.chatId)).toBe(true);
  });

  it('HTML: self-contained, escaped, sessions and corrections shown original → corrected', async () => {
    const out = join(dir, 'one.html');
    await exportChats({ root, chatIds: [chat.chatId], format: 'html', out }, ctx());
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toMatch(/@media print/);
    expect(html).not.toMatch(/<(link|img|script)[^>]+(src|href)=/);
    expect((html.match(/class="session"/g) ?? []).length).toBeGreaterThanOrEqual(chat.sessions);
    const db = new Database(join(chat.dir, 'conversations.db'), { readonly: true });
    const corrected = db
      .prepare(
        'SELECT original_content, content FROM messages WHERE original_content IS NOT NULL AND original_content <> content LIMIT 1',
      )
      .get() as { original_content: string; content: string } | undefined;
    db.close();
    if (corrected) {
      const esc = (s: string) =>
        s
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;')
          .replace(/>/g, '&gt;')
          .replace(/"/g, '&quot;')
          .replace(/'/g, '&#39;');
      expect(html).toContain(
        `<del>${esc(corrected.original_content)}</del> → <ins>${esc(corrected.content)}</ins>`,
      );
    }
  });

  it('--redact masks phones, e-mails and names in messages and profile fields', async () => {
    for (const format of ['json', 'csv', 'html'] as const) {
      const out = join(dir, `redacted.${format}`);
      const result = await exportChats({ root, chatIds: [chat.chatId], format, out, redact: true }, ctx());
      expect(result.redacted).toBe(true);
      const text = readFileSync(out, 'utf8');
      for (const secret of ['98765-4321', '415 555 2671', 'maria.silva@example.com', 'Fernanda'])
        expect(text, `${format}: ${secret}`).not.toContain(secret);
      expect(text).toContain('[phone]');
      expect(text).toContain('[email]');
      expect(text).toContain('[name]');
      if (chat.name)
        for (const part of chat.name.split(' '))
          expect(text, `${format}: ${part}`).not.toMatch(new RegExp(`\\b${part}\\b`));
      if (chat.username) expect(text).not.toContain(chat.username);
    }
  });

  it('redactor: Brazilian and international phones, e-mails, names; leaves dates, decimals and ids alone', () => {
    const r = createRedactor({ names: ['Ana', 'Souza', 'ana_souza'] });
    expect(r('(11) 91234-5678')).toBe('[phone]');
    expect(r('+55 11 91234-5678')).toBe('[phone]');
    expect(r('11912345678')).toBe('[phone]');
    expect(r('fixo 3456-7890')).toBe('fixo [phone]');
    expect(r('+44 20 7946 0958')).toBe('[phone]');
    expect(r('a.b-c@mail.example.org')).toBe('[email]');
    expect(r('Oi Ana Souza (@ana_souza)')).toBe('Oi [name] [name] ([name])');
    expect(r('I met João and Beatriz')).toBe('I met [name] and [name]');
    expect(r('on 2025-08-06 at 02:30, pi 3.14159265, id 123456789, 1.234.567 votes')).toBe(
      'on 2025-08-06 at 02:30, pi 3.14159265, id 123456789, 1.234.567 votes',
    );
    expect(r('Anatomy')).toBe('Anatomy');
  });

  it('refuses to overwrite an existing file (CLI --force allows it)', async () => {
    const out = join(dir, 'exists.json');
    writeFileSync(out, 'mine');
    await expect(
      exportChats({ root, chatIds: [chat.chatId], format: 'json', out }, ctx()),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(readFileSync(out, 'utf8')).toBe('mine');
    const r = runCliSync([
      'export',
      root,
      '--chat',
      chat.chatId,
      '--format',
      'json',
      '--out',
      out,
      '--force',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ format: 'chat-inspector-export' });
  });
});

describe('a 200,000-message chat exports with bounded memory', () => {
  let bigRoot: string;
  beforeAll(() => {
    bigRoot = join(dir, 'big');
    generateChat(bigRoot, '200000', { messages: 200_000, seed: 9 });
  }, 180_000);

  // A small heap: an export that held the chat in memory would die here, and V8 collects garbage
  // promptly instead of when it likes, so the RSS figure below measures the export, not GC timing.
  const HEAP_CAP = '--max-old-space-size=64';
  // Measured in a child process: RSS before the export and its peak during it (sampled at every page).
  const CHILD = `
import { exportChats } from ${JSON.stringify(join(REPO, 'main', 'export', 'export.ts'))};
const [root, format, out] = process.argv.slice(2);
const base = process.memoryUsage().rss;
let peak = base;
const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
const timer = setInterval(sample, 5);
const result = await exportChats({ root, chatIds: ['200000'], format, out }, {
  signal: new AbortController().signal, progress: sample, emit: () => {},
});
clearInterval(timer);
sample();
console.log(JSON.stringify({ deltaMb: (peak - base) / 1048576, messages: result.messages, bytes: result.bytes }));
`;

  it.each(['json', 'csv', 'html'] as const)(
    '%s: RSS grows by less than 150 MB',
    (format) => {
      const script = join(dir, 'measure.ts');
      writeFileSync(script, CHILD);
      const out = join(dir, `big.${format}`);
      const r = spawnSync(NODE, [HEAP_CAP, script, bigRoot, format, out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
        deltaMb: number;
        messages: number;
        bytes: number;
      };
      expect(m.messages).toBe(200_000);
      expect(m.bytes).toBeGreaterThan(20 * 1024 * 1024);
      expect(m.deltaMb).toBeLessThan(150);
      rmSync(out, { force: true });
    },
    120_000,
  );
});
