import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE, REPO } from '../testing/cli.ts';
import { isSupportedNode, MIN_NODE } from './node-version.ts';

// On a Node older than 22.12 the pinned better-sqlite3 dies with a segmentation fault, printing nothing.
// dist/cli.js (the launcher) and bin/chat-inspector.js refuse such a Node with one line saying what to run
// instead, before the CLI bundle (and SQLite) is loaded. The machine's own `node` is the old one here.

/** An installed `node` older than MIN_NODE (the system one, not the project's pinned Node), if any. */
function findOldNode(): string | null {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    const run = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (run.status === 0 && !isSupportedNode(run.stdout.trim())) return candidate;
  }
  return null;
}

const OLD_NODE = findOldNode();
let base: string;
let withBuild: string;
let withoutBuild: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'ci-node-version-'));
  // The launcher bundled as scripts/build.ts bundles it, next to a stand-in for the CLI bundle.
  withBuild = join(base, 'with-build');
  mkdirSync(join(withBuild, 'bin'), { recursive: true });
  await build({
    absWorkingDir: REPO,
    entryPoints: ['main/cli/launcher.ts'],
    outfile: join(withBuild, 'dist', 'cli.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    logLevel: 'silent',
  });
  writeFileSync(join(withBuild, 'dist', 'cli-main.js'), "process.stdout.write('cli bundle loaded\\n');\n");
  copyFileSync(join(REPO, 'bin', 'chat-inspector.js'), join(withBuild, 'bin', 'chat-inspector.js'));
  // A source checkout without a build.
  withoutBuild = join(base, 'without-build');
  mkdirSync(join(withoutBuild, 'bin'), { recursive: true });
  copyFileSync(join(REPO, 'bin', 'chat-inspector.js'), join(withoutBuild, 'bin', 'chat-inspector.js'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function run(node: string, script: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(node, [script, 'scan', '.'], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('isSupportedNode', () => {
  it.each([
    ['20.20.2', false],
    ['22.11.9', false],
    ['v22.12.0', true],
    [MIN_NODE, true],
    ['22.18.0', true],
    ['24.21.0', true],
    ['25.0.0', true],
  ])('%s → %s', (version, expected) => {
    expect(isSupportedNode(version)).toBe(expected);
  });
});

const OLD_NODE_SKIPPED = `skipped: no Node older than ${MIN_NODE} in /usr/bin or /usr/local/bin`;
describe.skipIf(OLD_NODE === null)(`an old Node (${OLD_NODE ?? OLD_NODE_SKIPPED})`, () => {
  it('dist/cli.js refuses it with one line naming what to run, before the CLI bundle loads', () => {
    const r = run(OLD_NODE!, join(withBuild, 'dist', 'cli.js'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^chat-inspector: Node 2\d\.\d+\.\d+ is too old .*"npx chat-inspector \.\.\." or "npm run cli -- \.\.\."/,
    );
  });

  it('bin/chat-inspector.js the same, through the build', () => {
    const r = run(OLD_NODE!, join(withBuild, 'bin', 'chat-inspector.js'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('npx chat-inspector');
  });

  it('bin/chat-inspector.js without a build: one line, not a stack trace about .ts files', () => {
    const r = run(OLD_NODE!, join(withoutBuild, 'bin', 'chat-inspector.js'));
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^chat-inspector: Node .* cannot run the sources, and there is no build/);
  });

  const built = existsSync(join(REPO, 'dist', 'cli-main.js'));
  const realBuild = `the real build (dist/cli.js) too${built ? '' : ' (skipped: no build; npm run build)'}`;
  it.skipIf(!built)(realBuild, () => {
    const r = run(OLD_NODE!, join(REPO, 'dist', 'cli.js'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is too old');
  });
});

describe('a supported Node', () => {
  it('dist/cli.js goes on to the CLI bundle', () => {
    const r = run(NODE, join(withBuild, 'dist', 'cli.js'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('cli bundle loaded\n');
    expect(r.code).toBe(0);
  });
});
