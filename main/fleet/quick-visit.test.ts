import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { openForCheck } from '../integrity/attach.ts';
import { CHECK_BUSY_TIMEOUT_MS, chatInspector } from '../integrity/chat.ts';
import Database from '../sqlite/driver.ts';
import { CONVERSATIONS_DB } from '../adapters/per-chat-schema.ts';
import { summarizeChatTask, type ScanItem, type ScanOutcome } from '../store/summary.ts';
import { attachable, closeQuickVisitConnection, quickVisit, stillAsAttached } from './quick-visit.ts';

const NOW = new Date('2026-11-01T12:00:00Z');
let base: string;
let rollback: GeneratedRoot;
let wal: GeneratedRoot;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-quick-visit-'));
  rollback = generateRoot(join(base, 'rollback'), { chats: 6, broken: 'all', seed: 5, now: NOW });
  wal = generateRoot(join(base, 'wal'), { chats: 4, wal: true, seed: 6, now: NOW });
});
afterAll(() => {
  closeQuickVisitConnection();
  rmSync(base, { recursive: true, force: true });
});

// In the visit's order (main/fleet/visit.ts).
const WATCHED = ['profile.db', 'profile.db-wal', 'conversations.db', 'conversations.db-wal', 'metadata.json'];
const statsOf = (dir: string) =>
  WATCHED.map((name) => lstatSync(join(dir, name), { bigint: true, throwIfNoEntry: false }));
const itemOf = (chatId: string, dir: string): ScanItem => ({ chatId, dir, nowMs: NOW.getTime() });

/** The general path, as the visit runs it when the quick one declines. */
function general(item: ScanItem): ScanOutcome {
  return summarizeChatTask(
    { ...item, busyTimeoutMs: CHECK_BUSY_TIMEOUT_MS },
    chatInspector({ ...item, full: false }),
    openForCheck,
  );
}

describe('the quick visit', () => {
  it('answers exactly as the general path for every chat it answers, rollback and WAL alike', () => {
    const answered: string[] = [];
    for (const chat of [...rollback.chats, ...wal.chats]) {
      const item = itemOf(chat.chatId, chat.dir);
      const quick = quickVisit(item, statsOf(chat.dir));
      if (quick === null) continue;
      answered.push(chat.kind);
      expect({ kind: chat.kind, outcome: quick }).toEqual({ kind: chat.kind, outcome: general(item) });
    }
    // Every healthy chat takes the quick path (it is the usual one), and so do the chats whose trouble
    // is only in metadata.json, size, inactivity, schema or rows a full check looks at.
    expect(answered.filter((kind) => kind === 'healthy')).toHaveLength(10);
    expect(answered).toEqual(
      expect.arrayContaining([
        'metadata_missing',
        'metadata_malformed',
        'metadata_stale',
        'db_large',
        'inactive',
        'orphan_rows',
        'fk_violation',
        // A column added beside the expected ones: the figures still read, and the drift is found.
        'schema_drift',
        // A message dated 2062: plain files, the clock_skew finding follows from the figures.
        'future_dated',
      ]),
    );
  });

  it('declines every damaged, unreadable or mid-write chat, leaving it to the general path', () => {
    const declined = rollback.chats
      .filter((chat) => quickVisit(itemOf(chat.chatId, chat.dir), statsOf(chat.dir)) === null)
      .map((chat) => chat.kind)
      .sort();
    expect(declined).toEqual(
      [
        'empty_folder',
        'hot_journal',
        'missing_file',
        'not_sqlite',
        'page_corrupt',
        'truncated',
        'wal_pending',
        'zero_byte',
      ].sort(),
    );
  });

  it('declines a FIFO or a link where a DB or its side file belongs, without opening it', () => {
    const [a, b, c] = rollback.chats.filter((chat) => chat.kind === 'healthy').slice(-3);
    execFileSync('mkfifo', [join(a!.dir, 'profile.db-shm')]);
    const real = join(b!.dir, CONVERSATIONS_DB);
    renameSync(real, `${real}.moved`);
    symlinkSync(`${real}.moved`, real);
    rmSync(join(c!.dir, 'profile.db'));
    execFileSync('mkfifo', [join(c!.dir, 'profile.db')]);
    for (const chat of [a!, b!, c!]) {
      // A FIFO opened for reading would block this thread: the test finishing says it was not.
      expect(quickVisit(itemOf(chat.chatId, chat.dir), statsOf(chat.dir))).toBeNull();
      const outcome = general(itemOf(chat.chatId, chat.dir));
      expect(outcome.kind === 'chat' && outcome.findings.map((f) => f.code)).toContain('not_a_file');
    }
  });

  it('declines a DB another program holds locked: the general path waits and reports it', () => {
    const chat = rollback.chats.find((c) => c.kind === 'healthy')!;
    const holder = new Database(join(chat.dir, CONVERSATIONS_DB), { timeout: 0 });
    holder.exec('BEGIN EXCLUSIVE');
    try {
      expect(quickVisit(itemOf(chat.chatId, chat.dir), statsOf(chat.dir))).toBeNull();
      const outcome = general(itemOf(chat.chatId, chat.dir));
      expect(outcome.kind === 'chat' && outcome.findings.map((f) => f.code)).toContain('locked');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    // Released: the quick path answers again on the same connection.
    expect(quickVisit(itemOf(chat.chatId, chat.dir), statsOf(chat.dir))).not.toBeNull();
  });

  it('reads a rollback-journal file under a lock, and checks a WAL file read immutable for a writer that came and went', () => {
    const rollbackChat = rollback.chats.filter((c) => c.kind === 'healthy').at(-4)!;
    const rollbackPath = join(rollbackChat.dir, CONVERSATIONS_DB);
    expect(attachable(rollbackPath, lstatSync(rollbackPath).size)!.uri).toMatch(/\?mode=ro$/);

    const walChat = wal.chats.find((c) => c.kind === 'healthy')!;
    const path = join(walChat.dir, CONVERSATIONS_DB);
    const before = lstatSync(path, { bigint: true });
    const attached = attachable(path, Number(before.size))!;
    expect(attached.uri).toMatch(/\?immutable=1$/);
    expect(stillAsAttached(path, attached, before)).toBe(true);
    // File times move by the kernel's clock tick (a few ms): a write in the same tick would keep the mtime.
    const tick = Date.now() + 20;
    while (Date.now() < tick);
    const writer = new Database(path);
    try {
      // A writer in WAL mode: its -wal is beside the file while it is open.
      writer.exec("UPDATE messages SET content = content || '.' WHERE id = (SELECT min(id) FROM messages)");
      expect(stillAsAttached(path, attached, before)).toBe(false);
    } finally {
      writer.close();
    }
    // Closed, it checkpointed into the file and removed its -wal; the header's change counter is as it
    // was (WAL mode does not bump it), the file's mtime is not.
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(readFileSync(path).readUInt32BE(24)).toBe(attached.changeCounter);
    expect(stillAsAttached(path, attached, before)).toBe(false);
  });
});
