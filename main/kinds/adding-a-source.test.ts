import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { finishGeneration, openForGeneration } from '../fixtures/chat.ts';
import { frameworkOf } from '../mapping/hint.ts';
import { columnsOf, registerMappedKind, type MappedKind } from '../mapping/kinds.ts';
import { sourceContractSuite } from '../sources/contract-suite.ts';
import { openSource, withSource } from '../sources/index.ts';
import { fingerprintTree } from '../testing/tree.ts';
import './index.ts';

// The worked example of docs/adding-a-source.md, done the way the doc says: a help-desk schema nobody
// coded for becomes a kind with one declaration (the kind's file, here inlined above its test), one
// registration line (as in main/kinds/index.ts), and this test: the shared Source contract suite on a
// fixture file, and `open`'s detection. Truth comes from the fixture's own rows, never from the Source.

// ---- main/kinds/helpdesk.ts, as the doc writes it ----
const helpdeskKind: MappedKind = {
  name: 'helpdesk',
  label: 'help-desk tickets database',
  async detect(_engine, tables) {
    const replies = tables.find((t) => t.name.toLowerCase() === 'ticket_replies');
    const tickets = tables.find((t) => t.name.toLowerCase() === 'tickets');
    if (!replies || !tickets) return null;
    const cols = columnsOf(replies);
    if (!['ticket_id', 'posted_at', 'author_type', 'body'].every((c) => cols.has(c))) return null;
    return {
      mapping: {
        table: replies.name,
        conversation: 'ticket_id',
        time: 'posted_at',
        role: 'author_type',
        text: 'body',
        id: 'id',
      },
      extras: { extras: { channel: 'channel' } },
      signals: ['tickets', 'ticket_replies(ticket_id, posted_at, author_type, body)'],
    };
  },
};

// ---- its line in main/kinds/index.ts ----
registerMappedKind(helpdeskKind);

// ---- the fixture: 5 tickets, the first with 12 replies, customers and agents taking turns ----
const base = mkdtempSync(join(tmpdir(), 'ci-helpdesk-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const dir = join(base, 'desk');
const path = join(dir, 'helpdesk.db');
const TICKETS = ['T-1001', 'T-1002', 'T-1003', 'T-1004', 'T-1005'];
const WORDS = ['printer', 'invoice', 'password', 'refund', 'delivery', 'warranty'];
const replyText = (t: number, i: number) =>
  `reply ${i} about the ${WORDS[(t + i) % WORDS.length]!} of ${TICKETS[t]!}`;
let replies = 0;
{
  mkdirSync(dir, { recursive: true });
  const db = openForGeneration(path, false);
  db.exec(`CREATE TABLE tickets (key TEXT PRIMARY KEY, customer TEXT, opened_at TEXT);
    CREATE TABLE ticket_replies (id INTEGER PRIMARY KEY, ticket_id TEXT NOT NULL, posted_at TEXT NOT NULL,
      author_type TEXT NOT NULL, channel TEXT, body TEXT);`);
  const ticket = db.prepare('INSERT INTO tickets VALUES (?, ?, ?)');
  const reply = db.prepare(
    'INSERT INTO ticket_replies (ticket_id, posted_at, author_type, channel, body) VALUES (?, ?, ?, ?, ?)',
  );
  TICKETS.forEach((key, t) => {
    ticket.run(key, `customer ${t}`, `2026-10-0${t + 1} 08:00:00`);
    const count = t === 0 ? 12 : 3 + t;
    for (let i = 0; i < count; i++) {
      const at = `2026-10-0${t + 1} ${String(9 + Math.floor(i / 6)).padStart(2, '0')}:${String((i % 6) * 10).padStart(2, '0')}:00`;
      reply.run(key, at, i % 2 === 0 ? 'customer' : 'agent', 'email', replyText(t, i));
      replies++;
    }
  });
  finishGeneration(db);
}

sourceContractSuite('a new SQLite schema added as docs/adding-a-source.md says (helpdesk)', async () => ({
  open: () => openSource(path),
  truth: {
    kind: 'helpdesk',
    tables: { tickets: TICKETS.length, ticket_replies: replies },
    conversationIds: TICKETS,
    conversation: { id: 'T-1001', messages: 12 },
    searchText: 'warranty',
    writeSql: 'DELETE FROM ticket_replies',
    fingerprint: async () => JSON.stringify([...fingerprintTree(dir).entries()].sort()),
  },
}));

describe('open recognises the new kind', () => {
  it('opens the file as a helpdesk Source, its replies as messages with their roles and channel', async () => {
    await withSource(path, {}, async (source) => {
      expect(source.summary()).toMatchObject({ kind: 'helpdesk', engine: 'sqlite', hasConversations: true });
      const page = await source.messages({ conversationId: 'T-1001', limit: 2 });
      expect(page.messages.map((m) => [m.role, m.rawRole, m.text])).toEqual([
        ['user', 'customer', replyText(0, 10)],
        ['bot', 'agent', replyText(0, 11)],
      ]);
      expect(page.messages[0]!.extra).toMatchObject({ channel: 'email' });
    });
  });

  it("says what the file holds for `open FILE` (the kind's label and table)", async () => {
    expect(await frameworkOf(path)).toEqual({
      kind: 'helpdesk',
      label: 'help-desk tickets database',
      table: 'ticket_replies',
    });
  });

  it('leaves a file without the shape alone', async () => {
    const other = join(base, 'other.db');
    const db = openForGeneration(other, false);
    db.exec(
      'CREATE TABLE tickets (key TEXT PRIMARY KEY); CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)',
    );
    finishGeneration(db);
    await withSource(other, {}, async (source) => expect(source.summary().kind).toBe('generic'));
  });
});
