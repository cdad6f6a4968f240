import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, runNode } from '../testing/cli.ts';

// V8's compile cache is written by Node itself into CHAT_INSPECTOR_COMPILE_CACHE: only into a real folder
// of ours. A link there (to a folder anywhere) turns the cache off rather than being written through.

const base = mkdtempSync(join(tmpdir(), 'ci-paths-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A child that enables the cache as the launcher does, loads a module, and prints the cache folder. */
function cacheDirOf(dir: string): string {
  const script = `const paths = await import(${JSON.stringify(join(REPO, 'main/config/paths.ts'))});
    await paths.enableCompileCache();
    await import(${JSON.stringify(join(REPO, 'main/fs/own-file.ts'))});
    const { getCompileCacheDir } = await import('node:module');
    process.stdout.write(String(getCompileCacheDir?.()));`;
  const run = runNode(['--input-type=module', '-e', script], {
    env: { CHAT_INSPECTOR_COMPILE_CACHE: dir },
  });
  expect(run.stderr).toBe('');
  return run.stdout;
}

describe('the compile cache folder', () => {
  it('is used when it is a real folder, and never through a link', () => {
    const real = join(base, 'real');
    expect(cacheDirOf(real).startsWith(real)).toBe(true);
    const outside = join(base, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(base, 'link'));
    expect(cacheDirOf(join(base, 'link'))).toBe('undefined');
    expect(readdirSync(outside)).toEqual([]);
  });
});
