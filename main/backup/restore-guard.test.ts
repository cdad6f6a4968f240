import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChat, generateRoot, type GeneratedRoot } from '../fixtures/index.ts';
import Database from '../sqlite/driver.ts';
import { WorkerPool } from '../workers/pool.ts';
import { createBackup } from './create.ts';
import { CLI, NODE, REPO, ctx, editManifest, runCliSync, treeSnapshot } from '../testing/backup-helpers.ts';

// Restore refuses whatever verify refuses (one shared verification, before anything is written, with or
// without --force), never writes through a link or outside the root, and puts chat folders into the folder
// it is given. Every case runs the real CLI on a real .tar.gz and checks the exit code and that the target
// did not change by one byte.

let dir: string;
let gen: GeneratedRoot;
let good: string;
let chatId: string;
const pool = new WorkerPool(0);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ci-restore-guard-'));
  gen = generateRoot(join(dir, 'root'), { chats: 2, seed: 21 });
  chatId = gen.chats[0]!.chatId;
  good = join(dir, 'good.tar.gz');
  await createBackup({ root: gen.root, out: good, pool }, ctx());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Targets a restore may meet: an empty folder, and a root holding a changed copy of a chat. */
function targets(name: string): string[] {
  const empty = join(dir, `${name}-empty`);
  mkdirSync(empty);
  const existing = join(dir, `${name}-existing`);
  mkdirSync(join(existing, 'chats'), { recursive: true });
  cpSync(join(gen.root, `chat_${chatId}`), join(existing, 'chats', `chat_${chatId}`), { recursive: true });
  writeFileSync(join(existing, 'chats', `chat_${chatId}`, 'metadata.json'), '{"changed": true}');
  return [empty, existing];
}

/** verify exits 2 with the reason on stderr; restore exits 2, with and without --force, and writes nothing. */
function expectRefusedEverywhere(archive: string, reason: RegExp): void {
  const v = runCliSync(['verify', archive]);
  expect(v.status, v.stdout + v.stderr).toBe(2);
  expect(v.stderr).toMatch(reason);
  expect(v.stdout).not.toMatch(/problem:/);
  for (const target of targets(`t-${Math.random().toString(36).slice(2, 8)}`)) {
    for (const force of [false, true]) {
      const before = treeSnapshot(target);
      const r = runCliSync(['restore', archive, '--into', target, ...(force ? ['--force'] : [])]);
      expect(r.status, `${target} force=${force}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/refused, nothing was written/);
      expect(r.stderr).toMatch(reason);
      expect(treeSnapshot(target)).toEqual(before);
    }
  }
}

describe('restore refuses whatever verify refuses', () => {
  it('the untouched archive: verify 0, restore 0 (control)', () => {
    expect(runCliSync(['verify', good]).status).toBe(0);
    const [empty] = targets('control');
    const r = runCliSync(['restore', good, '--into', empty!]);
    expect(r.status, r.stderr).toBe(0);
  });

  it('manifest row counts that disagree with the content (checksums intact)', () => {
    const archive = editManifest(good, join(dir, 'rowcounts.tar.gz'), (m) => {
      const f = m.files.find((x) => x.chatId === chatId && x.name === 'conversations.db')!;
      f.rowCounts = { ...f.rowCounts!, messages: f.rowCounts!.messages! + 1 };
    });
    expectRefusedEverywhere(archive, /row counts differ from the manifest/);
  });

  it('a healthy DB whose manifest row lost its row counts', () => {
    const archive = editManifest(good, join(dir, 'nocounts.tar.gz'), (m) => {
      m.files.find((x) => x.chatId === chatId && x.name === 'profile.db')!.rowCounts = null;
    });
    expectRefusedEverywhere(archive, /no row counts/);
  });

  it('a chat the manifest lists without any file', () => {
    const archive = editManifest(good, join(dir, 'emptychat.tar.gz'), (m) => {
      m.chats.push('777000111');
    });
    expectRefusedEverywhere(archive, /chat 777000111 is listed in the manifest but has no file/);
  });

  it('a DB that fails quick_check although the manifest says it was healthy', async () => {
    // A chat whose conversations.db has a damaged index page that counting rows never reads (count(*)
    // uses the smallest index): the backup (no --check) calls it "unchecked", verify's quick_check fails.
    const root = join(dir, 'qc-root');
    mkdirSync(root);
    const id = '5150001';
    generateChat(root, id, { messages: 400, seed: 9 });
    const conv = join(root, `chat_${id}`, 'conversations.db');
    const db = new Database(conv);
    db.exec(
      'CREATE INDEX ix_small ON messages(chat_id); CREATE INDEX ix_big ON messages(content, timestamp)',
    );
    const page = db
      .prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'ix_big'")
      .pluck()
      .get() as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const bytes = readFileSync(conv);
    bytes[(page - 1) * pageSize] = 0x07; // not a b-tree page type
    writeFileSync(conv, bytes);
    const archive = join(dir, 'qc.tar.gz');
    const made = await createBackup({ root, out: archive, pool }, ctx());
    expect(made.damaged).toEqual([]);
    expectRefusedEverywhere(archive, /fails quick_check .*yet the manifest says it was healthy/);
  });
});

describe('restore writes only inside the root, never through a link', () => {
  it('--force into a root whose chat folder is a symbolic link: refused, nothing written on either side', () => {
    const root = join(dir, 'linked-root');
    const outside = join(dir, 'outside');
    mkdirSync(join(root, 'chats'), { recursive: true });
    cpSync(join(gen.root, `chat_${chatId}`), join(outside, `chat_${chatId}`), { recursive: true });
    writeFileSync(join(outside, `chat_${chatId}`, 'metadata.json'), '{"outside": true}');
    symlinkSync(join(outside, `chat_${chatId}`), join(root, 'chats', `chat_${chatId}`));
    generateChat(join(root, 'chats'), '424242', { messages: 5, seed: 1 });
    const before = { root: treeSnapshot(root), outside: treeSnapshot(outside) };
    const r = runCliSync(['restore', good, '--into', root, '--force']);
    expect(r.status, r.stdout).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/is a symbolic link; links are never followed/);
    expect(treeSnapshot(root)).toEqual(before.root);
    expect(treeSnapshot(outside)).toEqual(before.outside);
    expect(readdirSync(join(outside, `chat_${chatId}`)).filter((n) => n.includes('.bak-'))).toEqual([]);
  });

  it('a symbolic link, a folder or a link in place of a DB or its -wal: refused, nothing written', () => {
    const cases: [string, (chat: string) => void, RegExp][] = [
      ['db-link', (c) => symlinkSync('/etc/hostname', join(c, 'conversations.db')), /symbolic link/],
      ['db-folder', (c) => mkdirSync(join(c, 'conversations.db')), /is a directory, not a regular file/],
      ['wal-link', (c) => symlinkSync('/etc/hostname', join(c, 'profile.db-wal')), /symbolic link/],
    ];
    for (const [name, make, message] of cases) {
      const root = join(dir, `bad-${name}`);
      const chat = join(root, 'chats', `chat_${chatId}`);
      mkdirSync(join(root, 'chats'), { recursive: true });
      cpSync(join(gen.root, `chat_${chatId}`), chat, { recursive: true });
      rmSync(join(chat, name === 'wal-link' ? 'profile.db-wal' : 'conversations.db'), { force: true });
      make(chat);
      const before = treeSnapshot(join(root, 'chats', `chat_${chatId}`, '..'));
      const r = runCliSync(['restore', good, '--into', root, '--force']);
      expect(r.status, `${name}: ${r.stdout}`).toBe(2);
      expect(r.stderr, name).toMatch(message);
      expect(treeSnapshot(join(root, 'chats'))).toEqual(before);
    }
  });
});

describe('metadata --rebuild writes only inside the root too', () => {
  it('a linked chat folder or a FIFO named metadata.json: refused (exit 2), nothing written, no hang', () => {
    const root = join(dir, 'meta-root');
    const outside = join(dir, 'meta-outside');
    generateChat(outside, '5300001', { messages: 5, seed: 1 });
    mkdirSync(root);
    symlinkSync(join(outside, 'chat_5300001'), join(root, 'chat_5300001'));
    generateChat(root, '5300002', { messages: 5, seed: 2 });
    rmSync(join(root, 'chat_5300002', 'metadata.json'));
    execFileSync('mkfifo', [join(root, 'chat_5300002', 'metadata.json')]);
    const before = { root: treeSnapshot(root), outside: treeSnapshot(outside) };
    for (const [id, message] of [
      ['5300001', /symbolic link/],
      ['5300002', /named pipe \(FIFO\)/],
    ] as const) {
      const r = spawnSync(NODE, [CLI, 'metadata', root, '--chat', id, '--rebuild'], {
        encoding: 'utf8',
        cwd: REPO,
        timeout: 60_000,
      });
      expect(r.status, `${id}: ${r.stdout}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(treeSnapshot(root)).toEqual(before.root);
    expect(treeSnapshot(outside)).toEqual(before.outside);
  });
});

describe('restore puts chat folders into the folder given', () => {
  it('an empty folder gets chat_<id> folders directly, and the CLI says where they went', () => {
    const target = join(dir, 'into-empty');
    mkdirSync(target);
    const r = runCliSync(['restore', good, '--into', target]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(target).sort()).toEqual(gen.chats.map((c) => `chat_${c.chatId}`).sort());
    expect(r.stdout).toContain(`Restored into ${target}:`);
  });

  it('a root with a chats layout (even still empty) gets them in its chats folder', () => {
    const layouts: [string, string[]][] = [
      ['empty-chats', ['chats']],
      ['bot-layout', ['bot', 'data', 'chats']],
    ];
    for (const [name, parts] of layouts) {
      const target = join(dir, name);
      const chats = join(target, ...parts);
      mkdirSync(chats, { recursive: true });
      const r = runCliSync(['restore', good, '--into', target, '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { chatsDir: string }).chatsDir).toBe(chats);
      expect(readdirSync(chats).sort()).toEqual(gen.chats.map((c) => `chat_${c.chatId}`).sort());
      expect(existsSync(join(target, `chat_${chatId}`))).toBe(false);
    }
  });
});
