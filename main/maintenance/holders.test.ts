import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChat } from '../fixtures/index.ts';
import { findHolders, lsofHolders } from './holders.ts';
import { startHolder, stopHolder } from '../testing/maintenance.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-holders-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('who has a DB open', () => {
  it('finds a process that holds the DB open without any lock (and nobody once it closed)', async () => {
    const chat = generateChat(dir, '5553001', { messages: 20 });
    const db = join(chat.dir, 'conversations.db');
    const other = join(chat.dir, 'profile.db');
    expect(findHolders([db]).holders).toEqual([]);
    const holder = await startHolder(dir, db);
    try {
      const scans = [findHolders([db, other])];
      const lsof = lsofHolders([db, other]);
      if (lsof.supported) scans.push(lsof);
      for (const scan of scans) {
        expect(scan.supported).toBe(true);
        expect(scan.holders.map((h) => h.pid)).toContain(holder.pid);
        expect(new Set(scan.holders.map((h) => h.db))).toEqual(new Set([db]));
      }
    } finally {
      await stopHolder(holder);
    }
    expect(findHolders([db]).holders).toEqual([]);
  });
});
