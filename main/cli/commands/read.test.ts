import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatSummary } from '../../../shared/domain.ts';
import { printScanTable } from '../format/fleet.ts';

const chat = (chatId: string, patch: Partial<ChatSummary> = {}): ChatSummary => ({
  chatId,
  name: `Person ${chatId}`,
  level: 'B1',
  messages: 40,
  sessions: 4,
  counts: 'whole',
  countsReason: null,
  lastActive: '2026-11-01T10:00:00Z',
  sizeBytes: 4096,
  health: 'ok',
  ...patch,
});

function printed(chats: ChatSummary[], incomplete: Map<string, 'partial' | 'unread'>): string[] {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((text: string) => lines.push(...String(text).split('\n')));
  printScanTable({ root: '/r', chats, skipped: [] }, incomplete);
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the scan table', () => {
  it('prints counts that could not be read as "—", partial ones marked, whole ones plain', () => {
    const lines = printed(
      [
        chat('1'),
        chat('2', { messages: 0, sessions: 0, health: 'error' }),
        chat('3', { messages: 17, sessions: 2, health: 'error' }),
        chat('4', {
          messages: 0,
          sessions: 0,
          health: 'warning',
          locked: { file: 'conversations.db', message: 'locked by another program' },
        }),
      ],
      new Map([
        ['2', 'unread'],
        ['3', 'partial'],
        ['4', 'unread'],
      ]),
    );
    const row = (id: string) => lines.find((l) => l.startsWith(`${id} `))!;
    expect(row('1')).toMatch(/ 40 +4 +2026-11-01 10:00 /);
    expect(row('2')).toMatch(/ — +— +2026-11-01 10:00 /);
    expect(row('3')).toMatch(/ 17 \(partial\) +2 \(partial\) +2026-11-01 10:00 /);
    expect(row('4')).toMatch(/ locked +locked +/);
    expect(lines).toContain(
      '(partial): what could be read of a damaged conversations.db, not the whole chat',
    );
  });

  it('says nothing of partial counts when there are none', () => {
    const lines = printed([chat('1'), chat('2', { health: 'error' })], new Map([['2', 'unread']]));
    expect(lines.some((l) => l.includes('(partial)'))).toBe(false);
  });
});
