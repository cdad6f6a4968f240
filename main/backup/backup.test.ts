import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tar from 'tar';
import { AppError } from '../../shared/errors.ts';
import { generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import { WorkerPool } from '../workers/pool.ts';
import { createBackup } from './create.ts';
import { parseManifest } from './manifest.ts';
import { restoreArchive } from './restore.ts';
import { ctx, dumpDb, runCliSync, treeSnapshot } from '../testing/backup-helpers.ts';
import { verifyArchive } from './verify.ts';

let dir: string;
let gen: GeneratedRoot;
const pool = new WorkerPool(0);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-backup-'));
  gen = generateRoot(join(dir, 'root'), {
    chats: 12,
    seed: 11,
    broken: [
      'wal_pending',
      'schema_drift',
      'orphan_rows',
      'fk_violation',
      'metadata_stale',
      'metadata_missing',
      'inactive',
    ],
  });
  // A few chats in WAL mode, cleanly closed (no -wal): read through the immutable path.
  generateRoot(join(dir, 'walroot'), { chats: 3, seed: 12, wal: true });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pool.close();
});

function archiveEntries(file: string): string[] {
  const names: string[] = [];
  tar.t({ file, sync: true, onReadEntry: (e) => names.push(e.path) });
  return names;
}

describe('backup → verify → restore round trip', () => {
  it('restores every table of every chat row by row into an empty folder, and leaves the source untouched', async () => {
    const root = gen.root;
    const before = treeSnapshot(root, { ignoreShmContent: true });
    const out = join(dir, 'all.tar.gz');
    const result = await createBackup({ root, out, pool }, ctx());
    expect(result.chats).toBe(gen.chats.length);
    expect(result.damaged).toEqual([]);
    // The source root is byte for byte what it was: no -wal/-shm created, nothing rewritten (only an existing
    // -shm may change: every reader updates it).
    expect(treeSnapshot(root, { ignoreShmContent: true })).toEqual(before);
    expect(existsSync(`${out}.partial`)).toBe(false);

    // Standard tools read it: node-tar lists the layout and the manifest.
    const names = archiveEntries(out);
    expect(names).toContain('manifest.json');
    expect(names.filter((n) => n.endsWith('/conversations.db'))).toHaveLength(gen.chats.length);

    const verify = await verifyArchive({ archive: out }, ctx());
    expect(verify.problems).toEqual([]);
    expect(verify.ok).toBe(true);
    expect(verify.files.every((f) => f.checksumOk && (f.integrity === null || f.integrity === 'ok'))).toBe(
      true,
    );

    const target = join(dir, 'restored');
    mkdirSync(target);
    const dry = await restoreArchive({ archive: out, root: target, dryRun: true }, ctx());
    expect(dry.summary.add).toBe(gen.chats.length);
    expect(treeSnapshot(target)).toEqual({});

    const restored = await restoreArchive({ archive: out, root: target }, ctx());
    expect(restored.applied).toBe(true);
    expect(restored.summary.add).toBe(gen.chats.length);
    // An empty folder gets the chat folders themselves (not a chats/ inside it).
    expect(restored.chatsDir).toBe(target);
    for (const chat of gen.chats) {
      const restoredDir = join(target, `chat_${chat.chatId}`);
      for (const name of ['profile.db', 'conversations.db']) {
        const original = dumpDb(join(chat.dir, name));
        const copy = dumpDb(join(restoredDir, name));
        expect(copy, `${chat.kind} ${chat.chatId} ${name}`).toEqual(original);
        expect(Object.values(copy).reduce((n, rows) => n + rows.length, 0)).toBeGreaterThan(0);
      }
      const metaSource = join(chat.dir, 'metadata.json');
      if (existsSync(metaSource))
        expect(readFileSync(join(restoredDir, 'metadata.json'))).toEqual(readFileSync(metaSource));
      // The chat with rows only in its -wal got them all (the backup read through the WAL).
      if (chat.kind === 'wal_pending') {
        const rows = dumpDb(join(restoredDir, 'conversations.db')).messages!;
        expect(rows.length).toBe(chat.messages);
      }
      expect(existsSync(join(restoredDir, 'conversations.db-wal'))).toBe(false);
    }

    // Restoring again: everything is unchanged, nothing is rewritten.
    const snap = treeSnapshot(target);
    const again = await restoreArchive({ archive: out, root: target }, ctx());
    expect(again.summary.unchanged).toBe(gen.chats.length);
    expect(treeSnapshot(target)).toEqual(snap);
  });

  it('backs up WAL-mode chats without leaving -wal/-shm in the root', async () => {
    const root = join(dir, 'walroot');
    const before = treeSnapshot(root);
    const out = join(dir, 'wal.tar.gz');
    const result = await createBackup({ root, out, pool: new WorkerPool(1) }, ctx());
    expect(result.chats).toBe(3);
    expect(treeSnapshot(root)).toEqual(before);
    const verify = await verifyArchive({ archive: out }, ctx());
    expect(verify.ok).toBe(true);
    const manifest = readManifest(out);
    expect(
      manifest.files.filter((f) => f.name !== 'metadata.json').every((f) => f.journalMode === 'wal'),
    ).toBe(true);
  });

  it('backs up a selection of chats, and the manifest lists sizes, hashes and row counts', async () => {
    const chosen = gen.chats.slice(0, 2);
    const out = join(dir, 'two.tar.gz');
    const result = await createBackup(
      { root: gen.root, chatIds: chosen.map((c) => c.chatId), out, pool },
      ctx(),
    );
    expect(result.chats).toBe(2);
    const manifest = readManifest(out);
    expect(manifest.chats.sort()).toEqual(chosen.map((c) => c.chatId).sort());
    expect(manifest.sourceRoot).toBe(gen.root);
    expect(manifest.toolVersion).toMatch(/^\d+\.\d+\.\d+/);
    for (const chat of chosen) {
      const conv = manifest.files.find((f) => f.chatId === chat.chatId && f.name === 'conversations.db')!;
      expect(conv.rowCounts).toMatchObject({ messages: chat.messages, conversation_sessions: chat.sessions });
      expect(conv.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(conv.copiedBy).toBe('online-backup');
    }
  });

  it('a cancelled backup leaves no file behind (no .partial, no temp folder)', async () => {
    const out = join(dir, 'cancelled.tar.gz');
    const controller = new AbortController();
    const job = {
      signal: controller.signal,
      progress: (done: number) => {
        if (done >= 2) controller.abort();
      },
      emit: () => {},
    };
    await expect(createBackup({ root: gen.root, out, pool, chunkSize: 2 }, job)).rejects.toMatchObject({
      code: 'cancelled',
    });
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('never overwrites an existing archive', async () => {
    const out = join(dir, 'exists.tar.gz');
    writeFileSync(out, 'keep me');
    await expect(createBackup({ root: gen.root, out, pool }, ctx())).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('refuses to replace existing files without --force, then keeps the old ones as .bak', async () => {
    const chat = gen.chats.find((c) => c.kind === 'healthy')!;
    const out = join(dir, 'one.tar.gz');
    await createBackup({ root: gen.root, chatIds: [chat.chatId], out, pool }, ctx());
    // A copy of the root where that chat has changed since the backup.
    const target = join(dir, 'changed');
    mkdirSync(target);
    await restoreArchive({ archive: out, root: target }, ctx());
    const conv = join(target, `chat_${chat.chatId}`, 'conversations.db');
    const { default: Database } = await import('../sqlite/driver.ts');
    const db = new Database(conv);
    db.prepare('DELETE FROM messages WHERE id > 5').run();
    db.close();
    const changedBytes = readFileSync(conv);

    const dry = await restoreArchive({ archive: out, root: target, dryRun: true }, ctx());
    const plan = dry.chats[0]!.files.find((f) => f.name === 'conversations.db')!;
    expect(plan.action).toBe('replace');
    expect(plan.rowCounts.find((r) => r.table === 'messages')).toEqual({
      table: 'messages',
      old: 5,
      new: chat.messages,
    });

    const err = await restoreArchive({ archive: out, root: target }, ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('conflict');
    expect(readFileSync(conv)).toEqual(changedBytes);

    const done = await restoreArchive({ archive: out, root: target, force: true }, ctx());
    const file = done.chats[0]!.files.find((f) => f.name === 'conversations.db')!;
    expect(file.backup).toMatch(/conversations\.db\.bak-\d{8}T\d{6}Z/);
    expect(readFileSync(file.backup!)).toEqual(changedBytes);
    expect(dumpDb(conv).messages).toHaveLength(chat.messages);
  });

  it.each(['wal', 'delete'] as const)(
    'refuses to replace a DB the bot holds (%s mode): waits, then says so; nothing changes',
    async (mode) => {
      const chat = gen.chats.find((c) => c.kind === 'healthy')!;
      const out = join(dir, `busy-${mode}.tar.gz`);
      await createBackup({ root: gen.root, chatIds: [chat.chatId], out, pool }, ctx());
      const target = join(dir, `busy-${mode}`);
      mkdirSync(target);
      await restoreArchive({ archive: out, root: target }, ctx());
      const conv = join(target, `chat_${chat.chatId}`, 'conversations.db');
      const { default: Database } = await import('../sqlite/driver.ts');
      // "The bot": a connection that changed the chat and still holds it (WAL: open; rollback: mid-transaction).
      const bot = new Database(conv);
      bot.pragma(mode === 'wal' ? 'journal_mode = WAL' : 'journal_mode = DELETE');
      bot.prepare('DELETE FROM messages WHERE id > 3').run();
      if (mode === 'delete') bot.exec('BEGIN IMMEDIATE');
      try {
        const before = treeSnapshot(target, { ignoreShmContent: true });
        const started = Date.now();
        const err = await restoreArchive(
          { archive: out, root: target, force: true, waitMs: 400 },
          ctx(),
        ).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('locked');
        expect((err as AppError).message).toBe(
          `chat ${chat.chatId} is in use by the bot; stop it or try again`,
        );
        expect(Date.now() - started).toBeGreaterThanOrEqual(400);
        expect(treeSnapshot(target, { ignoreShmContent: true })).toEqual(before);
      } finally {
        if (bot.inTransaction) bot.exec('ROLLBACK');
        bot.close();
      }
      // Once the bot has let go, the same restore goes through.
      const done = await restoreArchive({ archive: out, root: target, force: true, waitMs: 400 }, ctx());
      expect(done.summary.replace).toBe(1);
      expect(dumpDb(conv).messages).toHaveLength(chat.messages);
    },
  );

  it('CLI: backup, verify (exit 0), restore --dry-run --json', () => {
    const out = join(dir, 'cli.tar.gz');
    const b = runCliSync(['backup', gen.root, '--out', out, '--chat', gen.chats[0]!.chatId, '--json']);
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ chats: 1, out });
    const v = runCliSync(['verify', out, '--json']);
    expect(v.status, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true });
    const target = mkdtempSync(join(dir, 'cli-target-'));
    const r = runCliSync(['restore', out, '--into', target, '--dry-run', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, applied: false, summary: { add: 1 } });
    expect(treeSnapshot(target)).toEqual({});
  });
});

describe('damaged chats', () => {
  it('keeps damaged files byte for byte, marks them, verify exits 1, restore skips them', async () => {
    const root = join(dir, 'broken');
    const g = generateRoot(root, {
      chats: 1,
      seed: 3,
      broken: ['page_corrupt', 'truncated', 'not_sqlite', 'zero_byte'],
    });
    const out = join(dir, 'broken.tar.gz');
    const result = await createBackup({ root, out, pool }, ctx());
    expect(result.damaged.map((d) => d.path.split('/').pop()).sort()).toEqual(
      ['conversations.db', 'conversations.db', 'conversations.db', 'profile.db'].sort(),
    );
    // The archive is intact: it holds files that were damaged when backed up, which restore leaves out.
    const v = runCliSync(['verify', out]);
    expect(v.status).toBe(1);
    expect(v.stdout).toMatch(/already damaged when it was backed up/);
    expect(v.stdout).toMatch(/^OK with damaged files/m);
    const target = mkdtempSync(join(dir, 'broken-target-'));
    const restored = await restoreArchive({ archive: out, root: target }, ctx());
    const skipped = restored.chats.flatMap((c) => c.files.filter((f) => f.action === 'skip'));
    expect(skipped).toHaveLength(4);
    const healthy = g.chats.find((c) => c.kind === 'healthy')!;
    expect(dumpDb(join(target, `chat_${healthy.chatId}`, 'conversations.db')).messages).toHaveLength(
      healthy.messages,
    );
  });
});

function readManifest(file: string) {
  let text = '';
  tar.t({
    file,
    sync: true,
    onReadEntry: (e) => {
      if (e.path === 'manifest.json') e.on('data', (c: Buffer) => (text += c.toString('utf8')));
    },
  });
  return parseManifest(text);
}
