import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrityReport } from '../../shared/contract/integrity.ts';
import type { ScanResult } from '../../shared/domain.ts';
import { generateRoot, type GeneratedChat } from '../fixtures/index.ts';
import { cli, listTree, REPO, runNode } from '../testing/cli.ts';

// A FIFO, a folder, a socket or a symbolic link where a chat's file belongs: every command and every
// browser-mode operation names it `not_a_file` (or refuses the link with the one guard's message) and
// never opens it, so nothing hangs and nothing behind a link is read. Each command runs as a real CLI
// process with a deadline: on today's main a FIFO hangs it and the deadline kills it.

type SpecialKind = 'fifo' | 'directory' | 'symlink' | 'socket' | 'device';
interface Case {
  file: string;
  kind: SpecialKind;
  chat?: GeneratedChat;
}

const CASES: Case[] = [
  { file: 'conversations.db', kind: 'fifo' },
  { file: 'profile.db', kind: 'fifo' },
  { file: 'metadata.json', kind: 'fifo' },
  { file: 'conversations.db-wal', kind: 'fifo' },
  { file: 'conversations.db-shm', kind: 'fifo' },
  { file: 'profile.db-journal', kind: 'fifo' },
  { file: 'conversations.db', kind: 'directory' },
  { file: 'metadata.json', kind: 'directory' },
  { file: 'conversations.db', kind: 'symlink' },
  { file: 'profile.db', kind: 'symlink' },
  { file: 'metadata.json', kind: 'symlink' },
  { file: 'profile.db', kind: 'socket' },
  // A character device (/dev/null's numbers), where the machine lets this user make one (root in CI).
  { file: 'conversations.db', kind: 'device' },
];

function canMakeDevice(dir: string): boolean {
  try {
    execFileSync('mknod', [join(dir, 'probe'), 'c', '1', '3'], { stdio: 'ignore' });
    rmSync(join(dir, 'probe'));
    return true;
  } catch {
    return false;
  }
}
const DEADLINE_MS = 45_000;

let base: string;
let root: string;
let outside: string;
let healthy: GeneratedChat;
let linkedChatId: string;
let escapingChatId: string;
const fifoChatId = '700000003';
let before: Record<string, string>;
const sockets: Server[] = [];

function label(c: Case): string {
  return `${c.kind} at ${c.file}`;
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'ci-special-'));
  if (!canMakeDevice(base))
    CASES.splice(
      CASES.findIndex((c) => c.kind === 'device'),
      1,
    );
  root = join(base, 'root');
  const gen = generateRoot(root, { chats: CASES.length + 1, messagesPerChat: 12, seed: 81 });
  healthy = gen.chats[0]!;
  for (const [i, c] of CASES.entries()) {
    const chat = gen.chats[i + 1]!;
    c.chat = chat;
    const path = join(chat.dir, c.file);
    rmSync(path, { force: true });
    if (c.kind === 'fifo') execFileSync('mkfifo', [path]);
    else if (c.kind === 'directory') mkdirSync(path);
    else if (c.kind === 'device') execFileSync('mknod', [path, 'c', '1', '3']);
    // A link to the healthy chat's own file: inside the root, and still never followed.
    else if (c.kind === 'symlink') symlinkSync(join(healthy.dir, c.file.replace(/-.*$/, '')), path);
    else {
      const server = createServer();
      await new Promise<void>((done) => server.listen(path, done));
      sockets.push(server);
    }
  }
  // A chat folder that is a link to another chat (inside the root), and one to a folder outside the root.
  linkedChatId = '700000001';
  symlinkSync(healthy.dir, join(root, `chat_${linkedChatId}`));
  outside = join(base, 'outside');
  generateRoot(outside, { chats: 1, messagesPerChat: 5, seed: 82 });
  escapingChatId = '700000002';
  symlinkSync(join(outside, readdirSync(outside)[0]!), join(root, `chat_${escapingChatId}`));
  // A FIFO named like a chat folder.
  execFileSync('mkfifo', [join(root, `chat_${fifoChatId}`)]);
  before = listTree(root);
}, 120_000);

afterAll(async () => {
  await Promise.all(sockets.map((s) => new Promise((done) => s.close(done))));
  rmSync(base, { recursive: true, force: true });
});

describe('special files where a chat file belongs', () => {
  it('scan lists every such chat as error, skips the linked chat folders, and does not hang', () => {
    const run = cli(['scan', root, '--json', '--workers', '1'], { timeoutMs: DEADLINE_MS });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as ScanResult;
    for (const c of CASES) {
      const row = result.chats.find((r) => r.chatId === c.chat!.chatId);
      expect(row?.health, label(c)).toBe('error');
    }
    expect(result.chats.find((r) => r.chatId === healthy.chatId)?.health).toBe('ok');
    for (const id of [linkedChatId, escapingChatId]) {
      expect(result.skipped).toContainEqual({
        path: join(root, `chat_${id}`),
        code: 'link',
        reason: 'symbolic link: not followed',
      });
      expect(result.chats.some((r) => r.chatId === id)).toBe(false);
    }
  });

  it('check gives one not_a_file error naming the entry, and exits 2', () => {
    const run = cli(['check', root, '--json', '--workers', '0'], { timeoutMs: DEADLINE_MS });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as IntegrityReport;
    for (const c of CASES) {
      const chat = report.chats.find((r) => r.chatId === c.chat!.chatId)!;
      expect(chat.status, label(c)).toBe('error');
      const notAFile = chat.findings.filter((f) => f.code === 'not_a_file');
      expect(notAFile, label(c)).toHaveLength(1);
      expect(notAFile[0]!.severity).toBe('error');
      expect(notAFile[0]!.message, label(c)).toContain(`${c.file} is `);
      expect(notAFile[0]!.message).toContain('never opened');
    }
  });

  it('show names the entry as a problem for each case, never hangs', () => {
    for (const c of CASES) {
      const run = cli(['show', root, c.chat!.chatId], { timeoutMs: DEADLINE_MS });
      expect(run.signal, label(c)).toBeNull();
      expect(run.code, label(c)).toBe(0);
      expect(run.stdout, label(c)).toMatch(/not a regular file/);
    }
  });

  it('open FILE on a FIFO or a link: one error line, exit 2', () => {
    for (const c of CASES.filter((k) => k.file === 'conversations.db' || k.file === 'profile.db')) {
      const run = cli(['open', join(c.chat!.dir, c.file)], { timeoutMs: DEADLINE_MS });
      expect(run.signal, label(c)).toBeNull();
      expect(run.code, label(c)).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n'), label(c)).toHaveLength(1);
      expect(run.stderr).toMatch(/^chat-inspector: .*: is (a|an) .*; it was not opened|is a folder/);
    }
  });

  it('export of a chat with a FIFO conversations.db fails with one line instead of hanging', () => {
    const c = CASES.find((k) => k.kind === 'fifo' && k.file === 'conversations.db')!;
    const out = join(base, 'fifo-export.json');
    const run = cli(['export', root, '--chat', c.chat!.chatId, '--format', 'json', '--out', out], {
      timeoutMs: DEADLINE_MS,
    });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/named pipe \(FIFO\), not a regular file/);
  });
});

describe('a FIFO named like a chat folder', () => {
  it('scan skips it saying what it is; show refuses it with one line', () => {
    const scan = JSON.parse(cli(['scan', root, '--json'], { timeoutMs: DEADLINE_MS }).stdout) as ScanResult;
    expect(scan.skipped).toContainEqual({
      path: join(root, `chat_${fifoChatId}`),
      code: 'not_a_folder',
      reason: 'not a chat folder (a named pipe (FIFO))',
    });
    const run = cli(['show', root, fifoChatId], { timeoutMs: DEADLINE_MS });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `chat-inspector: ${join(root, `chat_${fifoChatId}`)}: is a named pipe (FIFO), not a chat folder; it was not opened\n`,
    );
  });
});

describe('a chat folder that is a symbolic link', () => {
  it('show and export refuse it with the one guard message, whether it points inside or outside the root', () => {
    for (const id of [linkedChatId, escapingChatId]) {
      const out = join(base, `linked-${id}.json`);
      for (const args of [
        ['show', root, id],
        ['export', root, '--chat', id, '--format', 'json', '--out', out],
      ]) {
        const run = cli(args, { timeoutMs: DEADLINE_MS });
        expect(run.code, args.join(' ')).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toBe(
          `chat-inspector: ${join(root, `chat_${id}`)}: is a symbolic link; links are never followed, so nothing behind it is read or written\n`,
        );
      }
    }
  });

  it('browser-mode operations refuse it too, and answer not_a_file for a FIFO instead of freezing', () => {
    const driver = join(base, 'driver.ts');
    const fifoChat = CASES.find((k) => k.kind === 'fifo' && k.file === 'conversations.db')!.chat!;
    writeFileSync(
      driver,
      `
import { createContext } from '${REPO}/main/api/create-context.ts';
import { invoke } from '${REPO}/main/api/dispatch.ts';
import { WorkerPool } from '${REPO}/main/workers/pool.ts';
const [root, home, linked, fifo] = process.argv.slice(2);
const ctx = createContext({ userDataDir: home, pool: new WorkerPool(0), rememberRecent: false, roots: [root] });
async function outcome(op, input) {
  try {
    const value = await invoke(op, input, ctx);
    if (value && typeof value === 'object' && 'jobId' in value) {
      for (;;) {
        const s = await invoke('jobs.poll', { jobId: value.jobId }, ctx);
        if (s.state === 'running') { await new Promise((r) => setTimeout(r, 10)); continue; }
        return s.error ? { code: s.error.code, message: s.error.message } : { ok: true, result: s.result };
      }
    }
    return { ok: true, result: value };
  } catch (error) {
    return { code: error.code, message: error.message };
  }
}
const out = {};
for (const id of [linked, fifo]) {
  out[id] = {
    'chat.detail': await outcome('chat.detail', { root, chatId: id }),
    'chat.messages': await outcome('chat.messages', { root, chatId: id }),
    'chat.search': await outcome('chat.search', { root, chatId: id, query: 'a' }),
    'chat.metrics': await outcome('chat.metrics', { root, chatId: id }),
    'export.run': await outcome('export.run', { root, chatIds: [id], format: 'json', out: 'x-' + id + '.json' }),
  };
}
out.scan = await outcome('chats.scan', { root });
process.stdout.write(JSON.stringify(out));
process.exit(0);
`,
    );
    const run = runNode([driver, root, join(base, 'home'), linkedChatId, fifoChat.chatId], {
      timeoutMs: DEADLINE_MS,
    });
    expect(run.signal).toBeNull();
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as Record<
      string,
      Record<string, { code?: string; ok?: boolean; result?: unknown; message?: string }>
    >;
    for (const [op, result] of Object.entries(out[linkedChatId]!)) {
      expect(result.code, op).toBe('forbidden_path');
      expect(result.message, op).toContain('links are never followed');
    }
    const fifo = out[fifoChat.chatId]!;
    const detail = fifo['chat.detail']!.result as { problems: { code: string }[]; health: string };
    expect(detail.problems.map((p) => p.code)).toEqual(['not_a_file']);
    expect(detail.health).toBe('error');
    for (const op of ['chat.messages', 'chat.search', 'chat.metrics', 'export.run']) {
      expect(fifo[op]!.code, op).toBe('not_a_file');
    }
    expect(out.scan!.ok).toBe(true);
  });
});

describe('the same guard for check --chat, and outputs never written through', () => {
  it('check --chat of a linked chat folder: the guard message, exit 2', () => {
    const run = cli(['check', root, '--chat', linkedChatId], { timeoutMs: DEADLINE_MS });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `chat-inspector: ${join(root, `chat_${linkedChatId}`)}: is a symbolic link; links are never followed, so nothing behind it is read or written\n`,
    );
  });

  it('check --html onto a FIFO replaces the FIFO with the report instead of blocking on it', () => {
    const reports = mkdtempSync(join(base, 'reports-'));
    const html = join(reports, 'report.html');
    execFileSync('mkfifo', [html]);
    const run = cli(['check', root, '--chat', healthy.chatId, '--html', html], { timeoutMs: DEADLINE_MS });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(listTree(reports)['report.html']).toMatch(/^[0-9a-f]{64} /);
    expect(Object.keys(listTree(reports))).toEqual(['report.html']);
  });

  it('demo into a link to an empty folder is refused, the folder behind it untouched', () => {
    const empty = mkdtempSync(join(base, 'empty-'));
    const link = join(base, 'demo-link');
    symlinkSync(empty, link);
    const run = cli(['demo', link], { timeoutMs: DEADLINE_MS });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/already exists and is not empty; choose a new folder/);
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe('read-only', () => {
  it('nothing under the root changed: no byte, no entry created, removed or replaced', () => {
    expect(listTree(root)).toEqual(before);
  });
});
