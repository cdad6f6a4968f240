import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { privateTempDir } from './files.ts';

// A backup, verify or recovery killed with SIGKILL leaves its private copy of someone's data in the temp
// folder (no handler runs); the next one removes it, and only when its process is gone.
describe('privateTempDir', () => {
  const outside = mkdtempSync(join(tmpdir(), 'ci-private-temp-'));
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  it('removes what a dead process left, keeps a live one, a link and a foreign name', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    const left = join(tmpdir(), `chat-inspector-backup-${deadPid}-AbC123`);
    mkdirSync(join(left, 'chat_1'), { recursive: true });
    writeFileSync(join(left, 'chat_1', 'conversations.db'), 'a copy of somebody');
    const live = join(tmpdir(), `chat-inspector-verify-${process.pid}-XyZ789`);
    mkdirSync(live, { recursive: true });
    const link = join(tmpdir(), `chat-inspector-recover-${deadPid}-LiNk00`);
    symlinkSync(outside, link);
    const foreign = join(tmpdir(), `chat-inspector-${deadPid}-other`);
    mkdirSync(foreign, { recursive: true });
    try {
      const made = privateTempDir('backup');
      expect(made.startsWith(join(tmpdir(), `chat-inspector-backup-${process.pid}-`))).toBe(true);
      expect(existsSync(left)).toBe(false);
      expect(existsSync(live)).toBe(true);
      expect(existsSync(link)).toBe(true);
      expect(existsSync(outside)).toBe(true);
      expect(existsSync(foreign)).toBe(true);
      rmSync(made, { recursive: true });
    } finally {
      for (const p of [left, live, link, foreign]) rmSync(p, { recursive: true, force: true });
    }
  });
});
