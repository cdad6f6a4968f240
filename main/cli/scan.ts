import { fleetTotalsOf, type ChatSummary, type ScanSummary, type SkippedEntry } from '../../shared/domain.ts';
import { treeRank } from '../store/layout.ts';
import { defaultUserDataDir } from '../config/paths.ts';
import { runCliJob } from './output.ts';
import { ownFileNotice } from '../fs/own-file.ts';
import { scanRoot } from '../store/scan.ts';
import type { WorkerPool } from '../workers/pool.ts';
import type { FleetIndex } from '../fleet/index.ts';
import { FleetIndexUnavailable } from '../fleet/index-db.ts';
import { refreshIndex } from '../fleet/refresh.ts';
import { closeFleetIndexes, fleetIndexFor } from '../fleet/registry.ts';

/** A scan's result with its rows read as they are used (from the index: a row at a time). */
export interface ScanRows {
  root: string;
  chats: Iterable<ChatSummary>;
  skipped: SkippedEntry[];
  /** Chats whose counts are not the whole chat's: 0 there means "could not be read", not "no messages". */
  incomplete: ReadonlyMap<string, 'partial' | 'unread'>;
  /** The totals and trees, once the rows have been read. */
  summary: () => ScanSummary;
}

/**
 * `scan ROOT`: refreshes the root's fleet index (only new and changed chats are read) and hands `use` its
 * rows straight from the index, so 100,000 chats are never all in memory at once; with `useIndex` false,
 * a full pass that neither reads nor writes the index — also when the index cannot be used or made (a
 * read-only folder), said in one line on stderr.
 */
export async function withScan<T>(
  root: string,
  pool: WorkerPool,
  useIndex: boolean,
  use: (scan: ScanRows) => T | Promise<T>,
): Promise<T> {
  let index: FleetIndex | null = null;
  if (useIndex) {
    try {
      index = fleetIndexFor(defaultUserDataDir(), root);
    } catch (error) {
      if (!(error instanceof FleetIndexUnavailable)) throw error;
      ownFileNotice(`${error.message}; every chat is read instead, as with --no-index`);
    }
  }
  if (!index) {
    const incomplete = new Map<string, 'partial' | 'unread'>();
    const queryMs = new Map<string, number | null>();
    const scan = await runCliJob('Scanning', (ctx) =>
      scanRoot(root, ctx, {
        pool,
        onVisit: (chatId, _findings, counts, ms) => {
          if (counts !== 'whole') incomplete.set(chatId, counts);
          queryMs.set(chatId, ms);
        },
      }),
    );
    const summary = (): ScanSummary => {
      const trees = new Map<string, number>();
      const add = (tree: string | undefined) => trees.set(tree ?? '.', (trees.get(tree ?? '.') ?? 0) + 1);
      for (const c of scan.chats) {
        add(c.tree);
        for (const copy of c.copies ?? []) add(copy.tree);
      }
      return {
        chats: scan.chats.length,
        ...fleetTotalsOf(
          scan.chats.map((c) => ({ sizeBytes: c.sizeBytes, queryMs: queryMs.get(c.chatId) ?? null })),
        ),
        trees: [...trees.entries()]
          .sort(([a], [b]) => treeRank(a) - treeRank(b))
          .map(([tree, chats]) => ({ tree, chats })),
        inMoreThanOneTree: scan.chats.filter((c) => c.copies && c.copies.length > 0).length,
      };
    };
    return use({ ...scan, incomplete, summary });
  }
  const opened = index;
  try {
    await runCliJob('Scanning', (ctx) => refreshIndex(opened, ctx, { pool }));
    // Awaited here: the index stays open until the last row has been handed on.
    return await use({
      root,
      chats: opened.iterateSummaries(),
      skipped: opened.skipped(),
      incomplete: opened.incompleteCounts(),
      summary: () => opened.scanSummary(),
    });
  } finally {
    closeFleetIndexes();
  }
}

/** Text is handed to `write` in pieces of about this size. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The scan's JSON exactly as `JSON.stringify(result, null, 2)` prints it (the spec's shape), written a
 * few hundred rows at a time instead of built whole. `write` may return a promise (the reader is behind):
 * the next rows are read only once it settles, so a slow pipe does not make 100,000 rows wait in memory.
 */
export async function writeScanJson(
  scan: Pick<ScanRows, 'root' | 'chats' | 'skipped'> & Partial<Pick<ScanRows, 'summary'>>,
  write: (text: string) => void | Promise<void>,
): Promise<void> {
  // JSON.stringify escapes newlines inside strings: every newline in its output is structure.
  const nested = (value: unknown, pad: string) => JSON.stringify(value, null, 2).replace(/\n/g, `\n${pad}`);
  let out = `{\n  "root": ${JSON.stringify(scan.root)},\n  "chats": [`;
  let rows = 0;
  for (const chat of scan.chats) {
    out += `${rows === 0 ? '' : ','}\n    ${nested(chat, '    ')}`;
    rows++;
    if (out.length >= CHUNK_CHARS) {
      await write(out);
      out = '';
    }
  }
  out += rows === 0 ? ']' : '\n  ]';
  // The summary comes last: a reader of root, chats and skipped finds them as before.
  const summary = scan.summary ? `,\n  "summary": ${nested(scan.summary(), '  ')}` : '';
  await write(`${out},\n  "skipped": ${nested(scan.skipped, '  ')}${summary}\n}\n`);
}
