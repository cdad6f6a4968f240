import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakChat, generateChat } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { WorkerPool } from '../workers/pool.ts';
import { createBackup } from './create.ts';
import { ctx, dumpDb, runCliSync, treeSnapshot } from '../testing/backup-helpers.ts';

// Kills a restore (a child process running the CLI) at every step of its write sequence, via the
// CHAT_INSPECTOR_CRASH_AT hook (SIGKILL: no cleanup, like a power cut), and checks that each target file is
// then either the complete old or the complete new version, and that a DB opened as the bot would open it
// passes quick_check with exactly the old or the new rows (a stale -wal replayed into a new file would not).

let dir: string;
let pristine: string;
let archive: string;
let newFiles: string;
const B = '5550002';
const C = '5550003';
const W = '5550004';
const NAMES = ['profile.db', 'conversations.db', 'metadata.json'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ci-crash-'));
  // The archive: three chats as they are "now".
  const source = join(dir, 'source');
  mkdirSync(source);
  for (const [i, id] of [B, C, W].entries())
    generateChat(source, id, { messages: 30 + i * 7, seed: 100 + i });
  archive = join(dir, 'new.tar.gz');
  await createBackup({ root: source, out: archive, pool: new WorkerPool(0) }, ctx());
  newFiles = join(dir, 'new-files');
  mkdirSync(newFiles);
  await tar.x({ file: archive, cwd: newFiles });
  // The target's old state: B with other content and without its conversations.db, no C, and W with
  // rows that live only in its -wal (a bot that crashed).
  pristine = join(dir, 'old');
  mkdirSync(join(pristine, 'chats'), { recursive: true });
  generateChat(join(pristine, 'chats'), B, { messages: 15, seed: 8 });
  rmSync(join(pristine, 'chats', `chat_${B}`, 'conversations.db'));
  breakChat(join(pristine, 'chats'), 'wal_pending', { chatId: W, seed: 9 });
  expect(existsSync(join(pristine, 'chats', `chat_${W}`, 'conversations.db-wal'))).toBe(true);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshTarget(name: string): string {
  const target = join(dir, name);
  rmSync(target, { recursive: true, force: true });
  cpSync(pristine, target, { recursive: true });
  return target;
}

/** Opens a copy of the chat folder as the bot would (read-write, replaying any -wal) and dumps one DB. */
function dumpAsBot(chatDirPath: string, name: string): { check: string; rows: Record<string, unknown[][]> } {
  const scratch = mkdtempSync(join(dir, 'scratch-'));
  for (const entry of readdirSync(chatDirPath))
    if (entry.startsWith(name)) cpSync(join(chatDirPath, entry), join(scratch, entry));
  const db = new Database(join(scratch, name));
  const check = (db.prepare('PRAGMA quick_check').pluck().all() as string[]).join('; ');
  db.close();
  const rows = dumpDb(join(scratch, name));
  rmSync(scratch, { recursive: true, force: true });
  return { check, rows };
}

function oldVersion(chat: string, name: string): string {
  return join(pristine, 'chats', `chat_${chat}`, name);
}
function newVersion(chat: string, name: string): string {
  return join(newFiles, 'chats', `chat_${chat}`, name);
}

const oldDumps = new Map<string, Record<string, unknown[][]>>();
const newDumps = new Map<string, Record<string, unknown[][]>>();
function dumpOf(map: Map<string, Record<string, unknown[][]>>, path: string): Record<string, unknown[][]> {
  if (!map.has(path)) map.set(path, dumpDb(path));
  return map.get(path)!;
}

function assertEachFileOldOrNew(target: string, label: string): { olds: number; news: number } {
  let olds = 0;
  let news = 0;
  for (const chat of [B, C, W]) {
    const chatPath = join(target, 'chats', `chat_${chat}`);
    if (!existsSync(chatPath)) {
      // Only the chat that did not exist may be absent, and then it is absent whole.
      expect(chat, label).toBe(C);
      olds++;
      continue;
    }
    for (const name of NAMES) {
      const path = join(chatPath, name);
      const oldPath = oldVersion(chat, name);
      const newPath = newVersion(chat, name);
      const oldExists = existsSync(oldPath);
      if (!existsSync(path)) {
        expect(oldExists, `${label}: ${chat}/${name} vanished`).toBe(false);
        olds++;
        continue;
      }
      const bytes = readFileSync(path);
      const isNew = bytes.equals(readFileSync(newPath));
      if (name === 'metadata.json') {
        expect(
          isNew || (oldExists && bytes.equals(readFileSync(oldPath))),
          `${label}: ${chat}/${name} is torn`,
        ).toBe(true);
        if (isNew) news++;
        else olds++;
        continue;
      }
      const { check, rows } = dumpAsBot(chatPath, name);
      expect(check, `${label}: ${chat}/${name} quick_check`).toBe('ok');
      if (isNew) {
        expect(rows, `${label}: ${chat}/${name} new bytes but other rows (stale -wal?)`).toEqual(
          dumpOf(newDumps, newPath),
        );
        news++;
      } else {
        expect(oldExists, `${label}: ${chat}/${name} appeared but is not the new file`).toBe(true);
        expect(rows, `${label}: ${chat}/${name} is neither old nor new`).toEqual(dumpOf(oldDumps, oldPath));
        // A cleanly closed old DB is still byte for byte the old file (W's old -wal may be checkpointed).
        if (chat !== W)
          expect(bytes.equals(readFileSync(oldPath)), `${label}: ${chat}/${name} bytes`).toBe(true);
        olds++;
      }
    }
  }
  return { olds, news };
}

describe('restore is crash-safe', () => {
  it('SIGKILLed at every step of the swap sequence, each file is old or new, never torn', () => {
    // Learn the steps of a full restore.
    const log = join(dir, 'steps.log');
    const probe = freshTarget('probe');
    const full = runCliSync(['restore', archive, '--into', probe, '--force', '--wait', '1'], {
      CHAT_INSPECTOR_CRASH_LOG: log,
    });
    expect(full.status, full.stderr).toBe(0);
    const steps = readFileSync(log, 'utf8').trim().split('\n');
    const kinds = new Set(steps.map((s) => s.split(' ')[1]));
    for (const step of [
      'restore:staging',
      'restore:staged',
      'swap:start',
      'swap:quiesced',
      'swap:linked',
      'swap:backed-up',
      'swap:renamed',
      'swap:done',
      'swap:added',
      'restore:new-chat-staged',
      'restore:new-chat-renamed',
    ]) {
      expect(kinds, `step ${step} is exercised`).toContain(step);
    }
    expect(steps.length).toBeGreaterThanOrEqual(20);
    const final = assertEachFileOldOrNew(probe, 'complete run');
    expect(final.olds).toBe(0);

    let sawMixed = false;
    for (let n = 1; n <= steps.length; n++) {
      const target = freshTarget('target');
      const r = runCliSync(['restore', archive, '--into', target, '--force', '--wait', '1'], {
        CHAT_INSPECTOR_CRASH_AT: String(n),
      });
      expect(r.signal, `crash at step ${n} (${steps[n - 1]})`).toBe('SIGKILL');
      const { olds, news } = assertEachFileOldOrNew(target, `crash at ${steps[n - 1]} (#${n})`);
      if (olds > 0 && news > 0) sawMixed = true;
      // Every few crashes: a second restore over the crashed state completes (leftovers do not block it).
      if (n % 7 === 0) {
        const again = runCliSync(['restore', archive, '--into', target, '--force', '--wait', '1']);
        expect(again.status, again.stderr).toBe(0);
        expect(assertEachFileOldOrNew(target, `restore after crash #${n}`).olds).toBe(0);
        // The crashed run's temporary files are gone (its process is dead).
        expect(
          Object.keys(treeSnapshot(target)).filter((p) => /\.(restore|migrate)-\d+-[0-9a-f]{8}/.test(p)),
        ).toEqual([]);
      }
    }
    expect(sawMixed).toBe(true);
  }, 600_000);

  it('a restore killed after keeping a .bak, run again, keeps one .bak per replaced file, not two', () => {
    const log = join(dir, 'steps-bak.log');
    const probe = freshTarget('probe-bak');
    const full = runCliSync(['restore', archive, '--into', probe, '--force', '--wait', '1'], {
      CHAT_INSPECTOR_CRASH_LOG: log,
    });
    expect(full.status, full.stderr).toBe(0);
    const steps = readFileSync(log, 'utf8').trim().split('\n');
    const afterBak = steps
      .map((line, i) => ({ n: i + 1, step: line.split(' ')[1] }))
      .filter((s) => s.step === 'swap:linked' || s.step === 'swap:backed-up');
    expect(afterBak.length).toBeGreaterThanOrEqual(4);
    for (const { n, step } of afterBak) {
      const target = freshTarget('target-bak');
      const crashed = runCliSync(['restore', archive, '--into', target, '--force', '--wait', '1'], {
        CHAT_INSPECTOR_CRASH_AT: String(n),
      });
      expect(crashed.signal, `crash at ${step} (#${n})`).toBe('SIGKILL');
      const again = runCliSync(['restore', archive, '--into', target, '--force', '--wait', '1']);
      expect(again.status, again.stderr).toBe(0);
      expect(assertEachFileOldOrNew(target, `re-run after ${step} (#${n})`).olds).toBe(0);
      for (const chat of [B, C, W]) {
        const chatPath = join(target, 'chats', `chat_${chat}`);
        for (const name of NAMES) {
          const baks = readdirSync(chatPath).filter((f) =>
            new RegExp(`^${name.replace('.', '\\.')}\\.bak-[0-9TZ-]+$`).test(f),
          );
          expect(baks.length, `${step} (#${n}): ${chat}/${name} has ${baks.join(', ')}`).toBeLessThanOrEqual(
            1,
          );
          // The kept file is the old one, byte for byte (a DB's rows may live in its -wal beside it).
          if (baks.length === 1 && name === 'metadata.json')
            expect(readFileSync(join(chatPath, baks[0]!))).toEqual(readFileSync(oldVersion(chat, name)));
        }
      }
    }
  }, 600_000);
});
