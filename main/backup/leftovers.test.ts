import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChat } from '../fixtures/index.ts';
import { WorkerPool } from '../workers/pool.ts';
import { growDb } from '../testing/bot-writer-client.ts';
import { createBackup } from './create.ts';
import { CLI, NODE, REPO, ctx, listTree, runHeldCli, treeSnapshot } from '../testing/backup-helpers.ts';

// No leftovers, ever: `backup`, `verify` and `restore` run as the CLI with a temp folder of their own
// (TMPDIR), are held at a step where their temp files exist, and are stopped with SIGINT or SIGTERM. Their
// temp folder and the target folder are listed before and after: nothing is left, the target is unchanged.
// A SIGKILLed backup's .partial is removed by the next backup to the same name.

let dir: string;
let root: string;
let archive: string;
const BIG = '8100001';
const SMALL = '8100002';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ci-leftovers-'));
  root = join(dir, 'root');
  // One chat larger than what is copied in memory (16 MB), so backup and verify use temp files.
  generateChat(root, BIG, { messages: 300, seed: 1 });
  growDb(join(root, `chat_${BIG}`, 'conversations.db'), 18);
  generateChat(root, SMALL, { messages: 30, seed: 2 });
  archive = join(dir, 'archive.tar.gz');
  await createBackup({ root, out: archive, pool: new WorkerPool(0) }, ctx());
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshTmp(): string {
  return mkdtempSync(join(dir, 'tmp-'));
}

describe.each(['SIGINT', 'SIGTERM'] as const)('stopped with %s, nothing is left', (signal) => {
  it('backup: no temp folder, no .partial, no archive', async () => {
    const out = join(dir, `out-${signal}`);
    mkdirSync(out);
    const tmp = freshTmp();
    let outWhileHeld: string[] = [];
    const run = await runHeldCli(
      ['backup', root, '--out', join(out, 'b.tar.gz'), '--workers', '1'],
      'backup:packed-chat',
      signal,
      tmp,
      () => (outWhileHeld = readdirSync(out)),
    );
    expect(run.signal, run.stderr).toBe(signal);
    // It was held with its temp folder and its partial archive in place...
    expect(run.tmpWhileHeld.some((p) => p.startsWith('chat-inspector-backup-'))).toBe(true);
    expect(outWhileHeld).toEqual([expect.stringMatching(/^b\.tar\.gz\.\d+\.partial$/)]);
    // ...and both are gone.
    expect(run.tmpAfter).toEqual([]);
    expect(readdirSync(out)).toEqual([]);
  });

  it('verify: no temp folder, no temp copy of a DB', async () => {
    const tmp = freshTmp();
    const run = await runHeldCli(['verify', archive], 'verify:large-entry', signal, tmp);
    expect(run.signal, run.stderr).toBe(signal);
    expect(run.tmpWhileHeld).toEqual([
      expect.stringMatching(/^chat-inspector-verify-[^/]+\/$/),
      expect.stringMatching(/^chat-inspector-verify-[^/]+\/entry-\d+\.db$/),
    ]);
    expect(run.tmpAfter).toEqual([]);
  });

  it('restore: no staged file beside the target, the target unchanged', async () => {
    const target = join(dir, `target-${signal}`);
    generateChat(target, SMALL, { messages: 7, seed: 3 });
    const before = treeSnapshot(target);
    const tmp = freshTmp();
    let targetWhileHeld: string[] = [];
    const run = await runHeldCli(
      ['restore', archive, '--into', target, '--force'],
      'restore:staged',
      signal,
      tmp,
      () => (targetWhileHeld = listTree(target)),
    );
    expect(run.signal, run.stderr).toBe(signal);
    expect(targetWhileHeld.some((p) => /\.restore-\d+-[0-9a-f]{8}/.test(p))).toBe(true);
    expect(treeSnapshot(target)).toEqual(before);
    expect(listTree(target).filter((p) => p.includes('.restore-'))).toEqual([]);
    expect(run.tmpAfter).toEqual([]);
  });
});

describe('after a normal run, nothing is left either', () => {
  it('verify (with a large DB) and a refused restore leave their temp folder empty', () => {
    const tmp = freshTmp();
    const env = { ...process.env, TMPDIR: tmp };
    const v = spawnSync(NODE, [CLI, 'verify', archive], { encoding: 'utf8', cwd: REPO, env });
    expect(v.status, v.stderr).toBe(0);
    expect(listTree(tmp)).toEqual([]);
    const target = join(dir, 'refused');
    generateChat(target, SMALL, { messages: 7, seed: 3 });
    const r = spawnSync(NODE, [CLI, 'restore', archive, '--into', target], {
      encoding: 'utf8',
      cwd: REPO,
      env,
    });
    expect(r.status).toBe(2); // would replace without --force
    expect(listTree(tmp)).toEqual([]);
  });
});

describe('a backup killed with SIGKILL', () => {
  it('leaves its .partial, which the next backup to the same name removes', async () => {
    const out = join(dir, 'killed');
    mkdirSync(out);
    const file = join(out, 'k.tar.gz');
    const tmp = freshTmp();
    const run = await runHeldCli(['backup', root, '--out', file], 'backup:packed-chat', 'SIGKILL', tmp);
    expect(run.signal).toBe('SIGKILL');
    expect(readdirSync(out)).toEqual([expect.stringMatching(/^k\.tar\.gz\.\d+\.partial$/)]);
    const again = spawnSync(NODE, [CLI, 'backup', root, '--out', file], { encoding: 'utf8', cwd: REPO });
    expect(again.status, again.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['k.tar.gz']);
    rmSync(tmp, { recursive: true, force: true });
  });
});

describe('restore copies only what it must', () => {
  it('a restore of an unchanged root writes nothing at all', () => {
    const target = join(dir, 'same');
    mkdirSync(target);
    cpSync(root, target, { recursive: true, force: true });
    const before = treeSnapshot(target);
    const r = spawnSync(NODE, [CLI, 'restore', archive, '--into', target, '--force'], {
      encoding: 'utf8',
      cwd: REPO,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(treeSnapshot(target)).toEqual(before);
    expect(existsSync(join(target, `chat_${BIG}`))).toBe(true);
  });
});
