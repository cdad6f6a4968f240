import type { Command } from 'commander';
import { resolve } from 'node:path';
import { operations } from '../../../shared/contract/index.ts';
import { AppError } from '../../../shared/errors.ts';
import { entryAt, notAFileMessage } from '../../fs/entry.ts';
import { isServerLocator, openSourceCommand } from './sources.ts';
import { ANY_SOURCE_HELP } from '../source-help.ts';
import { cliContext } from '../context.ts';
import { printOutput } from '../format/index.ts';
import { addInputOptions } from '../input-options.ts';
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
  const open = program
    .command('open')
    .description(
      'any source (a data root folder, an SQLite file, a postgres:// or mysql:// URL): detected kind (per-chat, user_history, duiliocode, clinic, generic...), tables, row counts',
    )
    .argument('<source>', ANY_SOURCE_HELP);
  addInputOptions(open, operations['locator.info'].input, {
    statementTimeoutMs: {
      flag: 'statement-timeout',
      placeholder: 'ms',
      help: 'server statement time limit in ms (default 5000)',
    },
    archive: {
      placeholder: 'dir',
      help: "a MySQL messaging database's cold archive folder (<company>/<YYYY-MM>.jsonl.gz)",
    },
  });
  open
    .option('--json', 'print JSON for scripts')
    .action(async (fileArg: string, opts: { json?: boolean; archive?: string }, command: Command) => {
      // Server URLs and data roots are Sources (locator.info); a file keeps its detailed view below.
      if (isServerLocator(fileArg) || entryAt(resolve(fileArg)).kind === 'directory')
        return openSourceCommand(command, fileArg, opts);
      const path = requireFilePath(fileArg);
      const info = await runQuery(cliContext([path]), 'file.open', { path, framework: true });
      await printOutput('file.open', info, opts.json === true);
    });
}
