import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFile } from '../adapters/index.ts';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { withReadonly } from '../sqlite/open.ts';
import { chatDir } from '../store/layout.ts';
import { fingerprintTree } from '../testing/tree.ts';
import { describeTolerant, quickCheck } from './damage.ts';
import { WorkerPool } from '../workers/pool.ts';

// Statements run in a worker of a pool, as in the app (one worker: a stopped one is replaced).
const pool = new WorkerPool(1);

let base: string;
let gen: GeneratedRoot;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-damage-'));
  gen = generateRoot(join(base, 'root'), { chats: 1, broken: ['page_corrupt'], seed: 5 });
});
afterAll(async () => {
  await pool.close();
  rmSync(base, { recursive: true, force: true });
});

const dbOf = (kind: string) =>
  join(chatDir(gen.root, gen.chats.find((c) => c.kind === kind)!.chatId), 'conversations.db');

describe('a damaged file is browsed with its damage stated', () => {
  it('lists every table, says which cannot be read, and gives quick_check findings', async () => {
    const path = dbOf('page_corrupt');
    const before = fingerprintTree(gen.root);
    // The plain description refuses the file as a whole ...
    expect(() => withReadonly(path, (db) => describeFile(db, path))).toThrow();
    // ... the tolerant one lists the tables and names the broken one.
    const described = withReadonly(path, (db) => describeTolerant(db, path));
    expect(described.info.tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['messages', 'conversation_sessions']),
    );
    expect(described.unreadable.map((u) => u.table)).toContain('messages');
    const damage = await quickCheck(pool, path);
    expect(damage).not.toBeNull();
    expect(damage).not.toEqual(['ok']);
    expect(damage!.length).toBeGreaterThan(0);
    expect(fingerprintTree(gen.root)).toEqual(before);
  });

  it('says "ok" for a healthy file', async () => {
    expect(await quickCheck(pool, dbOf('healthy'))).toEqual(['ok']);
  });
});
