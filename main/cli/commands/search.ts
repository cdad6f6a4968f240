import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SearchInput, type SearchHit } from '../../../shared/contract/fleet.ts';
import { AppError } from '../../../shared/errors.ts';
import { searchRoot } from '../../fleet/search.ts';
import { WorkerPool, sharedPool } from '../../workers/pool.ts';
import { printJson, runCliJob, table } from '../output.ts';
import { treeNamed } from '../../store/layout.ts';

interface SearchOpts {
  tree?: string;
  role?: string;
  from?: string;
  to?: string;
  limit?: string;
  json?: boolean;
  workers?: string;
}

export function registerSearchCommands(program: Command): void {
  program
    .command('search')
    .description("every message of every chat whose text contains QUERY (case-insensitive, as SQLite's LIKE)")
    .argument('<root>', 'data root (the folder holding chat_<id> folders, or the bot folder)')
    .argument('<query>', 'the text to look for')
    .option(
      '--tree <tree>',
      'only the copies in this chat tree of the root (e.g. data/chats); without it, a chat in two trees is searched in both',
    )
    .option('--role <role>', 'only messages of the user or of the bot (user|bot)')
    .option('--from <date>', 'only messages on or after this date (YYYY-MM-DD)')
    .option('--to <date>', 'only messages up to the end of this date (YYYY-MM-DD)')
    .option('--limit <n>', 'list at most this many hits (the total is always exact)', '1000')
    .option('--json', 'print JSON for scripts')
    .option('--workers <n>', 'worker threads (0 = search in this thread)')
    .action(async (rootArg: string, query: string, opts: SearchOpts) => {
      const root = resolve(rootArg);
      if (!existsSync(root)) throw new AppError('not_found', `${rootArg}: no such folder`);
      if (!statSync(root).isDirectory())
        throw new AppError('invalid_input', `${rootArg}: is a file, not a data root`);
      const limit = Number(opts.limit);
      const parsed = SearchInput.safeParse({
        root,
        query,
        role: opts.role,
        from: opts.from,
        to: opts.to,
        limit: /^\d+$/.test(opts.limit ?? '') ? limit : Number.NaN,
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const what = issue.path.join('.') || 'input';
        throw new AppError('invalid_input', `--${what === 'query' ? 'query' : what}: ${issue.message}`);
      }
      for (const [name, value] of [
        ['from', opts.from],
        ['to', opts.to],
      ] as const) {
        if (value !== undefined && Number.isNaN(Date.parse(value.slice(0, 10))))
          throw new AppError('invalid_input', `--${name}: ${value} is not a date (YYYY-MM-DD)`);
      }
      if (opts.tree !== undefined) treeNamed(root, opts.tree);
      const pool = opts.workers === undefined ? sharedPool() : new WorkerPool(Number(opts.workers));
      const hits: SearchHit[] = [];
      const input = parsed.data;
      const summary = await runCliJob(
        'Searching',
        (ctx) =>
          searchRoot(
            root,
            {
              query,
              role: input.role,
              from: input.from,
              to: input.to,
              limit: input.limit,
              ...(opts.tree !== undefined ? { tree: opts.tree } : {}),
            },
            ctx,
            pool,
          ),
        (hit: SearchHit) => hits.push(hit),
      );
      if (opts.json) {
        return printJson({
          query: summary.query,
          chatsSearched: summary.chatsSearched,
          totalHits: summary.totalHits,
          hits,
        });
      }
      if (hits.length > 0) {
        const withTree = hits.some((h) => h.tree !== undefined);
        console.log(
          table(
            ['CHAT', ...(withTree ? ['TREE'] : []), 'MESSAGE', 'TIME', 'ROLE', 'TEXT'],
            hits.map((h) => [
              h.chatId,
              ...(withTree ? [h.tree ?? ''] : []),
              String(h.messageId),
              h.timestamp?.slice(0, 16).replace('T', ' ') ?? '—',
              h.role,
              h.snippet,
            ]),
          ),
        );
        console.log('');
      }
      const shown = summary.capped ? ` (first ${hits.length} listed; --limit for more)` : '';
      console.log(`${summary.totalHits} hits in ${summary.chatsSearched} chats${shown}`);
    });
}
