import {
  cpSync,
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
import { DEFAULT_LIMITS, readTarGz } from '../backup/tar.ts';
import { verifyArchive } from '../backup/verify.ts';
import { ctx, dumpDb, runCliSync, treeSnapshot } from '../testing/backup-helpers.ts';
import { generateChat, generateRoot } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { WorkerPool } from '../workers/pool.ts';
import { archiveInactive, leftoverTrash } from './archive.ts';
import { startHolder, stopHolder } from '../testing/maintenance.ts';

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

  it('a chat the bot changes while the archive is written stays in place, and the archive does not hold it', async () => {
    const { root, out, chats } = setup('changed');
    const changed = chats[2]!;
    const result = await archiveInactive(
      {
        root,
        days: 90,
        outDir: out,
        dryRun: false,
        pool,
        now: LATER,
        // The bot writes to one chat after it was copied into the archive, before it is moved.
        afterArchiveWritten: () => touch(changed.dir, new Date('2026-11-03T10:00:00Z')),
      },
      ctx(),
    );
    expect(result.kept).toEqual([
      { chatId: changed.chatId, reason: 'its files changed while it was being archived' },
    ]);
    expect(result.archived.sort()).toEqual(
      chats
        .filter((c) => c !== changed)
        .map((c) => c.chatId)
        .sort(),
    );
    // The archive is the only file left in --out, and holds exactly the chats removed: manifest and entries.
    expect(readdirSync(out)).toEqual([basenameOf(result.archive!)]);
    const verdict = await verifyArchive({ archive: result.archive! }, ctx());
    expect(verdict.ok).toBe(true);
    expect(verdict.manifest?.chats).toBe(result.archived.length);
    expect([...new Set(verdict.files.map((f) => f.chatId))].sort()).toEqual([...result.archived].sort());
    const entries: string[] = [];
    await readTarGz(result.archive!, DEFAULT_LIMITS, async (entry) => {
      entries.push(entry.path);
    });
    expect(entries.filter((p) => p.includes(`chat_${changed.chatId}/`))).toEqual([]);
    expect(statSync(result.archive!).size).toBe(result.archiveBytes);
    // So `restore --force` of that archive never touches the live chat.
    const live = chatState(changed.dir);
    const restored = await restoreArchive({ archive: result.archive!, root, force: true }, ctx());
    expect(restored.summary.add).toBe(result.archived.length);
    expect(chatState(changed.dir)).toEqual(live);
  });

  it('when every chat was archived, restore into the folder it names brings them back where they were', async () => {
    const chatsDir = join(dir, 'all', 'bot', 'chats');
    const out = join(dir, 'all', 'archives');
    mkdirSync(out, { recursive: true });
    const { chats } = generateRoot(chatsDir, { chats: 2, seed: 12 });
    const states = new Map(chats.map((c) => [c.dir, chatState(c.dir)]));
    const result = await archiveInactive(
      { root: chatsDir, days: 90, outDir: out, dryRun: false, pool, now: LATER },
      ctx(),
    );
    expect(result.archived).toHaveLength(2);
    expect(readdirSync(chatsDir)).toEqual([]);
    await restoreArchive({ archive: result.archive!, root: result.restoreInto }, ctx());
    for (const [chatDir, state] of states) expect(chatState(chatDir)).toEqual(state);
  });

  it('a chat the bot has open stays in place', async () => {
    const { root, out, chats } = setup('open');
    const open = chats[0]!;
    const holder = await startHolder(dir, join(open.dir, 'conversations.db'));
    try {
      const result = await archiveInactive(
        { root, days: 90, outDir: out, dryRun: false, pool, now: LATER },
        ctx(),
      );
      expect(result.kept).toEqual([
        { chatId: open.chatId, reason: expect.stringMatching(/^open in .*pid \d+/) },
      ]);
      expect(result.archived).toHaveLength(chats.length - 1);
      expect(existsSync(open.dir)).toBe(true);
    } finally {
      await stopHolder(holder);
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

describe('archive-inactive killed at every step (SIGKILL)', () => {
  it('never loses a chat, and the next run finishes the job', async () => {
    const pristine = join(dir, 'crash-pristine', 'data');
    const { chats } = generateRoot(pristine, { chats: 3, seed: 9 });
    const states = new Map(chats.map((c) => [basenameOf(c.dir), chatState(c.dir)]));
    // A chat whose metadata.json is a folder: its DBs go into the archive, but it is not whole there, so
    // it stays in place and the archive is rewritten without it (the steps of that path are killed too).
    const partial = generateChat(pristine, '5550001', { messages: 40, seed: 4 });
    rmSync(join(partial.dir, 'metadata.json'));
    mkdirSync(join(partial.dir, 'metadata.json'));
    const partialName = basenameOf(partial.dir);
    const partialDbs = {
      profile: dumpDb(join(partial.dir, 'profile.db')),
      conversations: dumpDb(join(partial.dir, 'conversations.db')),
    };
    const partialState = (root: string): unknown => ({
      profile: dumpDb(join(root, partialName, 'profile.db')),
      conversations: dumpDb(join(root, partialName, 'conversations.db')),
    });
    const probe = join(dir, 'crash-probe');
    cpSync(join(dir, 'crash-pristine'), probe, { recursive: true });
    mkdirSync(join(probe, 'archives'));
    const log = join(dir, 'archive-crash.log');
    const first = runCliSync(
      ['archive-inactive', join(probe, 'data'), '--days', '1', '--out', join(probe, 'archives')],
      {
        CHAT_INSPECTOR_CRASH_LOG: log,
      },
    );
    expect(first.status, first.stderr).toBe(0);
    const logged = readFileSync(log, 'utf8').trim().split('\n');
    const steps = logged.length;
    expect(steps).toBeGreaterThanOrEqual(7);
    expect(logged.some((l) => l.endsWith('archive:rewritten'))).toBe(true);
    for (let at = 1; at <= steps; at++) {
      const base = join(dir, `crash-${at}`);
      cpSync(join(dir, 'crash-pristine'), base, { recursive: true });
      const root = join(base, 'data');
      const out = join(base, 'archives');
      mkdirSync(out);
      const run = runCliSync(['archive-inactive', root, '--days', '1', '--out', out], {
        CHAT_INSPECTOR_CRASH_AT: String(at),
      });
      expect(run.signal, `step ${at}`).toBe('SIGKILL');
      // Every chat is whole, in the root or in the trash folder the run left, or gone from both only once
      // it is in an archive that verifies.
      const trash = leftoverTrash(root);
      const archived = new Set<string>();
      const listed = new Set<string>();
      for (const name of readdirSync(out).filter((n) => n.endsWith('.tar.gz'))) {
        const v = await verifyArchive({ archive: join(out, name) }, ctx());
        if (v.ok) for (const f of v.files) archived.add(`chat_${f.chatId}`);
        for (const f of v.files) listed.add(`chat_${f.chatId}`);
      }
      expect(partialState(root), `step ${at}: the chat kept in place`).toEqual(partialDbs);
      expect(listed.has(partialName), `step ${at}: the chat kept in place is in an archive`).toBe(false);
      // An archive in --out never lists a chat that is still in the root (or will be moved back to it).
      const setAside = new Set(trash.filter((t) => !existsSync(join(t, '.archive-verified'))));
      for (const name of listed) {
        expect(existsSync(join(root, name)), `step ${at}: ${name} archived and live`).toBe(false);
        for (const t of setAside) expect(existsSync(join(t, name)), `step ${at}: ${name}`).toBe(false);
      }
      expect(
        readdirSync(out).filter((n) => !n.endsWith('.tar.gz') && !n.includes('.pending')),
        `step ${at}`,
      ).toEqual([]);
      for (const [name, state] of states) {
        const where = [join(root, name), ...trash.map((t) => join(t, name))].find((p) => existsSync(p));
        if (where) expect(chatState(where), `step ${at}: ${name}`).toEqual(state);
        else expect(archived.has(name), `step ${at}: ${name}`).toBe(true);
      }
      // The next run finishes: no trash is left, and the archives bring every chat back as it was.
      const again = runCliSync(['archive-inactive', root, '--days', '1', '--out', out]);
      expect(again.status, again.stderr).toBe(0);
      expect(leftoverTrash(root), `step ${at}`).toEqual([]);
      expect(trashFolders(root)).toEqual([]);
      expect(
        readdirSync(out).filter((n) => !n.endsWith('.tar.gz')),
        `step ${at}`,
      ).toEqual([]);
      for (const name of readdirSync(out)) {
        const v = await verifyArchive({ archive: join(out, name) }, ctx());
        expect(v.ok, `step ${at}: ${name}`).toBe(true);
        const live = v.files.map((f) => `chat_${f.chatId}`).filter((c) => existsSync(join(root, c)));
        expect(live, `step ${at}: ${name} lists chats still in the root`).toEqual([]);
      }
      expect(partialState(root), `step ${at}: the chat kept in place`).toEqual(partialDbs);
      for (const name of readdirSync(out).filter((n) => n.endsWith('.tar.gz')))
        await restoreArchive({ archive: join(out, name), root }, ctx());
      // (restore puts chats into ROOT/chats when the root holds no chat folder any more)
      for (const [name, state] of states) {
        const back = [join(root, name), join(root, 'chats', name)].find((p) => existsSync(p));
        expect(back, `step ${at}: ${name}`).toBeDefined();
        expect(chatState(back!), `step ${at}: ${name}`).toEqual(state);
      }
    }
  }, 300_000);
});

function basenameOf(path: string): string {
  return path.split(/[\\/]/).pop()!;
}
