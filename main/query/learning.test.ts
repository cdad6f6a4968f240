import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctionsOf } from '../../shared/corrections.ts';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { readonlyCache } from '../sqlite/cache.ts';
import { withReadonly } from '../sqlite/open.ts';
import { chatDir } from '../store/layout.ts';
import { readChatLearning } from './learning.ts';

let base: string;
let gen: GeneratedRoot;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-learning-'));
  gen = generateRoot(join(base, 'root'), { chats: 1, broken: [], seed: 9 });
});
afterAll(() => {
  readonlyCache.closeAll();
  rmSync(base, { recursive: true, force: true });
});

describe('learning progress from the databases', () => {
  it('aggregates corrections, vocabulary per month and errors per session as the rows say', () => {
    const chat = gen.chats[0]!;
    const learning = readChatLearning(gen.root, chat.chatId);
    const path = join(chatDir(gen.root, chat.chatId), 'conversations.db');
    const rows = withReadonly(
      path,
      (db) =>
        db.prepare('SELECT grammar_corrections AS g, vocabulary_suggestions AS v FROM messages').all() as {
          g: string | null;
          v: string | null;
        }[],
    );
    // Every correction counted once: the top list's counts never exceed the corrections in the file.
    const total = rows
      .filter((r) => r.g)
      .reduce(
        (n, r) =>
          n +
          correctionsOf({ corrections: JSON.parse(r.g!), originalContent: null, content: null }).items.length,
        0,
      );
    expect(total).toBeGreaterThan(0);
    expect(learning.topCorrections.length).toBeGreaterThan(0);
    expect(learning.topCorrections.reduce((n, c) => n + c.count, 0)).toBeLessThanOrEqual(total);
    const counts = learning.topCorrections.map((c) => c.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));

    const suggested = rows.filter((r) => r.v && r.v !== '[]').length;
    expect(suggested).toBeGreaterThan(0);
    expect(learning.vocabularyPerMonth.reduce((n, m) => n + m.words, 0)).toBeGreaterThanOrEqual(suggested);
    expect(learning.vocabularyPerMonth.every((m) => m.newWords <= m.words)).toBe(true);

    expect(learning.errorsPerSession.length).toBeGreaterThan(0);
    for (const s of learning.errorsPerSession) expect(s.withErrors).toBeLessThanOrEqual(s.messages);
    expect(learning.windowed).toBe(false);
  });
});
