import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SearchInput, type SearchHit } from '../../../shared/contract/fleet.ts';
import { AppError } from '../../../shared/errors.ts';
import { cliContext } from '../context.ts';
import { printOutput } from '../format/index.ts';
import { addInputArguments, addInputOptions, cliOption, inputFrom } from '../input-options.ts';
import { WorkersOption } from '../options.ts';
import { runJob } from '../invoke.ts';

interface SearchOpts {
  json?: boolean;
  workers?: string;
}

export function registerSearchCommands(program: Command): void {
  const command = program
    .command('search')
    .description(
      "every message of every chat whose text contains QUERY (case-insensitive, as SQLite's LIKE)",
    );
  addInputArguments(command, SearchInput, {
    root: 'data root (the folder holding chat_<id> folders, or the bot folder)',
    query: 'the text to look for',
  });
  addInputOptions(command, SearchInput, {
    tree: {
      placeholder: 'tree',
      help: 'only the copies in this chat tree of the root (e.g. data/chats); without it, a chat in two trees is searched in both',
    },
    role: { placeholder: 'role', help: 'only messages of the user or of the bot' },
    from: { placeholder: 'date', help: 'only messages on or after this date (YYYY-MM-DD)' },
    to: { placeholder: 'date', help: 'only messages up to the end of this date (YYYY-MM-DD)' },
    limit: { help: 'list at most this many hits (the total is always exact)' },
  })
    .option('--json', 'print JSON for scripts')
    .addOption(cliOption('--workers <n>', 'worker threads (0 = search in this thread)', WorkersOption))
    .action(async (rootArg: string, _query: string, opts: SearchOpts) => {
      const root = resolve(rootArg);
      if (!existsSync(root)) throw new AppError('not_found', `${rootArg}: no such folder`);
      if (!statSync(root).isDirectory())
        throw new AppError('invalid_input', `${rootArg}: is a file, not a data root`);
      const input = { ...inputFrom(command), root } as SearchInput;
      for (const name of ['from', 'to'] as const) {
        const value = input[name];
        if (value !== undefined && Number.isNaN(Date.parse(value.slice(0, 10))))
          throw new AppError('invalid_input', `--${name}: ${value} is not a date (YYYY-MM-DD)`);
      }
      const ctx = cliContext([root], {
        workers: opts.workers === undefined ? undefined : Number(opts.workers),
      });
      const hits: SearchHit[] = [];
      const result = await runJob(ctx, 'fleet.search', input, {
        label: 'Searching',
        onEvent: (hit) => hits.push(hit),
      });
      await printOutput('fleet.search', { result, events: hits }, opts.json === true);
    });
}
