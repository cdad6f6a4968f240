import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runNode } from '../../main/testing/cli.ts';
import { SUITE_FAILED } from './vitest-skips.ts';

// Both runners end with one line saying how many tests were skipped and why: real vitest and Playwright runs
// of small test files (in the repo's ignored .tmp/, where they find node_modules) with the project's
// reporters, skipping the ways the project's tests skip.

let dir: string;
beforeAll(() => {
  mkdirSync(join(REPO, '.tmp'), { recursive: true });
  dir = mkdtempSync(join(REPO, '.tmp', 'skips-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lastLine = (text: string): string => text.trimEnd().split('\n').pop()!;

describe('the skip summary', () => {
  it('vitest: reasons from the suite name, ctx.skip(note), and tests skipped without one, counted', () => {
    const root = join(dir, 'vitest');
    mkdirSync(root);
    writeFileSync(
      join(root, 'a.test.ts'),
      [
        "import { describe, it, expect } from 'vitest';",
        "describe.skipIf(true)('servers (skipped: no MariaDB server binaries)', () => {",
        "  it('one', () => {});",
        "  it('two', () => {});",
        '});',
        "it('runs', () => expect(1).toBe(1));",
        "it('skips itself', (ctx) => ctx.skip('set SHOTS_DIR'));",
        "it.skip('forgotten', () => {});",
        '',
      ].join('\n'),
    );
    const r = runNode(
      [
        join(REPO, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--root',
        root,
        '--reporter=default',
        `--reporter=${join(REPO, 'scripts', 'test-report', 'vitest-skips.ts')}`,
      ],
      { cwd: root, timeoutMs: 60_000, env: { CI: '' } },
    );
    expect(r.code).toBe(0);
    expect(lastLine(r.stdout)).toBe(
      'vitest: 4 skipped: no MariaDB server binaries (2); set SHOTS_DIR (1); no reason given (1, e.g. a.test.ts › forgotten)',
    );
  });

  it('vitest: tests of a suite whose beforeAll threw are counted as such, not as skipped without a reason', () => {
    const root = join(dir, 'vitest-hook');
    mkdirSync(root);
    writeFileSync(
      join(root, 'c.test.ts'),
      [
        "import { beforeAll, describe, it } from 'vitest';",
        "describe('server', () => {",
        "  beforeAll(() => { throw new Error('initdb failed'); });",
        "  it('one', () => {});",
        "  it('two', () => {});",
        '});',
        "it.skip('forgotten', () => {});",
        '',
      ].join('\n'),
    );
    const r = runNode(
      [
        join(REPO, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--root',
        root,
        `--reporter=${join(REPO, 'scripts', 'test-report', 'vitest-skips.ts')}`,
      ],
      { cwd: root, timeoutMs: 60_000, env: { CI: '' } },
    );
    expect(r.code).toBe(1);
    expect(lastLine(r.stdout)).toBe(
      `vitest: 3 skipped: ${SUITE_FAILED} (2); no reason given (1, e.g. c.test.ts › forgotten)`,
    );
  });

  it('vitest: "0 skipped" when nothing is', () => {
    const root = join(dir, 'vitest-none');
    mkdirSync(root);
    writeFileSync(join(root, 'b.test.ts'), "import { it } from 'vitest';\nit('runs', () => {});\n");
    const r = runNode(
      [
        join(REPO, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--root',
        root,
        `--reporter=${join(REPO, 'scripts', 'test-report', 'vitest-skips.ts')}`,
      ],
      { cwd: root, timeoutMs: 60_000, env: { CI: '' } },
    );
    expect(r.code).toBe(0);
    expect(lastLine(r.stdout)).toBe('vitest: 0 skipped');
  });

  it('Playwright: the reasons given to test.skip, after the list', () => {
    const root = join(dir, 'playwright');
    mkdirSync(root);
    writeFileSync(
      join(root, 'playwright.config.ts'),
      `export default { testDir: '.', reporter: [['list'], [${JSON.stringify(join(REPO, 'scripts', 'test-report', 'playwright-skips.ts'))}]] };\n`,
    );
    writeFileSync(
      join(root, 'a.spec.ts'),
      [
        "import { test, expect } from '@playwright/test';",
        "test.describe('electron', () => {",
        "  test.skip(true, 'Electron binary not available on this machine');",
        "  test('window', () => {});",
        "  test('bridge', () => {});",
        '});',
        "test('walk', () => { test.skip(true, 'set SHOTS_DIR to take the screenshot walk'); });",
        "test('runs', () => expect(1).toBe(1));",
        '',
      ].join('\n'),
    );
    const r = runNode(
      [
        join(REPO, 'node_modules', '@playwright', 'test', 'cli.js'),
        'test',
        '--config',
        join(root, 'playwright.config.ts'),
      ],
      { cwd: root, timeoutMs: 60_000, env: { CI: '' } },
    );
    expect(r.code).toBe(0);
    expect(lastLine(r.stdout)).toBe(
      'playwright: 3 skipped: Electron binary not available on this machine (2); set SHOTS_DIR to take the screenshot walk (1)',
    );
  });
});
