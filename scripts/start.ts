// `npm start [ROOT|URL] [--source URL...]`: builds what is out of date, then opens the Electron app; where Electron cannot be
// had (no route to its download, no display), says so in one line and serves the same UI in browser mode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isSupportedNode, oldNodeMessage } from '../main/cli/node-version.ts';
import { redactSecrets } from '../shared/secrets.ts';
import { findElectron, hasDisplay, PROJECT_ROOT } from './electron-binary.ts';
import {
  browserModeArguments,
  electronArguments,
  parseStartArguments,
  type StartRequest,
} from './start-plan.ts';

const OUTPUTS = [
  'dist/cli.js',
  'dist/cli-main.js',
  'dist/worker.js',
  'dist/worker-tasks.js',
  'dist/electron-main.js',
  'dist/preload.cjs',
  'dist/renderer/index.html',
];
const SOURCES = [
  'main',
  'shared',
  'preload',
  'renderer',
  'scripts/build.ts',
  'vite.config.ts',
  'package.json',
];

function newestMtime(path: string): number {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function needsBuild(): boolean {
  const outputs = OUTPUTS.filter(
    (o) => o !== 'dist/renderer/index.html' || existsSync(join(PROJECT_ROOT, 'renderer', 'index.html')),
  );
  let oldest = Infinity;
  for (const output of outputs) {
    const path = join(PROJECT_ROOT, output);
    if (!existsSync(path)) return true;
    oldest = Math.min(oldest, statSync(path).mtimeMs);
  }
  return SOURCES.some((source) => newestMtime(join(PROJECT_ROOT, source)) > oldest);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: 'inherit', env });
  // Ctrl-C reaches the child too (same terminal); this process waits for it to finish cleanly.
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise((done) => {
    child.on('error', (error) => {
      console.error(`chat-inspector: could not start ${command}: ${error.message}`);
      done(1);
    });
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  // Browser mode runs dist/cli.js with this same Node: refuse an old one before building anything.
  if (!isSupportedNode(process.versions.node)) {
    console.error(oldNodeMessage(process.versions.node));
    return 2;
  }
  let request: StartRequest;
  try {
    // npm runs scripts in the project folder; a relative ROOT means relative to where the person typed it.
    request = parseStartArguments(process.argv.slice(2), process.env.INIT_CWD ?? process.cwd());
  } catch (error) {
    console.error(`chat-inspector: ${redactSecrets((error as Error).message)}`);
    return 2;
  }
  if (needsBuild()) {
    const built = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'build.ts'), '--quiet'], {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
    });
    if (built.status !== 0) return built.status ?? 1;
  }
  const electron = findElectron({ download: true });
  const reason = !electron.ok
    ? `Electron is not available on this machine (${electron.reason})`
    : !hasDisplay()
      ? 'There is no display here'
      : null;
  if (electron.ok && reason === null) {
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    // Chromium refuses to start as root without --no-sandbox (containers); pages stay in Electron's sandbox.
    const switches = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    return run(electron.path, [PROJECT_ROOT, ...switches, ...electronArguments(request)], env);
  }
  console.log(`${reason}; opening Chat Inspector in browser mode instead.`);
  // Browser mode reaches only the server sources given here (main/server/server.ts restricts it).
  return run(process.execPath, [join(PROJECT_ROOT, 'dist', 'cli.js'), ...browserModeArguments(request)]);
}

process.exitCode = await main();
