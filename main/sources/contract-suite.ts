import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import type { Source, SourceMessage } from './types.ts';

// The one contract every kind of Source passes (Beekeeper Studio's pattern for its drivers): the same
// assertions against a per-chat root, each SQLite file kind, PostgreSQL (EvoSense, clinic) and later MySQL.
// The fixture states the truth independently (the generator's figures or a direct count), never by asking
// the Source under test.

export interface ContractTruth {
  /** The expected `kind`. */
  kind: string;
  /** Tables that must be listed, with their exact row counts. */
  tables: Record<string, number>;
  tenant?: string;
  /** Every conversation id (of the tenant), for the paging test. */
  conversationIds: string[];
  /** A conversation with at least 8 messages and its exact size. */
  conversation: {
    id: string;
    messages: number;
    /** Rows of the thread that are not messages (Rasa's other events), counted apart; shown in the thread. */
    events?: number;
  };
  /** Text that occurs in that conversation's messages (search must find it there). */
  searchText: string;
  /** The store keeps no message times (LangChain): `at` gives the oldest page instead of a jump. */
  untimed?: boolean;
  /** A statement that writes; it must be refused and change nothing. */
  writeSql: string;
  /** Reads the store by other means; must give the same answer before and after the write attempt. */
  fingerprint(): Promise<string>;
}

export interface ContractFixture {
  open(): Promise<Source>;
  truth: ContractTruth;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
  return 'resolved';
}

async function wholeThreadBackwards(
  source: Source,
  truth: ContractTruth,
  limit: number,
): Promise<SourceMessage[]> {
  const pages: SourceMessage[][] = [];
  let page = await source.messages({ conversationId: truth.conversation.id, tenant: truth.tenant, limit });
  pages.unshift(page.messages);
  expect(page.newer).toBeNull();
  let guard = 0;
  while (page.older !== null && guard++ < 10_000) {
    page = await source.messages({
      conversationId: truth.conversation.id,
      tenant: truth.tenant,
      limit,
      before: page.older,
    });
    expect(page.messages.length).toBeGreaterThan(0);
    expect(page.newer).not.toBeNull();
    pages.unshift(page.messages);
  }
  return pages.flat();
}

/**
 * The one thread rule (main/sources/thread-order.ts): oldest first by time; messages without a time come
 * before every dated one. Fixtures whose ids run against time (`idOrder: 'newest-first'`) make this bite.
 */
function expectTimeOrder(messages: SourceMessage[]): void {
  const times = messages.map((m) => (m.timestamp === null ? null : Date.parse(m.timestamp)));
  const firstDated = times.findIndex((t) => t !== null);
  if (firstDated < 0) return; // a store without message times (LangChain): key order
  expect(times.slice(firstDated).indexOf(null), 'an undated message after a dated one').toBe(-1);
  for (let i = firstDated + 1; i < times.length; i++)
    expect(
      times[i]!,
      `message ${i} of ${times.length} is older than the one before it`,
    ).toBeGreaterThanOrEqual(times[i - 1]!);
}

export function sourceContractSuite(name: string, setup: () => Promise<ContractFixture>): void {
  describe(`Source contract: ${name}`, () => {
    let source: Source;
    let truth: ContractTruth;

    beforeAll(async () => {
      const fixture = await setup();
      truth = fixture.truth;
      source = await fixture.open();
    });
    afterAll(async () => {
      await source?.close();
    });

    it('says what it is and counts table rows exactly (small tables)', async () => {
      const info = await source.info();
      expect(info.kind).toBe(truth.kind);
      expect(info.hasConversations).toBe(true);
      expect(info.tenantScoped).toBe(truth.tenant !== undefined);
      for (const [table, rows] of Object.entries(truth.tables)) {
        const listed = info.tables.find((t) => t.name === table);
        expect(listed, table).toBeDefined();
        expect(listed!.rows, table).toBe(rows);
        expect(listed!.rowsEstimated, table).toBe(false);
      }
    });

    it('pages through every conversation, most recent first, each once', async () => {
      const seen: string[] = [];
      let after: string | undefined;
      let last: string | null = '9999';
      for (let guard = 0; guard < 10_000; guard++) {
        const page = await source.conversations({ tenant: truth.tenant, limit: 3, after });
        expect(page.conversations.length).toBeLessThanOrEqual(3);
        for (const c of page.conversations) {
          seen.push(c.id);
          if (c.lastActivity !== null && last !== null)
            expect(c.lastActivity <= last || Date.parse(c.lastActivity) <= Date.parse(last)).toBe(true);
          last = c.lastActivity;
        }
        if (page.next === null) break;
        after = page.next;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual([...truth.conversationIds].sort());
      const one = await source.conversation(truth.conversation.id, { tenant: truth.tenant });
      expect(one.messages).toBe(truth.conversation.messages);
      expect(one.events).toBe(truth.conversation.events);
    });

    it('pages a thread both ways in time order, every message once', async () => {
      const backwards = await wholeThreadBackwards(source, truth, 3);
      expect(backwards.length).toBe(truth.conversation.messages + (truth.conversation.events ?? 0));
      expect(new Set(backwards.map((m) => m.id)).size).toBe(backwards.length);
      expectTimeOrder(backwards);
      for (const m of backwards) expect(m.conversationId).toBe(truth.conversation.id);
      // Forward from the oldest page gives the same sequence.
      const forwards: SourceMessage[] = [];
      let page = await source.messages({
        conversationId: truth.conversation.id,
        tenant: truth.tenant,
        limit: 3,
        at: '1970-01-01',
      });
      forwards.push(...page.messages);
      while (page.newer !== null) {
        page = await source.messages({
          conversationId: truth.conversation.id,
          tenant: truth.tenant,
          limit: 3,
          after: page.newer,
        });
        forwards.push(...page.messages);
      }
      expect(forwards.map((m) => m.id)).toEqual(backwards.map((m) => m.id));
      // The oldest page (the thread's Home key): its first messages, nothing older.
      const oldest = await source.messages({
        conversationId: truth.conversation.id,
        tenant: truth.tenant,
        limit: 3,
        oldest: true,
      });
      expect(oldest.messages.map((m) => m.id)).toEqual(backwards.slice(0, 3).map((m) => m.id));
      expect(oldest.older).toBeNull();
      expect(oldest.newer === null).toBe(backwards.length <= 3);
    });

    it('jumps to a time: the page starts at the first message on or after it', async () => {
      const all = await wholeThreadBackwards(source, truth, 50);
      if (truth.untimed) {
        const page = await source.messages({
          conversationId: truth.conversation.id,
          tenant: truth.tenant,
          limit: 4,
          at: '2001-01-01',
        });
        expect(page.messages.map((m) => m.id)).toEqual(all.slice(0, 4).map((m) => m.id));
        expect(page.older).toBeNull();
        return;
      }
      const middle = all.findIndex(
        (m, i) => i >= all.length / 2 && m.timestamp !== null && all[i - 1]?.timestamp !== m.timestamp,
      );
      expect(middle).toBeGreaterThan(0);
      const at = all[middle]!.timestamp!;
      const page = await source.messages({
        conversationId: truth.conversation.id,
        tenant: truth.tenant,
        limit: 4,
        at,
      });
      expect(page.messages[0]!.id).toBe(all[middle]!.id);
      expect(page.older).not.toBeNull();
    });

    it('finds text in a conversation', async () => {
      const hits = await source.searchMessages({
        text: truth.searchText,
        tenant: truth.tenant,
        conversationId: truth.conversation.id,
        limit: 5,
      });
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) expect(h.conversationId).toBe(truth.conversation.id);
    });

    it('streams an export of the whole thread, in the same order as the pages', async () => {
      const all = await wholeThreadBackwards(source, truth, 100);
      const exported: string[] = [];
      let pages = 0;
      for await (const page of source.exportMessages({
        conversationId: truth.conversation.id,
        tenant: truth.tenant,
        pageSize: 5,
      })) {
        expect(page.length).toBeLessThanOrEqual(5);
        pages++;
        exported.push(...page.map((m) => m.id));
      }
      expect(pages).toBeGreaterThan(1);
      expect(exported).toEqual(all.map((m) => m.id));
    });

    it('gives metrics series', async () => {
      const metrics = await source.metrics({ tenant: truth.tenant });
      expect(metrics.charts.length + metrics.tables.length).toBeGreaterThan(0);
    });

    it('refuses unknown conversations and foreign cursors with a clear error', async () => {
      expect(await codeOf(source.conversation('no-such-conversation-0', { tenant: truth.tenant }))).toMatch(
        /not_found|invalid_input/,
      );
      expect(
        await codeOf(
          source.messages({
            conversationId: truth.conversation.id,
            tenant: truth.tenant,
            limit: 3,
            before: 'bm9wZQ',
          }),
        ),
      ).toBe('invalid_input');
      expect(await codeOf(source.conversations({ tenant: truth.tenant, limit: 3, after: '%%%' }))).toBe(
        'invalid_input',
      );
    });

    it('a write through a Source fails and changes nothing', async () => {
      const before = await truth.fingerprint();
      const code = await codeOf(source.query(truth.writeSql));
      expect(code).toBe('read_only');
      expect(await truth.fingerprint()).toBe(before);
      const read = await source.query('SELECT 1 AS one');
      expect(read.columns).toEqual(['one']);
      expect(Number(read.rows[0]![0])).toBe(1);
    });
  });
}
