import { DEFAULT_LIST_ORDER, type FleetSort, type ListHealth } from '../../../shared/contract/index.ts';
import type { FindingCode } from '../../../shared/domain.ts';
import { createStore } from '../../app/store.ts';

/** The chat list's view state, kept across screens (coming back from a chat restores it). */
export interface ChatsUiState {
  sort: FleetSort;
  desc: boolean;
  /** Part of an id or a name. */
  search: string;
  health: ListHealth | 'all';
  level: string;
  code: FindingCode | '';
  /** Last active range (YYYY-MM-DD, empty for open). */
  activeFrom: string;
  activeTo: string;
  /** Only chats not backed up for more than `notBackedUpDays` whole days (or with none known). */
  notBackedUp: boolean;
  notBackedUpDays: number;
  /** The highlighted row (keyboard), by chat id. */
  activeId: string | null;
  /** The chat opened last (the Chat tab returns to it). */
  lastChatId: string | null;
}

/** The list's filters, all off: what "clear filters" goes back to. */
export const NO_FILTERS = {
  search: '',
  health: 'all',
  level: '',
  code: '',
  activeFrom: '',
  activeTo: '',
  notBackedUp: false,
} as const satisfies Partial<ChatsUiState>;

export const chatsUi = createStore<ChatsUiState>({
  // As the app answers the first page before it is asked (shared defaultFirstPage).
  ...DEFAULT_LIST_ORDER,
  ...NO_FILTERS,
  // As `alerts --backup-max-days` by default.
  notBackedUpDays: 2,
  activeId: null,
  lastChatId: null,
});

/**
 * Chat ids of the list's loaded rows in the order the table shows them (for next/previous chat from the
 * chat screen). Not reactive: nothing needs to re-render for it.
 */
export const chatOrder: { current: string[] } = { current: [] };

/** The chat `step` places away from `chatId` in the list's current order (null at either end). */
export function neighbourChat(chatId: string, step: 1 | -1, fallbackOrder: string[]): string | null {
  const order = chatOrder.current.length > 0 ? chatOrder.current : fallbackOrder;
  const i = order.indexOf(chatId);
  if (i === -1) return order[0] ?? null;
  return order[i + step] ?? null;
}
