import type { Formatters } from './types.ts';
import type { ChatSummary, ScanResult } from '../../../shared/domain.ts';
import { CONVERSATIONS_DB, ROOT_TREE, treeRank } from '../../../shared/chat-layout.ts';
import { formatBytes, table } from '../output.ts';

export const fleetFormats = {
  'fleet.search': {
    // The documented shape of `search --json`: the summary's figures, then every hit sent.
    json: ({ result, events }) => ({
      query: result.query,
      chatsSearched: result.chatsSearched,
      totalHits: result.totalHits,
      hits: events,
    }),
    human: ({ result, events: hits }) => {
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
      const shown = result.capped ? ` (first ${hits.length} listed; --limit for more)` : '';
      console.log(`${result.totalHits} hits in ${result.chatsSearched} chats${shown}`);
    },
  },
} satisfies Formatters;

/** The TREE column: the tree, and for a chat in several trees the other ones and which copy is newer. */
function treeText(c: ChatSummary): string {
  const tree = c.tree ?? ROOT_TREE;
  if (!c.copies || c.copies.length === 0) return tree;
  const newer = c.newerIn ? `, newer in ${c.newerIn}` : '';
  return `${tree} (also ${c.copies.map((k) => k.tree).join(', ')}${newer})`;
}

/**
 * `scan` without --json: the chat list as a table, then counts, locked files and skipped entries. Counts
 * that could not be read are "—" ("locked" for a locked file), never 0; counts read from a damaged file
 * are marked partial.
 */
export function printScanTable(
  result: ScanResult,
  incomplete: ReadonlyMap<string, 'partial' | 'unread'>,
): void {
  const countText = (c: ChatSummary, n: number | null): string => {
    if (c.locked?.file === CONVERSATIONS_DB) return 'locked';
    // The row's own counts state (the list's), or what the pass said of it.
    const counts = c.counts && c.counts !== 'whole' ? c.counts : (incomplete.get(c.chatId) ?? 'whole');
    if (counts === 'unread' || n === null) return '—';
    return counts === 'partial' ? `${n} (partial)` : String(n);
  };
  // A root with more than one chat tree (seed 000's bot folder) says in which each chat lives.
  const trees = new Set(
    result.chats
      .flatMap((c) => [c.tree ?? ROOT_TREE, ...(c.copies ?? []).map((k) => k.tree)])
      .sort((a, b) => treeRank(a) - treeRank(b)),
  );
  const withTree = trees.size > 1;
  const rows = result.chats.map((c) => {
    const row = [
      c.chatId,
      c.name ?? '—',
      c.level ?? '—',
      countText(c, c.messages),
      countText(c, c.sessions),
      c.lastActive?.slice(0, 16).replace('T', ' ') ?? '—',
      formatBytes(c.sizeBytes),
      c.locked ? `${c.health} (locked)` : c.health,
    ];
    if (withTree) row.push(treeText(c));
    return row;
  });
  const headers = ['CHAT', 'NAME', 'LEVEL', 'MESSAGES', 'SESSIONS', 'LAST ACTIVE', 'SIZE', 'HEALTH'];
  console.log(table(withTree ? [...headers, 'TREE'] : headers, rows));
  const counts = { ok: 0, warning: 0, error: 0 };
  for (const c of result.chats) counts[c.health]++;
  console.log(
    `\n${result.chats.length} chats (${counts.ok} ok, ${counts.warning} warning, ${counts.error} error)`,
  );
  if (result.chats.some((c) => c.counts === 'partial') || [...incomplete.values()].includes('partial'))
    console.log('(partial): what could be read of a damaged conversations.db, not the whole chat');
  for (const c of result.chats) if (c.locked) console.log(`locked ${c.chatId}: ${c.locked.message}`);
  if (withTree) {
    const both = result.chats.filter((c) => c.copies && c.copies.length > 0);
    console.log(
      `chat trees: ${[...trees].join(', ')}; ${both.length} chat(s) in more than one tree, listed once from the current tree's copy (read another copy with show --tree)`,
    );
  }
  for (const s of result.skipped) console.log(`skipped ${s.path}: ${s.reason}`);
}
