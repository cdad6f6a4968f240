import { describe, expect, it } from 'vitest';
import { defaultFirstPage, type FleetRow } from '../shared/contract/index.ts';
import type { BootAnswer } from '../shared/transport.ts';
import { paintFirstScreen } from './paint.tsx';

// The first screen is rendered by the app process, in plain Node (no window, no document): what
// main/server/boot.ts puts into index.html before the scripts arrive.

const ROOT = '/data/bot-root';
const place = { path: ROOT, kind: 'root', label: 'bot-root', source: 'cli' };

function row(chatId: string, patch: Partial<FleetRow> = {}): FleetRow {
  return {
    chatId,
    name: `Person ${chatId}`,
    level: 'B1',
    messages: 1234,
    sessions: 5,
    counts: 'whole',
    countsReason: null,
    lastActive: '2026-11-01T11:06:23Z',
    sizeBytes: 65536,
    health: 'ok',
    partial: false,
    unread: false,
    codes: [],
    ...patch,
  };
}

function answers(rows: FleetRow[]): BootAnswer[] {
  return [
    {
      operation: 'places.list',
      input: {},
      value: { current: place, places: [place], canPickWithDialog: false },
    },
    {
      operation: 'fleet.page',
      input: defaultFirstPage(ROOT),
      value: { rows, total: rows.length, nextCursor: null },
    },
    {
      operation: 'fleet.overview',
      input: { root: ROOT, filter: {} },
      value: {
        total: rows.length,
        counts: { ok: rows.length - 1, warning: 0, error: 1, unchecked: 0 },
        levels: ['B1'],
        codes: [{ code: 'corrupt', chats: 1 }],
        skipped: [],
        refreshedAt: '2026-11-27T10:00:00Z',
        // What the contract's output always holds (dispatch fills its default): one tree, no tree column.
        trees: [{ tree: '.', chats: rows.length }],
        inMoreThanOneTree: 0,
      },
    },
  ];
}

const chatIds = (html: string) => [...html.matchAll(/<tr[^>]* data-chat-id="([^"]+)"/g)].map((m) => m[1]);

describe('the first screen, rendered ahead of the scripts', () => {
  it('is the chat list with its first rows, in the order of the page, each with its health', () => {
    const rows = [row('300'), row('12', { health: 'error', codes: ['corrupt'] }), row('7')];
    const html = paintFirstScreen({ answers: answers(rows), language: 'en', target: 'browser' });
    expect(chatIds(html)).toEqual(['300', '12', '7']);
    expect(html).toMatch(/data-chat-id="12" data-health="error"/);
    expect(html).toContain('Person 300');
    expect(html).toContain('1,234');
    // The header and the open place are there too: the page does not jump when the app takes over.
    expect(html).toContain('class="app-header"');
    expect(html).toContain('bot-root');
  });

  it('shows only what fits a window, however long the page', () => {
    const rows = Array.from({ length: 200 }, (_, i) => row(String(1000 + i)));
    const ids = chatIds(paintFirstScreen({ answers: answers(rows), language: 'en', target: 'browser' }));
    expect(ids.length).toBeGreaterThan(10);
    expect(ids.length).toBeLessThan(60);
    expect(ids[0]).toBe('1000');
  });

  it('a chat listed before its first read says nothing it does not know: no "0 B", no "no name"', () => {
    const unread = row('42', {
      name: null,
      level: null,
      messages: null,
      sessions: null,
      lastActive: null,
      sizeBytes: 0,
      health: 'unchecked',
    });
    const html = paintFirstScreen({ answers: answers([unread]), language: 'en', target: 'browser' });
    const cells = [...html.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
    expect(cells.slice(0, 7)).toEqual(['42', '—', '—', '—', '—', '—', '—']);
    expect(html).toContain('Not checked');
  });

  it('escapes what the data says: a name is text, never markup', () => {
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    const html = paintFirstScreen({
      answers: answers([row('5', { name: hostile })]),
      language: 'en',
      target: 'browser',
    });
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('is in the language asked for, and each render starts from its own answers', () => {
    const pt = paintFirstScreen({ answers: answers([row('1')]), language: 'pt-BR', target: 'browser' });
    const en = paintFirstScreen({ answers: answers([row('2')]), language: 'en', target: 'browser' });
    expect(pt).toContain('Buscar conversas por id ou nome');
    expect(en).toContain('Search chats by id or name');
    expect(pt).toContain('1.234');
    expect(en).toContain('1,234');
    expect(chatIds(pt)).toEqual(['1']);
    expect(chatIds(en)).toEqual(['2']);
  });

  it('shows the theme toggle for the theme it is painted in', () => {
    const dark = paintFirstScreen({
      answers: answers([row('1')]),
      language: 'en',
      theme: 'dark',
      target: 'browser',
    });
    const light = paintFirstScreen({
      answers: answers([row('1')]),
      language: 'en',
      theme: null,
      target: 'browser',
    });
    expect(dark).toMatch(/data-testid="theme-toggle"/);
    expect(dark).toContain('Switch to light theme');
    expect(light).toContain('Switch to dark theme');
  });

  it('without a root open, paints no list', () => {
    const html = paintFirstScreen({
      answers: [
        {
          operation: 'places.list',
          input: {},
          value: { current: null, places: [], canPickWithDialog: false },
        },
      ],
      language: 'en',
      target: 'desktop',
    });
    expect(chatIds(html)).toEqual([]);
    expect(html).toContain('class="app-header"');
  });
});
