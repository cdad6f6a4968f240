import type { Formatters } from './index.ts';
import { table } from '../output.ts';

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
