import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listDbFiles } from './files.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('listDbFiles', () => {
  it('finds DB files outside chat folders, with sizes and relative paths, without following links', () => {
    const root = mkdtempSync(join(tmpdir(), 'ci-files-'));
    dirs.push(root);
    mkdirSync(join(root, 'legacy'));
    mkdirSync(join(root, 'chats', 'chat_123'), { recursive: true });
    writeFileSync(join(root, 'legacy', 'user_history.db'), Buffer.alloc(4096));
    writeFileSync(join(root, 'legacy', 'duilio.sqlite'), Buffer.alloc(1024));
    writeFileSync(join(root, 'legacy', 'notes.txt'), 'x');
    // A database named without an extension (the legacy `backup_old_db`) is found by its header.
    writeFileSync(
      join(root, 'backup_old_db'),
      Buffer.concat([Buffer.from('SQLite format 3\u0000', 'latin1'), Buffer.alloc(84)]),
    );
    writeFileSync(join(root, 'legacy', 'user_history.db-wal'), 'x');
    writeFileSync(join(root, 'chats', 'chat_123', 'profile.db'), Buffer.alloc(512));
    const outside = mkdtempSync(join(tmpdir(), 'ci-files-out-'));
    dirs.push(outside);
    writeFileSync(join(outside, 'secret.db'), 'x');
    symlinkSync(outside, join(root, 'link'));

    const { files, capped } = listDbFiles(root);
    expect(capped).toBe(false);
    expect(files.map((f) => f.relPath)).toEqual([
      'backup_old_db',
      join('legacy', 'duilio.sqlite'),
      join('legacy', 'user_history.db'),
    ]);
    expect(files.find((f) => f.relPath.endsWith('user_history.db'))?.sizeBytes).toBe(4096);
    expect(files[1]!.path).toBe(join(root, 'legacy', 'duilio.sqlite'));
  });
});
