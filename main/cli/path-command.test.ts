import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE, REPO } from '../testing/cli.ts';
import { VERSION } from '../config/version.ts';

// The `chat-inspector` command on PATH (bin/chat-inspector, linked by `npm link`): it runs dist/cli.js on
// the project's own Node (node_modules/node) even when the `node` first on PATH is the system's older one,
// through the two links npm link makes, passing arguments, exit code and signals straight through (exec).
// The project here is a copy: the real launcher script, dist/cli.js bundled as scripts/build.ts bundles it,
// and a stand-in for the CLI bundle that says which Node runs it.

const PINNED = realpathSync(NODE);
let base: string;
let project: string;
let prefixBin: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'ci-path-command-'));
  project = join(base, 'project');
  mkdirSync(join(project, 'bin'), { recursive: true });
  mkdirSync(join(project, 'node_modules', 'node', 'bin'), { recursive: true });
  copyFileSync(join(REPO, 'bin', 'chat-inspector'), join(project, 'bin', 'chat-inspector'));
  symlinkSync(PINNED, join(project, 'node_modules', 'node', 'bin', 'node'));
  await build({
    absWorkingDir: REPO,
    entryPoints: ['main/cli/launcher.ts'],
    outfile: join(project, 'dist', 'cli.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    logLevel: 'silent',
  });
  writeFileSync(
    join(project, 'dist', 'cli-main.js'),
    [
      'const args = process.argv.slice(2);',
      'process.stdout.write(`bundle on ${process.execPath} with ${JSON.stringify(args)}\\n`);',
      "if (args[0] === 'exit') process.exitCode = Number(args[1]);",
      "if (args[0] === 'wait') { process.stdout.write(`pid ${process.pid}\\n`); setInterval(() => {}, 1000); }",
      '',
    ].join('\n'),
  );
  // What `npm link` makes: PREFIX/bin/chat-inspector -> ../lib/node_modules/chat-inspector/bin/chat-inspector,
  // and PREFIX/lib/node_modules/chat-inspector -> the project.
  const prefix = join(base, 'prefix');
  prefixBin = join(prefix, 'bin');
  mkdirSync(prefixBin, { recursive: true });
  mkdirSync(join(prefix, 'lib', 'node_modules'), { recursive: true });
  symlinkSync(project, join(prefix, 'lib', 'node_modules', 'chat-inspector'));
  symlinkSync('../lib/node_modules/chat-inspector/bin/chat-inspector', join(prefixBin, 'chat-inspector'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** `chat-inspector ARGS` as a shell would run it from PATH, with the system's folders after it. */
function fromPath(args: string[], cwd = base) {
  return spawnSync('chat-inspector', args, {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, PATH: `${prefixBin}:/usr/local/bin:/usr/bin:/bin` },
  });
}

describe('chat-inspector on PATH', () => {
  it('runs the CLI on the pinned Node, not the `node` first on PATH, from any folder', () => {
    const r = fromPath(['scan', 'some root'], tmpdir());
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`bundle on ${PINNED} with ["scan","some root"]\n`);
    expect(r.status).toBe(0);
  });

  it("passes the CLI's exit code through", () => {
    expect(fromPath(['exit', '2']).status).toBe(2);
    expect(fromPath(['exit', '1']).status).toBe(1);
  });

  it('is the CLI process itself (exec): a signal to it stops the CLI, no shell left behind', () => {
    const r = spawnSync(
      '/bin/sh',
      [
        '-c',
        'chat-inspector wait & pid=$!; echo "started $pid"; sleep 1; kill -TERM $pid; wait $pid; echo "exit $?"',
      ],
      {
        cwd: base,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, PATH: `${prefixBin}:/usr/bin:/bin` },
      },
    );
    const lines = r.stdout.trim().split('\n');
    const line = (prefix: string) => lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
    // The process started is the Node process (exec), and it ended by the signal (128 + SIGTERM).
    expect(line('pid ')).toMatch(/^\d+$/);
    expect(line('started ')).toBe(line('pid '));
    expect(line('exit ')).toBe('143');
  });

  it('answers --version without loading the CLI bundle', () => {
    const r = fromPath(['--version']);
    expect(r.stdout).toBe(`${VERSION}\n`);
    expect(r.status).toBe(0);
    expect(fromPath(['-V']).stdout).toBe(`${VERSION}\n`);
  });

  it("says the package's version", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      version: string;
      bin: object;
    };
    expect(VERSION).toBe(pkg.version);
    expect(pkg.bin).toEqual({ 'chat-inspector': 'bin/chat-inspector' });
  });
});
