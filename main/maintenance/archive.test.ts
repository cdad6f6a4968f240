import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreArchive } from '../backup/restore.ts';
import { ctx, dumpDb, treeSnapshot } from '../backup/test-helpers.ts';
import { generateRoot } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { WorkerPool } from '../workers/pool.ts';
import { archiveInactive } from './archive.ts';

// Far enough after the fixtures' clock (2026-11-01) that every generated chat is inactive for > 90 days.
const LATER = new Date('2027-09-01T00:00:00Z');
const pool = new WorkerPool(0);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-archive-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pool.close();
});

function setup(name: string): { root: string; out: string; chats: { chatId: string; dir: string }[] } {
  const root = join(dir, name, 'data');
  const out = join(dir, name, 'archives');
  mkdirSync(out, { recursive: true });
  const { chats } = generateRoot(root, { chats: 4, seed: 3 });
  return { root, out, chats };
}

function chatState(chatDir: string): Record<string, unknown> {
  return {
    profile: dumpDb(join(chatDir, 'profile.db')),
    conversations: dumpDb(join(chatDir, 'conversations.db')),
    metadata: readFileSync(join(chatDir, 'metadata.json'), 'utf8'),
  };
}

/** A new message now, as the bot would write it. */
function touch(chatDir: string, now: Date): void {
  const db = new Database(join(chatDir, 'conversations.db'));
  db.prepare(
    "INSERT INTO messages (chat_id, session_id, message_type, content, timestamp) VALUES (1, 'new', 'user', 'back again', ?)",
  ).run(now.toISOString().replace('T', ' ').slice(0, 19));
  db.close();
}

function trashFolders(root: string): string[] {
  return [...readdirSync(dirname(root)), ...readdirSync(root)].filter((n) => n.includes('.trash-'));
}

describe('archive-inactive', () => {
  it('the dry run lists inactive chats with sizes and last activity from the DBs, and writes nothing', async () => {
    const { root, out, chats } = setup('dry');
    const before = treeSnapshot(root);
    const result = await archiveInactive(
      { root, days: 90, outDir: out, dryRun: true, pool, now: LATER },
      ctx(),
    );
    expect(result.candidates.map((c) => c.chatId).sort()).toEqual(chats.map((c) => c.chatId).sort());
    for (const c of result.candidates) {
      expect(c.sizeBytes).toBeGreaterThan(0);
      expect(c.inactiveDays).toBeGreaterThan(90);
    }
    expect(result.plan.chats).toHaveLength(chats.length);
    // Activity comes from the DBs: a chat with a recent message is not a candidate, whatever metadata.json says.
    touch(chats[0]!.dir, new Date(LATER.getTime() - 86_400_000));
    const again = await archiveInactive(
      { root, days: 90, outDir: out, dryRun: true, pool, now: LATER },
      ctx(),
    );
    expect(again.candidates.map((c) => c.chatId)).not.toContain(chats[0]!.chatId);
    expect(readdirSync(out)).toEqual([]);
    expect(Object.keys(treeSnapshot(root)).sort()).toEqual(Object.keys(before).sort());
  });

  it('archives and removes them; a chat touched since the dry run is kept; restore brings the rest back identically', async () => {
    const { root, out, chats } = setup('run');
    const states = new Map(chats.map((c) => [c.chatId, chatState(c.dir)]));
    const dry = await archiveInactive({ root, days: 90, outDir: out, dryRun: true, pool, now: LATER }, ctx());
    // The bot writes to one chat between the dry run and the run.
    const touched = chats[1]!;
    touch(touched.dir, new Date('2026-11-02T10:00:00Z'));
    const result = await archiveInactive(
      { root, days: 90, outDir: out, dryRun: false, plan: dry.plan, pool, now: LATER },
      ctx(),
    );
    expect(result.kept.map((k) => k.chatId)).toEqual([touched.chatId]);
    expect(result.archived.sort()).toEqual(
      chats
        .filter((c) => c !== touched)
        .map((c) => c.chatId)
        .sort(),
    );
    expect(existsSync(touched.dir)).toBe(true);
    for (const id of result.archived) expect(existsSync(chats.find((c) => c.chatId === id)!.dir)).toBe(false);
    expect(trashFolders(root)).toEqual([]);
    expect(statSync(result.archive!).size).toBe(result.archiveBytes);

    const restored = await restoreArchive({ archive: result.archive!, root }, ctx());
    expect(restored.summary.add).toBe(result.archived.length);
    for (const id of result.archived) {
      const chat = chats.find((c) => c.chatId === id)!;
      expect(chatState(chat.dir)).toEqual(states.get(id));
    }
  });

  it('a failing archive step removes nothing', async () => {
    const { root, out } = setup('fail');
    const before = treeSnapshot(root);
    await expect(
      archiveInactive(
        {
          root,
          days: 90,
          outDir: out,
          dryRun: false,
          pool,
          now: LATER,
          // The archive is damaged after it was written (a full disk, a bad sector): verification fails.
          afterArchiveWritten: (archive) => truncateSync(archive, Math.floor(statSync(archive).size / 2)),
        },
        ctx(),
      ),
    ).rejects.toThrow(/no chat was removed/);
    expect(treeSnapshot(root)).toEqual(before);
    expect(trashFolders(root)).toEqual([]);
  });
});
