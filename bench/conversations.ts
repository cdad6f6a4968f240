import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// Every store kind, registered once, as each entry point does (the per-chat root is one of them).
import '../main/kinds/index.ts';
import { closeFleetIndexes } from '../main/fleet/registry.ts';
import { openSource } from '../main/sources/index.ts';
import type { Source } from '../main/sources/types.ts';
import { BENCH_DIR, benchRoot, timeIt } from './common.ts';

/** The target for one conversations page of a 10,000-chat root, index warm. */
const PAGE_TARGET_MS = 50;
const PAGE_SIZE = 50;

/**
 * `conversations ROOT` through the per-chat root Source, which lists from the root's fleet index:
 *   - the first open (the index is built: every chat read once)
 *   - a reopen with nothing changed (the refresh finds nothing to read)
 *   - the first page, and a page further on by its cursor, index warm          target < 50 ms
 *   - a search page (id or name contains)
 *   - the baseline: the same first page with no index (every chat opened and counted, as before the index)
 */
export async function runConversationsBench(options: {
  chats: number;
  rounds?: number;
}): Promise<Record<string, number>> {
  const root = benchRoot(options.chats);
  const rounds = options.rounds ?? 5;
  const home = mkdtempSync(join(BENCH_DIR, 'conversations-home-'));
  const best = (values: number[]) => Math.min(...values);
  let source: Source | null = null;
  try {
    const firstOpen = await timeIt(() => openSource(root, { mappingHome: home }));
    await firstOpen.value.close();
    const reopen: number[] = [];
    const firstPage: number[] = [];
    const laterPage: number[] = [];
    const searchPage: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const opened = await timeIt(() => openSource(root, { mappingHome: home }));
      reopen.push(opened.ms);
      source = opened.value;
      const first = await timeIt(() => source!.conversations({ limit: PAGE_SIZE }));
      firstPage.push(first.ms);
      // Ten pages in: the keyset cursor, not an offset.
      let after = first.value.next;
      for (let p = 0; p < 9 && after; p++)
        after = (await source.conversations({ limit: PAGE_SIZE, after })).next;
      laterPage.push(
        (await timeIt(() => source!.conversations({ limit: PAGE_SIZE, after: after ?? undefined }))).ms,
      );
      searchPage.push((await timeIt(() => source!.conversations({ limit: PAGE_SIZE, search: '12' }))).ms);
      await source.close();
      source = null;
    }
    // No index: a file where the own folder should be (the Source then reads every chat for each page).
    const noIndexHome = join(home, 'no-index');
    writeFileSync(noIndexHome, 'not a folder');
    const withoutIndex = await openSource(root, { mappingHome: noIndexHome });
    const everyChatPage = (await timeIt(() => withoutIndex.conversations({ limit: PAGE_SIZE }))).ms;
    await withoutIndex.close();
    const result = {
      firstOpenMs: firstOpen.ms,
      everyChatPageMs: everyChatPage,
      reopenMs: best(reopen),
      firstPageMs: best(firstPage),
      laterPageMs: best(laterPage),
      searchPageMs: best(searchPage),
      pageTargetRatio: Math.max(best(firstPage), best(laterPage)) / PAGE_TARGET_MS,
    };
    console.log(`conversations of a ${options.chats}-chat root from the fleet index (best of ${rounds})`);
    console.log(`  first open (index built)                      ${result.firstOpenMs.toFixed(0)} ms`);
    console.log(`  reopen, nothing changed (refresh)             ${result.reopenMs.toFixed(0)} ms`);
    console.log(
      `  first page of ${PAGE_SIZE}                            ${result.firstPageMs.toFixed(1)} ms`,
    );
    console.log(`  eleventh page (cursor)                        ${result.laterPageMs.toFixed(1)} ms`);
    console.log(`  search page                                   ${result.searchPageMs.toFixed(1)} ms`);
    console.log(
      `  baseline: first page reading every chat       ${result.everyChatPageMs.toFixed(0)} ms  (${(result.everyChatPageMs / result.firstPageMs).toFixed(0)}× the index page)`,
    );
    console.log(
      `  page / ${PAGE_TARGET_MS} ms target                           ${result.pageTargetRatio.toFixed(2)}× (target < 1)`,
    );
    return result;
  } finally {
    await source?.close();
    closeFleetIndexes();
    rmSync(home, { recursive: true, force: true });
  }
}
