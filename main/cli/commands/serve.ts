import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.ts';
import { ensureDemoRoot } from '../../api/host.ts';
import { defaultUserDataDir } from '../../config/paths.ts';
import { startServer } from '../../server/server.ts';
import { defaultStaticDir } from '../../server/static.ts';
import { allowServeSources } from './sources.ts';
import { ANY_SOURCE_HELP, SERVER_SOURCE_HELP } from '../source-help.ts';
import { cliOption } from '../input-options.ts';
import { PathOption } from '../options.ts';

/** `--port N`: where browser mode listens (0: a free port). */
const PortOption = z.number().int().min(0).max(65535);

/** Opens the address in the person's browser when there is a display to show it on; silent otherwise. */
export function openInBrowser(url: string): void {
  const hasDisplay =
    process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  if (!hasDisplay) return;
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No opener: the address is printed anyway.
  }
}

type ServeOptions = { port?: string; open?: boolean; source?: string[]; archive?: string };

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('serve the Chat Inspector UI to a browser on 127.0.0.1 only, behind a random per-run token')
    .argument('[source]', `what to open: ${ANY_SOURCE_HELP}; without it, the demo root`)
    .option('--source <url...>', `${SERVER_SOURCE_HELP} the browser may read (repeatable; no other server)`)
    .addOption(
      cliOption(
        '--archive <dir>',
        'the cold-archive folder of the mysql:// messaging source given',
        PathOption,
      ),
    )
    .addOption(cliOption('--port <n>', 'port to listen on (default: a free one)', PortOption))
    .option('--open', 'open the address in the default browser')
    .action(async (rootOrUrl: string | undefined, opts: ServeOptions) => {
      const rootArg = allowServeSources(rootOrUrl, opts.source, opts.archive);
      // Checked by PortOption before the command runs.
      const port = opts.port === undefined ? 0 : Number(opts.port);
      const userDataDir = defaultUserDataDir();
      let root: string;
      let demoRoot: string | null = null;
      if (rootArg !== undefined) {
        root = resolve(rootArg);
        if (!existsSync(root)) throw new AppError('not_found', `${rootArg}: no such file or folder`);
      } else {
        root = demoRoot = await ensureDemoRoot(userDataDir);
      }
      const staticDir = defaultStaticDir();
      if (!existsSync(join(staticDir, 'index.html'))) {
        process.stderr.write(
          `chat-inspector: the UI is not built (${staticDir} is missing); run "npm run build" first.\n`,
        );
      }
      const server = await startServer({
        roots: demoRoot ? [] : [root],
        demoRoot,
        port,
        userDataDir,
        staticDir,
      });
      process.stdout.write(`Chat Inspector is serving ${root} at ${server.url}\n`);
      process.stdout.write('Press Ctrl-C to stop.\n');
      if (opts.open) openInBrowser(server.url);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      process.stderr.write('Chat Inspector stopped.\n');
    });
}
