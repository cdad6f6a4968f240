import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateRoot } from '../main/fixtures/index.ts';
import { argValue, fmt, median, ratio } from './common.ts';

// `node bench/command.ts [--rounds 15] [--npx-rounds 3]`: the `chat-inspector` command as cron and scripts
// run it — from PATH, linked as `npm link` links it (bin/chat-inspector), with the system's folders after it
// — against the pinned Node doing nothing (`node -e 0`), in the same run: `--version`, and `scan` of a
// 1-chat root (its index already made by a first scan). `npx chat-inspector --version` from the project
// folder for comparison. Medians of wall time; the targets are absolute (0.25 s and 0.4 s).

const REPO = resolve(import.meta.dirname, '..');
const TARGETS = { version: 250, scan: 400 };

interface Run {
  wallMs: number;
  /** user + system CPU of the command and its children (what a busy machine inflates least). */
  cpuMs: number;
}

/** Runs a command to the end through `sh`, whose `times` then says the CPU its children used. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Run {
  const started = performance.now();
  const r = spawnSync('/bin/sh', ['-c', '"$@" >/dev/null || exit 99; times', 'sh', command, ...args], {
    env,
    cwd,
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr.trim()}`);
  // `times`: the shell's user and system time, then its children's ("0m0.020000s 0m0.004000s").
  const children = r.stdout.trim().split('\n').pop()!;
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { wallMs, cpuMs: (seconds[0]! + seconds[1]!) * 1000 };
}

function medians(rounds: number, measure: () => Run): Run {
  const runs = Array.from({ length: rounds }, measure);
  return { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)) };
}

export async function runCommandBench(options: { rounds?: number; npxRounds?: number } = {}) {
  if (!existsSync(join(REPO, 'dist', 'cli.js'))) throw new Error('run `npm run build` first');
  const rounds = options.rounds ?? 15;
  const npxRounds = options.npxRounds ?? 3;
  const pinnedNode = realpathSync(join(REPO, 'node_modules', 'node', 'bin', 'node'));
  const dir = mkdtempSync(join(tmpdir(), 'ci-bench-command-'));
  try {
    // What `npm link` makes: a link in a folder on PATH to the project's bin/chat-inspector.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(join(REPO, 'bin', 'chat-inspector'), join(bin, 'chat-inspector'));
    const root = generateRoot(join(dir, 'root'), { chats: 1, messagesPerChat: 100, seed: 7 }).root;
    const env = {
      ...process.env,
      PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
      CHAT_INSPECTOR_HOME: join(dir, 'home'),
    };
    // Warm-up: the compile cache and the root's index exist afterwards, as on every later cron run.
    run('chat-inspector', ['scan', root], env, dir);
    run('chat-inspector', ['--version'], env, dir);

    const baseline = medians(rounds, () => run(pinnedNode, ['-e', '0'], env, dir));
    const version = medians(rounds, () => run('chat-inspector', ['--version'], env, dir));
    const scan = medians(rounds, () => run('chat-inspector', ['scan', root], env, dir));
    // npx from the project folder, on npm's usual PATH (its .bin first, then the system's).
    const npx =
      npxRounds > 0
        ? medians(npxRounds, () =>
            run(
              'npx',
              ['chat-inspector', '--version'],
              { ...process.env, CHAT_INSPECTOR_HOME: env.CHAT_INSPECTOR_HOME },
              REPO,
            ),
          )
        : null;

    const line = (name: string, m: Run, target?: number): void =>
      console.log(
        `${name.padEnd(40)} ${fmt(m.wallMs)} ${ratio(m.wallMs, baseline.wallMs).padStart(7)}` +
          `  cpu ${fmt(m.cpuMs)} ${ratio(m.cpuMs, baseline.cpuMs).padStart(7)}` +
          (target ? `  (target ≤ ${fmt(target)}: ${m.wallMs <= target ? 'met' : 'NOT met'})` : ''),
      );
    console.log(
      `command: medians of ${rounds} runs (npx: ${npxRounds}); wall time and its ratio to node -e 0, ` +
        'then CPU (user + system) and its ratio',
    );
    line('node -e 0 (the pinned Node)', baseline);
    line('chat-inspector --version (PATH)', version, TARGETS.version);
    line('chat-inspector scan ROOT (1 chat, PATH)', scan, TARGETS.scan);
    if (npx) line('npx chat-inspector --version (project)', npx);
    const round = (m: Run) => ({ wallMs: Math.round(m.wallMs), cpuMs: Math.round(m.cpuMs) });
    return {
      nodeBaseline: round(baseline),
      version: { ...round(version), wallRatio: Number((version.wallMs / baseline.wallMs).toFixed(2)) },
      scanOneChat: { ...round(scan), wallRatio: Number((scan.wallMs / baseline.wallMs).toFixed(2)) },
      ...(npx ? { npxVersion: round(npx) } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const result = await runCommandBench({
    rounds: argValue('--rounds', 15),
    npxRounds: argValue('--npx-rounds', 3),
  });
  console.log(JSON.stringify(result));
}
