import { z } from 'zod';
import {
  ChatSummary,
  Finding,
  FindingCode,
  LastBackup,
  MessageRole,
  ScanSummary,
  SkippedEntry,
} from '../domain.ts';
import { ChatTreeInput } from './browse.ts';
import { job, query } from './define.ts';
import { ChatId, PathInput, pageLimit } from './primitives.ts';

// The fleet index: every chat of a root with its figures and quick-check findings, kept in Chat
// Inspector's own folder so reopening a root lists it at once. The list is served from it page by page
// (sorted, filtered, searched by id or name in SQL), and a search runs across every chat's messages.

/**
 * A row's health in the list: `unchecked` while the chat has not been visited yet (new, or its files
 * changed since it was checked). `scan --json` only prints checked rows, so it keeps ok|warning|error.
 */
export const ListHealth = z.enum(['ok', 'warning', 'error', 'unchecked']);
export type ListHealth = z.infer<typeof ListHealth>;

export const FleetRow = ChatSummary.extend({
  health: ListHealth,
  /** The counts are what could be read from a damaged or unreadable conversations.db, not the whole chat. */
  partial: z.boolean(),
  /** conversations.db could not be read at all: messages and sessions are unknown, not 0. */
  unread: z.boolean(),
  /** The codes of the chat's findings (the list's finding filter). */
  codes: z.array(FindingCode),
  /**
   * Its last backup, as `show` and `alerts` have it: the newest verified archive in the folders the app
   * looks in, else metadata.json's last_backup; null: none known. Only fleet.page looks it up.
   */
  lastBackup: LastBackup.nullable().optional(),
});
export type FleetRow = z.infer<typeof FleetRow>;

export const FleetSort = z.enum([
  'chatId',
  'name',
  'level',
  'messages',
  'sessions',
  'lastActive',
  'sizeBytes',
  'health',
]);
export type FleetSort = z.infer<typeof FleetSort>;

/** The chat list as it opens: most recently active first, a few screenfuls per page. */
export const LIST_PAGE_ROWS = 200;
export const DEFAULT_LIST_ORDER: { sort: FleetSort; desc: boolean } = { sort: 'lastActive', desc: true };

/** The chat list's first page as it opens on a root (the app answers it before the page asks; see boot). */
export function defaultFirstPage(root: string) {
  return { root, ...DEFAULT_LIST_ORDER, filter: {}, limit: LIST_PAGE_ROWS };
}

const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}/, 'a date is YYYY-MM-DD')
  .max(40);

export const FleetFilter = z.object({
  health: z.array(ListHealth).max(4).optional(),
  level: z.string().max(100).optional(),
  code: FindingCode.optional(),
  /** Last active on or after this date (ISO date or datetime). */
  activeFrom: IsoDate.optional(),
  /** Last active before the end of this date (ISO date) or before this datetime. */
  activeTo: IsoDate.optional(),
  /** Part of the chat id or of the name (case- and accent-insensitive). */
  text: z.string().max(200).optional(),
  /** Not backed up for more than this many whole days, or no backup known (alerts' rule). */
  notBackedUpDays: z.number().int().min(0).max(36_500).optional(),
});
export type FleetFilter = z.infer<typeof FleetFilter>;

export const HealthCounts = z.object({
  ok: z.number().int(),
  warning: z.number().int(),
  error: z.number().int(),
  unchecked: z.number().int(),
});
export type HealthCounts = z.infer<typeof HealthCounts>;

export const FleetPage = z.object({
  rows: z.array(FleetRow),
  /** Rows matching the filter (the list's length). */
  total: z.number().int(),
  /** Pass back as `after` for the page that follows; null at the end. */
  nextCursor: z.string().nullable(),
});
export type FleetPage = z.infer<typeof FleetPage>;

export const FleetOverview = z.object({
  /** Every chat in the index, and how many of each health (the filter's other criteria applied). */
  total: z.number().int(),
  counts: HealthCounts,
  levels: z.array(z.string()),
  codes: z.array(z.object({ code: FindingCode, chats: z.number().int() })),
  skipped: z.array(SkippedEntry),
  /** When the index was last brought up to date with the root (null: never). */
  refreshedAt: z.string().nullable(),
  /** The root's chat trees, the current one first, with their chats (the list shows a tree column from two). */
  trees: ScanSummary.shape.trees.default([]),
  /** Chats in more than one tree (each listed once, from the current tree). */
  inMoreThanOneTree: z.number().int().default(0),
});
export type FleetOverview = z.infer<typeof FleetOverview>;

export const FleetRefreshResult = z.object({
  root: z.string(),
  total: z.number().int(),
  counts: HealthCounts,
  /** Chats read in this refresh (new or changed); the others were taken from the index as they were. */
  visited: z.number().int(),
  removed: z.number().int(),
  /** The index file was missing, damaged or foreign and was made again. */
  rebuilt: z.boolean(),
  skipped: z.array(SkippedEntry),
});
export type FleetRefreshResult = z.infer<typeof FleetRefreshResult>;

export const SearchHit = z.object({
  chatId: z.string(),
  /** The chat tree of the copy the message is in, when the root has more than one (every copy is searched). */
  tree: z.string().optional(),
  messageId: z.number().int(),
  timestamp: z.string().nullable(),
  role: MessageRole,
  snippet: z.string(),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchInput = z.object({
  root: PathInput,
  query: z.string().min(1).max(200),
  role: z.enum(['user', 'bot']).optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  /** How many hits are sent (totalHits is always exact). */
  limit: pageLimit(100_000, 1000),
  /** Only the copies in this chat tree of the root; every copy of every chat when absent. */
  tree: ChatTreeInput.optional(),
});
export type SearchInput = z.input<typeof SearchInput>;

export const SearchSummary = z.object({
  query: z.string(),
  chatsSearched: z.number().int(),
  totalHits: z.number().int(),
  /** True when more hits were found than were sent. */
  capped: z.boolean(),
});
export type SearchSummary = z.infer<typeof SearchSummary>;

export const fleetOperations = {
  // Runs on main: one refresh per index at a time is kept in this process's memory; the index is read and
  // written in a worker (main/api/steps.ts), each chat's visit in the pool.
  'fleet.refresh': job(
    "Bring the root's fleet index up to date: new or changed chats are read (figures and quick check in one visit), vanished ones dropped. Each event says how many rows were written since the last one; the rows themselves are read with fleet.page.",
    z.object({ root: PathInput }),
    z.object({ updated: z.number().int() }),
    FleetRefreshResult,
    { runs: 'main' },
  ),
  'fleet.page': query(
    'A page of the chat list from the fleet index: sorted, filtered, keyset-paged (`after`), or from a position (`offset`) for a jump.',
    z.object({
      root: PathInput,
      sort: FleetSort.default('chatId'),
      desc: z.boolean().default(false),
      filter: FleetFilter.default({}),
      after: z.string().max(1000).optional(),
      offset: z.number().int().min(0).optional(),
      limit: pageLimit(1000, 100),
      /** Look up each row's last backup (the list's column); false: rows without it, as `scan` prints them. */
      lastBackups: z.boolean().default(true),
    }),
    FleetPage,
  ),
  'fleet.open': query(
    "Open (or make) the root's fleet index: whether it can be used, and why not (a read-only folder, a link where it lives), instead of an error, so a caller can read every chat instead.",
    z.object({ root: PathInput }),
    z.object({ usable: z.boolean(), reason: z.string().nullable() }),
  ),
  'fleet.scanSummary': query(
    "The checked chats' totals, trees and chats in more than one tree from the fleet index, with the root's skipped entries (`scan --json`'s summary).",
    z.object({ root: PathInput }),
    z.object({ summary: ScanSummary, skipped: z.array(SkippedEntry) }),
  ),
  'fleet.overview': query(
    "The list's totals from the fleet index: counts per health, levels, finding codes, skipped entries.",
    z.object({ root: PathInput, filter: FleetFilter.default({}) }),
    FleetOverview,
  ),
  'fleet.chat': query(
    "One chat's row and quick-check findings from the fleet index (null when it has not been checked yet).",
    z.object({ root: PathInput, chatId: ChatId }),
    z.object({ row: FleetRow.nullable(), findings: z.array(Finding), checkedAt: z.string().nullable() }),
  ),
  'fleet.search': job(
    "Every message of every chat whose text contains the query (case-insensitive, as SQLite's LIKE), streamed as found.",
    SearchInput,
    SearchHit,
    SearchSummary,
  ),
} as const;
