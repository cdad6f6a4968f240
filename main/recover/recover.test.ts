import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakChat, generateChat } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { recoverDb } from './recover.ts';
import { ctx, dumpDb, runCliSync } from '../testing/backup-helpers.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-recover-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fingerprint(path: string): { bytes: Buffer; mtimeMs: number } {
  return { bytes: readFileSync(path), mtimeMs: statSync(path).mtimeMs };
}

function quickCheck(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('PRAGMA quick_check').pluck().all() as string[]).join('; ');
  } finally {
    db.close();
  }
}

describe('recover', () => {
  it.each([1, 2, 3])(
    'page_corrupt (seed %i): every readable row, the lost ones counted, the damaged file untouched',
    async (seed) => {
      const root = mkdtempSync(join(dir, 'pc-'));
      const chat = breakChat(root, 'page_corrupt', { seed });
      const source = join(chat.dir, 'conversations.db');
      const before = fingerprint(source);
      const out = join(root, 'recovered.db');
      const result = await recoverDb({ path: source, out }, ctx());
      expect(fingerprint(source)).toEqual(before);
      expect(result.method).toBe('pages');
      expect(result.integrity).toBe('ok');
      expect(quickCheck(out)).toBe('ok');
      const messages = result.tables.find((t) => t.table === 'messages')!;
      const sessions = result.tables.find((t) => t.table === 'conversation_sessions')!;
      // What the generator wrote, what it says the damage destroyed, and what came back.
      expect(messages.recovered).toBeGreaterThan(0);
      expect(messages.recovered).toBeLessThanOrEqual(chat.before!.messages);
      expect(messages.recovered).toBe(chat.before!.messages - chat.lostMessages!);
      expect(messages.lost).toBe(chat.lostMessages);
      // metadata.json and profile.db agree on the total: the count is exact.
      expect(messages.lostBasis).toBe('exact');
      // The healthy table comes back whole, and exactly.
      expect(sessions).toMatchObject({ recovered: chat.before!.sessions, lost: 0, lostBasis: 'exact' });
      const recovered = dumpDb(out);
      expect(recovered.messages).toHaveLength(messages.recovered);
      // The original schema: same tables, same SQL, the AUTOINCREMENT counter never goes back.
      const schemaOf = (p: string) => {
        const db = new Database(p, { readonly: true });
        try {
          return db
            .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
            .all();
        } finally {
          db.close();
        }
      };
      const fresh = join(root, 'fresh');
      generateChat(fresh, '1', { messages: 5 });
      expect(schemaOf(out)).toEqual(schemaOf(join(fresh, 'chat_1', 'conversations.db')));
      const seq = new Database(out, { readonly: true })
        .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'messages'")
        .pluck()
        .get();
      expect(Number(seq)).toBe(chat.before!.messages);
    },
  );

  it.each([1, 2, 3])(
    'truncated (seed %i): recovers what is left (≤ written, > 0), untouched source',
    async (seed) => {
      const root = mkdtempSync(join(dir, 'tr-'));
      const chat = breakChat(root, 'truncated', { seed });
      const source = join(chat.dir, 'conversations.db');
      const before = fingerprint(source);
      const out = join(root, 'recovered.db');
      const result = await recoverDb({ path: source, out }, ctx());
      expect(fingerprint(source)).toEqual(before);
      expect(result.integrity).toBe('ok');
      expect(quickCheck(out)).toBe('ok');
      const by = Object.fromEntries(result.tables.map((t) => [t.table, t]));
      expect(by.messages!.recovered).toBeLessThanOrEqual(chat.before!.messages);
      expect(by.conversation_sessions!.recovered).toBeLessThanOrEqual(chat.before!.sessions);
      expect(by.messages!.recovered + by.conversation_sessions!.recovered).toBeGreaterThan(0);
      // Lost rows are counted against the AUTOINCREMENT counter: recovered + lost = what was written.
      expect(by.messages!.recovered + (by.messages!.lost ?? 0)).toBe(chat.before!.messages);
      const rows = dumpDb(out);
      expect(rows.messages).toHaveLength(by.messages!.recovered);
      // The chat's healthy profile.db comes back whole through VACUUM INTO.
      const profileOut = join(root, 'profile.db');
      const profile = await recoverDb({ path: join(chat.dir, 'profile.db'), out: profileOut }, ctx());
      expect(profile.method).toBe('vacuum-into');
      expect(profile.tables.find((t) => t.table === 'learning_progress')).toMatchObject({
        recovered: chat.before!.progress,
        lost: 0,
      });
      expect(dumpDb(profileOut)).toEqual(dumpDb(join(chat.dir, 'profile.db')));
    },
  );

  it('refuses an existing --out, and files with nothing to recover', async () => {
    const root = mkdtempSync(join(dir, 'refuse-'));
    const chat = breakChat(root, 'page_corrupt', { seed: 4 });
    const out = join(root, 'taken.db');
    writeFileSync(out, 'mine');
    await expect(recoverDb({ path: join(chat.dir, 'conversations.db'), out }, ctx())).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(readFileSync(out, 'utf8')).toBe('mine');
    const notDb = breakChat(root, 'not_sqlite', { seed: 4 });
    await expect(
      recoverDb({ path: join(notDb.dir, 'conversations.db'), out: join(root, 'x.db') }, ctx()),
    ).rejects.toMatchObject({
      code: 'not_sqlite',
    });
    expect(existsSync(join(root, 'x.db'))).toBe(false);
  });

  it('--into-place: the damaged file is kept as .bak (same bytes) and the recovered DB takes its place', async () => {
    const root = mkdtempSync(join(dir, 'place-'));
    const chat = breakChat(root, 'page_corrupt', { seed: 6 });
    const source = join(chat.dir, 'conversations.db');
    const damaged = readFileSync(source);
    const result = await recoverDb({ path: source, intoPlace: true }, ctx());
    expect(result.placedInto).toBe(source);
    expect(result.backup).toMatch(/conversations\.db\.bak-/);
    expect(readFileSync(result.backup!)).toEqual(damaged);
    expect(quickCheck(source)).toBe('ok');
    expect(dumpDb(source).messages).toHaveLength(chat.messages);
    // No temporary file is left beside it.
    const leftovers = (await import('node:fs')).readdirSync(chat.dir).filter((n) => n.includes('.recover-'));
    expect(leftovers).toEqual([]);
  });

  it('CLI: recover --json reports per table, exit 0', () => {
    const root = mkdtempSync(join(dir, 'cli-'));
    const chat = breakChat(root, 'page_corrupt', { seed: 8 });
    const out = join(root, 'new.db');
    const r = runCliSync(['recover', join(chat.dir, 'conversations.db'), '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { tables: { table: string; recovered: number; lost: number }[] };
    expect(json.tables.find((t) => t.table === 'messages')).toMatchObject({
      recovered: chat.messages,
      lost: chat.lostMessages,
    });
    const again = runCliSync(['recover', join(chat.dir, 'conversations.db'), '--out', out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  });
});
