import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AppError } from '../../../shared/errors.ts';
import { entryAt, notAFileMessage } from '../../fs/entry.ts';
import { isServerLocator, openSourceCommand } from './sources.ts';
import { ANY_SOURCE_HELP } from '../source-help.ts';
import { cliContext } from '../context.ts';
import { printOutput } from '../format/index.ts';
import { runQuery } from '../invoke.ts';

/**
 * A file path given on the command line: refuses what is missing, a folder, or anything else that is not
 * a regular file (a FIFO would hang the open, a link is never followed) before SQLite sees it.
 */
function requireFilePath(path: string): string {
  const full = resolve(path);
  const { kind } = entryAt(full);
  if (kind === 'missing') throw new AppError('not_found', `${path}: no such file`);
  if (kind === 'directory')
    throw new AppError(
      'invalid_input',
      `${path}: is a folder, not a database file (use "scan" for a data root)`,
    );
  if (kind !== 'file') throw new AppError('not_a_file', notAFileMessage(path, kind));
  return full;
}

export function registerOpenCommands(program: Command): void {
  program
    .command('open')
    .description(
      'any source (a data root folder, an SQLite file, a postgres:// or mysql:// URL): detected kind (per-chat, user_history, duiliocode, clinic, generic...), tables, row counts',
    )
    .argument('<source>', ANY_SOURCE_HELP)
    .option('--statement-timeout <ms>', 'server statement time limit in ms (default 5000)')
    .option(
      '--archive <dir>',
      "a MySQL messaging database's cold archive folder (<company>/<YYYY-MM>.jsonl.gz)",
    )
    .option('--json', 'print JSON for scripts')
    .action(
      async (fileArg: string, opts: { json?: boolean; statementTimeout?: string; archive?: string }) => {
        // Server URLs and data roots are Sources (main/sources); a file keeps its detailed view below.
        if (isServerLocator(fileArg) || entryAt(resolve(fileArg)).kind === 'directory')
          return openSourceCommand(fileArg, opts);
        const path = requireFilePath(fileArg);
        const info = await runQuery(cliContext([path]), 'file.open', { path, framework: true });
        await printOutput('file.open', info, opts.json === true);
      },
    );
}
