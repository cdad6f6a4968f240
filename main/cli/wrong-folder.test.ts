import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../testing/cli.ts';

// A command pointed at the wrong folder says so (one line, exit 2) rather than "Checked 0 chats" with
// exit 0; and whatever path an error quotes, a URL's password in it is masked.

let base: string;
let home: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ci-wrong-folder-'));
  home = join(base, 'home');
  mkdirSync(join(base, 'empty'));
  // Things that are not chats: a file, a folder of another name, an empty chats/ folder.
  mkdirSync(join(base, 'not-chats', 'chats'), { recursive: true });
  mkdirSync(join(base, 'not-chats', 'logs'));
  writeFileSync(join(base, 'not-chats', 'chat_1.txt'), 'x');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  return cli(args, { env: { CHAT_INSPECTOR_HOME: home }, timeoutMs: 60_000 });
}

describe('check, scan and alerts on a folder with no chats', () => {
  for (const folder of ['empty', 'not-chats']) {
    it.each([
      ['check', []],
      ['check', ['--json']],
      ['scan', ['--no-index']],
      ['alerts', []],
    ])(`%s %j on "${folder}" exits 2 with one line naming the folder`, (command, extra) => {
      const path = join(base, folder);
      const result = run([command, path, ...(extra as string[])]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `chat-inspector: ${path}: holds no chat_<id> folder; expected a data root (the folder holding chat_<id> folders, or the bot folder)\n`,
      );
    });
  }

  it.each(['check', 'scan', 'alerts', 'backup'])(
    '%s on a path that does not exist exits 2 naming it',
    (command) => {
      const path = join(base, 'no-such-folder');
      const result = run([command, path, ...(command === 'backup' ? ['--out', join(base, 'out')] : [])]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^chat-inspector: ${path}: no such folder`));
      expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    },
  );

  it('backup of a folder with no chats already exits 2 and writes no archive', () => {
    const archive = join(base, 'backup.tar.gz');
    const result = run(['backup', join(base, 'empty'), '--out', archive]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/holds no chat/);
    expect(existsSync(archive)).toBe(false);
  });
});

describe('CLI errors', () => {
  it('mask the password of a URL the message quotes', () => {
    const result = run(['check', join(base, 'postgres:/user:PASSWORD@db.example/chats')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('user:***@db.example');
    expect(result.stderr).not.toContain('PASSWORD');
  });
});
