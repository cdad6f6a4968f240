import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChat } from '../fixtures/index.ts';
import { CLI, NODE, REPO, listTree, readArchiveEntries } from '../testing/backup-helpers.ts';

// A chat where one entry is bad (a folder, a FIFO or a link where a file should be; a linked chat folder)
// keeps its healthy files in the backup; the bad ones are reported one by one with the reason (exit 1) and
// are never opened nor followed. A backup that would hold no chat leaves no archive (exit 2).

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-backup-entries-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI with a deadline: a FIFO that is opened would hang it (the test then fails, it does not hang). */
function backup(args: string[]) {
  return spawnSync(NODE, [CLI, 'backup', ...args], { encoding: 'utf8', cwd: REPO, timeout: 60_000 });
}

describe('backup of a root with bad entries', () => {
  it('backs up what is healthy, reports each bad entry with its reason, exit 1', () => {
    const root = join(dir, 'root');
    mkdirSync(root);
    const healthy = '6100001';
    generateChat(root, healthy, { messages: 20, seed: 1 });
    // A folder named conversations.db.
    generateChat(root, '6100002', { messages: 20, seed: 2 });
    rmSync(join(root, 'chat_6100002', 'conversations.db'));
    mkdirSync(join(root, 'chat_6100002', 'conversations.db'));
    // A FIFO named conversations.db, and a FIFO named metadata.json.
    generateChat(root, '6100003', { messages: 20, seed: 3 });
    rmSync(join(root, 'chat_6100003', 'conversations.db'));
    execFileSync('mkfifo', [join(root, 'chat_6100003', 'conversations.db')]);
    generateChat(root, '6100004', { messages: 20, seed: 4 });
    rmSync(join(root, 'chat_6100004', 'metadata.json'));
    execFileSync('mkfifo', [join(root, 'chat_6100004', 'metadata.json')]);
    // A symbolic link in place of a DB, and a FIFO in place of a DB's -journal.
    generateChat(root, '6100005', { messages: 20, seed: 5 });
    rmSync(join(root, 'chat_6100005', 'profile.db'));
    symlinkSync(join(root, `chat_${healthy}`, 'profile.db'), join(root, 'chat_6100005', 'profile.db'));
    generateChat(root, '6100006', { messages: 20, seed: 6 });
    execFileSync('mkfifo', [join(root, 'chat_6100006', 'conversations.db-journal')]);
    // A chat folder that is a symbolic link to a real chat elsewhere.
    const elsewhere = join(dir, 'elsewhere');
    generateChat(elsewhere, '6100007', { messages: 20, seed: 7 });
    symlinkSync(join(elsewhere, 'chat_6100007'), join(root, 'chat_6100007'));

    const out = join(dir, 'mixed.tar.gz');
    const r = backup([root, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as {
      chats: number;
      notBackedUp: { path: string; reason: string }[];
      damaged: unknown[];
      failed: unknown[];
    };
    const reasons = Object.fromEntries(
      result.notBackedUp.map((n) => [n.path.slice(root.length + 1), n.reason]),
    );
    expect(reasons).toEqual({
      'chat_6100002/conversations.db': expect.stringMatching(/a directory, not a regular file/),
      'chat_6100003/conversations.db': expect.stringMatching(/a named pipe \(FIFO\)/),
      'chat_6100004/metadata.json': expect.stringMatching(/a named pipe \(FIFO\)/),
      'chat_6100005/profile.db': expect.stringMatching(/a symbolic link/),
      'chat_6100006/conversations.db': expect.stringMatching(/conversations\.db-journal.*FIFO|FIFO/),
      chat_6100007: expect.stringMatching(/symbolic link/),
    });
    expect(result.damaged).toEqual([]);
    expect(result.failed).toEqual([]);
    // Every chat but the linked folder is in the archive, with its healthy files.
    expect(result.chats).toBe(6);
    const paths = readArchiveEntries(out)
      .filter((e) => e.type === 'file')
      .map((e) => e.path)
      .sort();
    expect(paths).toEqual(
      [
        'manifest.json',
        ...['6100001', '6100002', '6100003', '6100004', '6100005', '6100006'].flatMap((id) =>
          ['profile.db', 'conversations.db', 'metadata.json'].map((n) => `chats/chat_${id}/${n}`),
        ),
      ]
        .filter(
          (p) =>
            !/chat_610000[23]\/conversations\.db$|chat_6100004\/metadata\.json$|chat_6100005\/profile\.db$|chat_6100006\/conversations\.db$/.test(
              p,
            ),
        )
        .sort(),
    );
    // The archive is sound: verify accepts it.
    const v = spawnSync(NODE, [CLI, 'verify', out], { encoding: 'utf8', cwd: REPO });
    expect(v.status, v.stderr).toBe(0);
    // Text mode: one line per entry on stderr.
    const out2 = join(dir, 'mixed-text.tar.gz');
    const t = backup([root, '--out', out2]);
    expect(t.status).toBe(1);
    expect(t.stderr.split('\n').filter((l) => l.startsWith('NOT BACKED UP '))).toHaveLength(6);
  });

  it('--chat of a linked chat folder or a chat with nothing healthy: no archive left, exit 2', () => {
    const root = join(dir, 'bad-only');
    mkdirSync(root);
    const elsewhere = join(dir, 'elsewhere2');
    generateChat(elsewhere, '6200001', { messages: 10, seed: 1 });
    symlinkSync(join(elsewhere, 'chat_6200001'), join(root, 'chat_6200001'));
    mkdirSync(join(root, 'chat_6200002', 'conversations.db'), { recursive: true });
    mkdirSync(join(root, 'chat_6200002', 'profile.db'));
    for (const args of [['--chat', '6200001'], ['--chat', '6200002'], []]) {
      const out = join(dir, `nothing-${args.join('-') || 'all'}.tar.gz`);
      const r = backup([root, '--out', out, ...args]);
      expect(r.status, r.stdout).toBe(2);
      expect(r.stderr).toMatch(/nothing could be backed up .* no archive was written/);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).filter((n) => n.includes('.partial'))).toEqual([]);
    }
    // An empty root too.
    const empty = join(dir, 'empty-root');
    mkdirSync(empty);
    const r = backup([empty, '--out', join(dir, 'empty.tar.gz')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/holds no chat/);
    expect(listTree(dir).filter((p) => /empty\.tar\.gz|\.partial/.test(p))).toEqual([]);
  });

  it('a bad --workers is one error line, exit 2, and no file at all', () => {
    const root = join(dir, 'w-root');
    generateChat(root, '6300001', { messages: 5, seed: 1 });
    for (const workers of ['abc', '-1', '1.5']) {
      const out = join(dir, `w-${workers}.tar.gz`);
      const r = backup([root, '--out', out, '--workers', workers]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(readdirSync(dir).filter((n) => n.startsWith(`w-${workers}`))).toEqual([]);
    }
  });

  it('a DB locked by another program (or left with a hot journal) is reported locked, never "damaged"', async () => {
    const root = join(dir, 'locked-root');
    generateChat(root, '6400001', { messages: 20, seed: 1 });
    generateChat(root, '6400002', { messages: 20, seed: 2 });
    const held = join(root, 'chat_6400001', 'conversations.db');
    const crashed = join(root, 'chat_6400002', 'conversations.db');
    // A writer that crashed mid-transaction: its -journal is hot (SIGKILL, no cleanup).
    const script = join(dir, 'holder.ts');
    writeFileSync(
      script,
      `
      import Database from ${JSON.stringify(join(REPO, 'main', 'sqlite', 'driver.ts'))};
      const db = new Database(process.argv[2]);
      db.pragma('journal_mode = DELETE');
      db.pragma('cache_size = 1');
      db.exec('BEGIN EXCLUSIVE');
      db.exec("UPDATE messages SET content = content || 'x'");
      process.send?.('ready');
      if (process.argv[3] === 'crash') process.kill(process.pid, 'SIGKILL');
      // The interval keeps the connection referenced: an unreferenced one is closed by GC, releasing the lock.
      setInterval(() => db.inTransaction, 1000);`,
    );
    const crash = spawnSync(NODE, [script, crashed, 'crash'], { cwd: REPO });
    expect(crash.signal).toBe('SIGKILL');
    expect(existsSync(`${crashed}-journal`)).toBe(true);
    // A program holding an EXCLUSIVE lock for as long as the backup runs.
    const holder = spawn(NODE, [script, held, 'hold'], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise((resolve) => holder.once('message', resolve));
    try {
      const out = join(dir, 'locked.tar.gz');
      const r = backup([root, '--out', out, '--wait', '1', '--json']);
      expect(r.status, r.stderr).toBe(1);
      const result = JSON.parse(r.stdout) as {
        damaged: unknown[];
        notBackedUp: { path: string; reason: string }[];
        chats: number;
      };
      expect(result.damaged).toEqual([]);
      expect(result.notBackedUp.map((n) => n.path).sort()).toEqual([crashed, held].sort());
      for (const n of result.notBackedUp) expect(n.reason).toMatch(/^locked: /);
      expect(result.notBackedUp.find((n) => n.path === crashed)!.reason).toMatch(/hot journal/);
      // Their profile.db and metadata.json are in the archive all the same.
      expect(result.chats).toBe(2);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
