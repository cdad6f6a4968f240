import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChat } from '../fixtures/index.ts';
import { CLI, NODE, REPO, treeSnapshot } from '../testing/backup-helpers.ts';
import { DEFAULT_LIMITS, encodeHeader, freeBytes, GiB, limitsForDisk } from './tar.ts';

// Archives built to exhaust the machine are refused early: a gzip bomb by its expansion ratio within its
// first megabytes (no temp file grows, nothing is left), a giant manifest.json by its size before it is read
// into memory.

const MiB = 1024 * 1024;
let dir: string;
let target: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ci-archive-limits-'));
  target = join(dir, 'target');
  generateChat(target, '7100001', { messages: 10, seed: 1 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A .tar.gz whose entries are `size` bytes of `fill` each, small on disk: the data is one gzip member of
 * 64 MiB compressed once and repeated (gzip readers concatenate members), so nothing large is ever held.
 */
function bomb(file: string, entries: { path: string; size: number }[], fill = 0): string {
  const block = 64 * MiB;
  const member = gzipSync(Buffer.alloc(block, fill), { level: 9 });
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(gzipSync(encodeHeader({ path: e.path, type: 'file', size: e.size, mtime: new Date(0) })));
    for (let left = e.size; left > 0; left -= block) {
      parts.push(left >= block ? member : gzipSync(Buffer.alloc(left, fill)));
    }
  }
  parts.push(gzipSync(Buffer.alloc(1024)));
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

/** Runs the CLI with a temp folder of its own, and reports what was left in it and its peak memory. */
function run(args: string[]) {
  const tmp = mkdtempSync(join(dir, 'tmp-'));
  const r = spawnSync(NODE, [CLI, ...args], {
    encoding: 'utf8',
    cwd: REPO,
    env: { ...process.env, TMPDIR: tmp, CHAT_INSPECTOR_REPORT_RSS: '1' },
    timeout: 120_000,
  });
  const rss = Number(/maxRss=(\d+)/.exec(r.stderr)?.[1] ?? NaN) * 1024;
  return { ...r, left: readdirSync(tmp), rss, stderr: r.stderr.replace(/maxRss=\d+\n/, '') };
}

describe('gzip bombs and giant manifests', () => {
  it('5.25 GiB of zeros in a ~5 MB archive: refused within its first MiBs by verify and restore, nothing left', () => {
    const file = bomb(
      join(dir, 'bomb.tar.gz'),
      [1, 2, 3].map((n) => ({ path: `chats/chat_${n}/conversations.db`, size: 1.75 * GiB })),
    );
    expect(statSync(file).size).toBeLessThan(8 * MiB);
    const before = treeSnapshot(target);
    for (const args of [
      ['verify', file],
      ['restore', file, '--into', target, '--force'],
    ]) {
      const r = run(args);
      expect(r.status, r.stdout).toBe(2);
      expect(r.stderr).toMatch(/expands more than 200:1 .*a gzip bomb, refused/);
      // It stopped right after the grace amount, long before the first entry's 1.75 GiB.
      const [, amount, unit] = /\((\d+\.\d) (MiB|GiB) out of the first/.exec(r.stderr)!;
      expect(unit).toBe('MiB');
      expect(Number(amount)).toBeLessThan(64);
      expect(r.left).toEqual([]);
    }
    expect(treeSnapshot(target)).toEqual(before);
  });

  it('a 256 MiB manifest.json: refused from its header, memory stays bounded, nothing left', () => {
    const file = bomb(join(dir, 'manifest.tar.gz'), [{ path: 'manifest.json', size: 256 * MiB }], 0x20);
    expect(statSync(file).size).toBeLessThan(2 * MiB);
    const before = treeSnapshot(target);
    for (const args of [
      ['verify', file],
      ['restore', file, '--into', target],
    ]) {
      const r = run(args);
      expect(r.status, r.stdout).toBe(2);
      expect(r.stderr).toMatch(
        /manifest\.json is 256\.0 MiB, more than the 16\.0 MiB a manifest of 0 file\(s\) can need/,
      );
      // Far below the 1.1 GB such a manifest used to cost (the process alone is ~100 MB).
      expect(r.rss).toBeLessThan(400 * MiB);
      expect(r.left).toEqual([]);
    }
    expect(treeSnapshot(target)).toEqual(before);
  });

  it('the total limit is lowered to the free space of the target (and the per-file one to the temp folder)', () => {
    const asked = { ...DEFAULT_LIMITS, maxTotalBytes: 1024 ** 5, maxFileBytes: 1024 ** 5 };
    const limits = limitsForDisk(asked, tmpdir(), target);
    expect(limits.maxTotalBytes).toBeLessThanOrEqual(freeBytes(target)! + 64 * MiB);
    expect(limits.maxTotalBytes).toBeGreaterThan(0);
    expect(limits.totalReason).toBe(`the free space in ${target}`);
    expect(limits.maxFileBytes).toBeLessThanOrEqual(freeBytes(tmpdir())! + 64 * MiB);
    expect(limits.fileReason).toBe(`the free space in ${tmpdir()}`);
    // Limits below the free space stay as they are.
    expect(limitsForDisk(DEFAULT_LIMITS, tmpdir(), target).maxFileBytes).toBe(DEFAULT_LIMITS.maxFileBytes);
  });
});
