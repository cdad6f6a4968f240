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
  /** The chat opened last (the Chat tab returns to it). */
  lastChatId: string | null;
}

export const chatsUi = createStore<ChatsUiState>({
  sorting: [{ id: 'lastActive', desc: true }],
  search: '',
  health: 'all',
  columnFilters: [],
  activeId: null,
  lastChatId: null,
});

/**
 * Chat ids in the order the table shows them now (for next/previous chat from the chat screen). Not part
 * of the reactive state: it changes with every streamed batch and nothing needs to re-render for it.
 */
export const chatOrder: { current: string[] } = { current: [] };

/** The chat `step` places away from `chatId` in the list's current order (null at either end). */
export function neighbourChat(chatId: string, step: 1 | -1, fallbackOrder: string[]): string | null {
  const order = chatOrder.current.length > 0 ? chatOrder.current : fallbackOrder;
  const i = order.indexOf(chatId);
  if (i === -1) return order[0] ?? null;
  return order[i + step] ?? null;
}
