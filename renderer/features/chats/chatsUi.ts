import type { ColumnFiltersState, SortingState } from '@tanstack/react-table';
import type { Health } from '../../../shared/domain.ts';
import { createStore } from '../../app/store.ts';

/** The chat list's view state, kept across screens (coming back from a chat restores it). */
export interface ChatsUiState {
  sorting: SortingState;
  search: string;
  health: Health | 'all';
  columnFilters: ColumnFiltersState;
  /** The highlighted row (keyboard), by chat id. */
  activeId: string | null;
  /** Chat ids in the order the table shows them now (for next/previous chat from the chat screen). */
  order: string[];
  /** The chat opened last (the Chat tab returns to it). */
  lastChatId: string | null;
}

export const chatsUi = createStore<ChatsUiState>({
  sorting: [{ id: 'lastActive', desc: true }],
  search: '',
  health: 'all',
  columnFilters: [],
  activeId: null,
  order: [],
  lastChatId: null,
});

/** The chat `step` places away from `chatId` in the list's current order (null at either end). */
export function neighbourChat(chatId: string, step: 1 | -1, fallbackOrder: string[]): string | null {
  const order = chatsUi.get().order.length > 0 ? chatsUi.get().order : fallbackOrder;
  const i = order.indexOf(chatId);
  if (i === -1) return order[0] ?? null;
  return order[i + step] ?? null;
}
