import type { ChatSummary, ScanSummary, SkippedEntry } from '../../shared/domain.ts';
import type { HandlerContext } from '../api/context.ts';
import { ownFileNotice } from '../fs/own-file.ts';
import { runJob, runQuery } from './invoke.ts';

/** A scan's result with its rows read as they are used (from the index: a page at a time). */
export interface ScanRows {
  root: string;
  chats: AsyncIterable<ChatSummary>;
  skipped: SkippedEntry[];
  /**
   * Chats whose counts are not the whole chat's: 0 there means "could not be read", not "no messages".
   * Complete once `chats` has been read.
   */
  incomplete: Map<string, 'partial' | 'unread'>;
  /** The totals and trees, once the rows have been read. */
  summary: () => Promise<ScanSummary>;
}

/** Rows asked of the index at once: a page in memory, never the whole root. */
const PAGE_ROWS = 1000;

/**
 * `scan ROOT`: refreshes the root's fleet index (only new and changed chats are read), then hands `use`
 * its rows a page at a time (fleet.page), so 100,000 chats are never all in memory at once; with
 * `useIndex` false, a full pass (chats.scan) that neither reads nor writes the index — also when the
 * index cannot be used or made (a read-only folder), said in one line on stderr.
 */
export async function withScan<T>(
  root: string,
  ctx: HandlerContext,
  useIndex: boolean,
  use: (scan: ScanRows) => T | Promise<T>,
): Promise<T> {
  if (useIndex) {
    const index = await runQuery(ctx, 'fleet.open', { root });
    if (index.usable) return use(await indexedScan(root, ctx));
    ownFileNotice(
      `${index.reason ?? 'the fleet index cannot be used'}; every chat is read instead, as with --no-index`,
    );
  }
  const rows: ChatSummary[] = [];
  const scan = await runJob(
    ctx,
    'chats.scan',
    { root, inOrder: true },
    {
      label: 'Scanning',
      onEvent: (row) => rows.push(row),
    },
  );
  const summary = scan.summary;
  if (!summary) throw new Error('chats.scan gave no summary');
  return use({
    root: scan.root,
    chats: (async function* () {
      yield* rows;
    })(),
    skipped: scan.skipped,
    incomplete: new Map((scan.incomplete ?? []).map((c) => [c.chatId, c.counts])),
    summary: () => Promise.resolve(inPrintedOrder(summary)),
  });
}

/** The index brought up to date, and its checked rows in the root's order, a page at a time. */
async function indexedScan(root: string, ctx: HandlerContext): Promise<ScanRows> {
  const refreshed = await runJob(ctx, 'fleet.refresh', { root }, { label: 'Scanning' });
  const incomplete = new Map<string, 'partial' | 'unread'>();
  async function* rows(): AsyncGenerator<ChatSummary> {
    let after: string | undefined;
    do {
      const page = await runQuery(ctx, 'fleet.page', {
        root,
        sort: 'chatId',
        // The rows a refresh could not check (cancelled midway) are not listed, as before.
        filter: { health: ['ok', 'warning', 'error'] },
        after,
        limit: PAGE_ROWS,
        lastBackups: false,
      });
      for (const { partial, unread, codes: _codes, lastBackup: _lastBackup, ...row } of page.rows) {
        if (partial) incomplete.set(row.chatId, unread ? 'unread' : 'partial');
        yield row as ChatSummary;
      }
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
  }
  return {
    root: refreshed.root,
    chats: rows(),
    skipped: refreshed.skipped,
    incomplete,
    summary: async () => inPrintedOrder((await runQuery(ctx, 'fleet.scanSummary', { root })).summary),
  };
}

/** The summary with its keys in the order `scan --json` has always printed them (the count first). */
function inPrintedOrder({ chats, ...rest }: ScanSummary): ScanSummary {
  return { chats, ...rest };
}

/** Text is handed to `write` in pieces of about this size. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The scan's JSON exactly as `JSON.stringify(result, null, 2)` prints it (the spec's shape), written a
 * few hundred rows at a time instead of built whole. `write` may return a promise (the reader is behind):
 * the next rows are read only once it settles, so a slow pipe does not make 100,000 rows wait in memory.
 */
export async function writeScanJson(
  scan: {
    root: string;
    chats: Iterable<ChatSummary> | AsyncIterable<ChatSummary>;
    skipped: SkippedEntry[];
    summary?: () => ScanSummary | Promise<ScanSummary>;
  },
  write: (text: string) => void | Promise<void>,
): Promise<void> {
  // JSON.stringify escapes newlines inside strings: every newline in its output is structure.
  const nested = (value: unknown, pad: string) => JSON.stringify(value, null, 2).replace(/\n/g, `\n${pad}`);
  let out = `{\n  "root": ${JSON.stringify(scan.root)},\n  "chats": [`;
  let rows = 0;
  for await (const chat of scan.chats) {
    out += `${rows === 0 ? '' : ','}\n    ${nested(chat, '    ')}`;
    rows++;
    if (out.length >= CHUNK_CHARS) {
      await write(out);
      out = '';
    }
  }
  out += rows === 0 ? ']' : '\n  ]';
  // The summary comes last: a reader of root, chats and skipped finds them as before.
  const summary = scan.summary ? `,\n  "summary": ${nested(await scan.summary(), '  ')}` : '';
  await write(`${out},\n  "skipped": ${nested(scan.skipped, '  ')}${summary}\n}\n`);
}
