// Names of a data root's layout that every layer speaks (the CLI's tables, the store, the fleet index):
// plain constants, so a transport can word its output without reaching the store.

/**
 * The folders that may hold a root's chat folders, the current one first: the bot's project folder has
 * `data/chats/` from before its migration and `bot/data/chats/`, which the bot reads now (seed 000). The
 * root itself (`.`) comes last. A plain chat id means its copy in the first tree that holds it.
 */
export const CHAT_TREES = ['bot/data/chats', 'data/chats', 'chats'] as const;
export const ROOT_TREE = '.';

/** A tree's place in CHAT_TREES' order (the root itself last). */
export function treeRank(tree: string): number {
  const i = (CHAT_TREES as readonly string[]).indexOf(tree);
  return i === -1 ? CHAT_TREES.length : i;
}

/** A chat's message store, the file whose counts are "unknown" when it cannot be read. */
export const CONVERSATIONS_DB = 'conversations.db';
