import type {
  FleetFilter,
  FleetOverview,
  FleetPage,
  FleetRow,
  FleetSort,
  HealthCounts,
  ListHealth,
} from '../../shared/contract/fleet.ts';
import {
  newerTreeOf,
  roundMs,
  type ChatCopyActivity,
  type ScanSummary,
  type ChatSummary,
  type CountsReason,
  type Finding,
  type FindingCode,
  type SkippedEntry,
} from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import {
  lastBackupFrom,
  notBackedUpCutoff,
  notBackedUpFor,
  type VerifiedArchiveIndex,
} from '../backup/last-backup.ts';
import type { Database } from '../sqlite/driver.ts';
import type { WritableDb } from '../sqlite/write.ts';

type Statement = Database.Statement<unknown[]>;
import { ROOT_TREE, treeRank } from '../store/layout.ts';
import { indexPathFor, openIndexDb } from './index-db.ts';
import type { VisitOutcome } from './visit.ts';

const CEFR = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'];
const HEALTH_RANK: Record<ListHealth, number> = { unchecked: -1, ok: 0, warning: 1, error: 2 };

/** Accent- and case-insensitive text, as the list's search compares it. */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
}

function levelSort(level: string | null): number {
  if (!level) return 0;
  const i = CEFR.indexOf(level.trim().toUpperCase());
  return i === -1 ? 99 : i + 1;
}

const SORT_COLUMN: Record<FleetSort, string> = {
  chatId: 'id_sort',
  name: 'name_fold',
  level: 'level_sort',
  // Unknown counts are stored as -1 (below 0), so keyset paging compares numbers on a plain index.
  messages: 'messages',
  sessions: 'sessions',
  lastActive: 'last_active',
  sizeBytes: 'size_bytes',
  health: 'health_rank',
};

const ROW_COLUMNS =
  'chat_id, name, level, messages, sessions, last_active, size_bytes, health, partial, codes, locked, tree, copies, counts_reason';
type RowTuple = [
  string,
  string | null,
  string | null,
  number,
  number,
  string,
  number,
  string,
  number,
  string,
  string | null,
  string,
  string | null,
  string | null,
];
/** How many columns ROW_COLUMNS names (the rest of a selected row is the caller's). */
const ROW_WIDTH = 14;
const COUNTS_STATE = ['whole', 'partial', 'unread'] as const;
/** A count the index does not know (could not be read, or not read yet), sent as null. */
const UNKNOWN_COUNT = -1;

function toRow(r: RowTuple): FleetRow {
  const copies = r[12] ? (JSON.parse(r[12]) as ChatCopyActivity[]) : null;
  return {
    chatId: r[0],
    name: r[1],
    level: r[2],
    messages: r[3] < 0 ? null : r[3],
    sessions: r[4] < 0 ? null : r[4],
    counts: COUNTS_STATE[r[8]] ?? 'whole',
    countsReason: r[13] ? (JSON.parse(r[13]) as CountsReason) : null,
    lastActive: r[5] === '' ? null : r[5],
    sizeBytes: r[6],
    health: r[7] as ListHealth,
    partial: r[8] >= 1,
    unread: r[8] === 2,
    codes: JSON.parse(r[9]) as FindingCode[],
    ...(r[10] ? { locked: JSON.parse(r[10]) as { file: string; message: string } } : {}),
    tree: r[11],
    ...(copies
      ? {
          copies,
          newerIn: newerTreeOf([{ tree: r[11], lastActive: r[5] === '' ? null : r[5] }, ...copies]),
        }
      : {}),
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The day after an ISO date (an `activeTo` date includes its whole day). */
function endOf(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(`${value}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().replace('.000Z', 'Z');
}

/**
 * What the list's last backups are looked up in: the verified archives of the folders the app looks in
 * (read once per request; they change without any chat file changing) and the time it is.
 */
export interface BackupLookup {
  archives: VerifiedArchiveIndex;
  now: Date;
}

const NO_BACKUPS: BackupLookup = { archives: { byChat: new Map(), unknownChats: [] }, now: new Date(0) };

/**
 * "Not backed up for N days" in SQL, by lastBackupFrom's and notBackedUpFor's rules: a chat in a verified
 * archive by that archive's time, any other by metadata.json's last_backup, none known counting as not
 * backed up. The archives' part is decided here and passed as JSON lists of chat ids.
 */
function notBackedUpWhere(maxDays: number, lookup: BackupLookup): { sql: string; params: unknown[] } {
  const archived: string[] = [];
  const archivedLongAgo: string[] = [];
  for (const chatId of lookup.archives.byChat.keys()) {
    archived.push(chatId);
    if (notBackedUpFor(lastBackupFrom(lookup.archives, chatId, null), maxDays, lookup.now))
      archivedLongAgo.push(chatId);
  }
  return {
    // strftime: the stored time with milliseconds, so text order is time order against the cutoff's.
    sql: `(chat_id IN (SELECT value FROM json_each(?)) OR (chat_id NOT IN (SELECT value FROM json_each(?))
      AND (meta_last_backup IS NULL OR strftime('%Y-%m-%dT%H:%M:%fZ', meta_last_backup) <= ?)))`,
    params: [
      JSON.stringify(archivedLongAgo),
      JSON.stringify(archived),
      notBackedUpCutoff(maxDays, lookup.now).toISOString(),
    ],
  };
}

function whereOf(
  filter: FleetFilter,
  options: { health: boolean; backups?: BackupLookup },
): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.notBackedUpDays !== undefined) {
    const backups = notBackedUpWhere(filter.notBackedUpDays, options.backups ?? NO_BACKUPS);
    parts.push(backups.sql);
    params.push(...backups.params);
  }
  if (options.health && filter.health && filter.health.length > 0) {
    parts.push(`health IN (${filter.health.map(() => '?').join(', ')})`);
    params.push(...filter.health);
  }
  if (filter.level) {
    parts.push('level = ?');
    params.push(filter.level);
  }
  if (filter.code) {
    parts.push('chat_id IN (SELECT chat_id FROM chat_codes WHERE code = ?)');
    params.push(filter.code);
  }
  if (filter.activeFrom) {
    parts.push('last_active >= ?');
    params.push(filter.activeFrom);
  }
  if (filter.activeTo) {
    parts.push("last_active < ? AND last_active <> ''");
    params.push(endOf(filter.activeTo));
  }
  const text = filter.text ? foldText(filter.text) : '';
  if (text) {
    parts.push("(chat_id LIKE ? ESCAPE '\\' OR name_fold LIKE ? ESCAPE '\\')");
    const pattern = `%${escapeLike(text)}%`;
    params.push(pattern, pattern);
  }
  return { sql: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params };
}

function encodeCursor(value: unknown, chatId: string): string {
  return Buffer.from(JSON.stringify([value, chatId])).toString('base64url');
}

function decodeCursor(cursor: string): [string | number, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      (typeof v[0] === 'string' || typeof v[0] === 'number') &&
      typeof v[1] === 'string'
    )
      return [v[0], v[1]];
  } catch {
    // reported below
  }
  throw new AppError('invalid_input', 'the page cursor is not valid: start from the first page');
}

function decodeRecentCursor(cursor: string): [string | null, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      (v[0] === null || typeof v[0] === 'string') &&
      typeof v[1] === 'string'
    )
      return [v[0], v[1]];
  } catch {
    // reported below
  }
  throw new AppError(
    'invalid_input',
    'that cursor is not one this source gave out: start from the first page',
  );
}

export interface StoredState {
  chatId: string;
  identity: string;
  health: ListHealth;
  lastActive: string;
  inactive: boolean;
}

export interface PageRequest {
  sort: FleetSort;
  desc: boolean;
  filter: FleetFilter;
  after?: string;
  offset?: number;
  limit: number;
  /** Where each row's last backup is looked up (none: rows carry no lastBackup, and the filter knows no archive). */
  backups?: BackupLookup;
}

/** The fleet index of one root (see index-db.ts for where it lives and how it is kept sound). */
export class FleetIndex {
  readonly root: string;
  readonly path: string;
  readonly rebuilt: boolean;
  private readonly db: WritableDb;
  /** Statements compiled once: a prepare per call would hold native memory per chat until GC. */
  private readonly statements = new Map<string, Statement>();

  constructor(userDataDir: string, root: string) {
    this.root = root;
    this.path = indexPathFor(userDataDir, root);
    const opened = openIndexDb(this.path, root, userDataDir);
    this.db = opened.db;
    this.rebuilt = opened.rebuilt;
  }

  close(): void {
    this.db.close();
  }

  private stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      // The list's filters make a few SQL texts each; the cache is bounded all the same.
      if (this.statements.size > 256) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * The chats after `after` (by chat id, as SQLite orders text) with what decides whether each must be read
   * again, `limit` at a time: a refresh walks the index beside the root's listing without holding either
   * whole twice (100,000 chats are a few tens of MB as JavaScript objects).
   */
  statesAfter(after: string | null, limit: number): StoredState[] {
    const rows = this.stmt(
      `SELECT chat_id, identity, health, last_active, instr(codes, '"inactive"') > 0 FROM chats
         WHERE chat_id > ? ORDER BY chat_id LIMIT ?`,
    )
      .raw()
      // '' sorts before every id.
      .all(after ?? '', limit) as [string, string, ListHealth, string, number][];
    return rows.map(([chatId, identity, health, lastActive, inactive]) => ({
      chatId,
      identity,
      health,
      lastActive,
      inactive: inactive === 1,
    }));
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** A chat found in the root but not read yet: listed at once, as `unchecked`. */
  addUnchecked(chatId: string, tree: string): void {
    this.stmt(
      `INSERT OR IGNORE INTO chats (chat_id, id_sort, name, name_fold, level, level_sort, messages, sessions,
           last_active, size_bytes, health, health_rank, partial, codes, findings, identity, checked_at, tree)
         VALUES (?, ?, NULL, '', NULL, 0, -1, -1, '', 0, 'unchecked', ?, 0, '[]', '[]', '', NULL, ?)`,
    ).run(chatId, Number(chatId), HEALTH_RANK.unchecked, tree);
  }

  /** A chat whose files changed: its old figures stay visible, its health says it is not checked. */
  markUnchecked(chatId: string): void {
    this.stmt(`UPDATE chats SET health = 'unchecked', health_rank = ? WHERE chat_id = ?`).run(
      HEALTH_RANK.unchecked,
      chatId,
    );
  }

  remove(chatId: string): void {
    this.stmt('DELETE FROM chats WHERE chat_id = ?').run(chatId);
    this.stmt('DELETE FROM chat_codes WHERE chat_id = ?').run(chatId);
  }

  /** The results of visits, in one transaction. */
  writeVisits(visits: { chatId: string; outcome: VisitOutcome }[], checkedAt: string): void {
    const upsert = this.stmt(
      `INSERT OR REPLACE INTO chats (chat_id, id_sort, name, name_fold, level, level_sort, messages, sessions,
         last_active, size_bytes, health, health_rank, partial, codes, findings, identity, checked_at, locked,
         tree, copies, query_ms, meta_last_backup, counts_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const dropCodes = this.stmt('DELETE FROM chat_codes WHERE chat_id = ?');
    const addCode = this.stmt('INSERT OR IGNORE INTO chat_codes (code, chat_id) VALUES (?, ?)');
    this.transaction(() => {
      for (const { chatId, outcome } of visits) {
        dropCodes.run(chatId);
        const s = outcome.summary;
        const codes = [...new Set(outcome.findings.map((f) => f.code))];
        upsert.run(
          chatId,
          Number(chatId),
          s.name,
          foldText(s.name ?? ''),
          s.level,
          levelSort(s.level),
          s.messages ?? UNKNOWN_COUNT,
          s.sessions ?? UNKNOWN_COUNT,
          s.lastActive ?? '',
          s.sizeBytes,
          s.health,
          HEALTH_RANK[s.health],
          COUNTS_STATE.indexOf(s.counts),
          JSON.stringify(codes),
          JSON.stringify(outcome.findings),
          outcome.identity,
          checkedAt,
          s.locked ? JSON.stringify(s.locked) : null,
          s.tree ?? ROOT_TREE,
          s.copies ? JSON.stringify(s.copies) : null,
          outcome.queryMs,
          outcome.metadataLastBackup ?? null,
          s.countsReason ? JSON.stringify(s.countsReason) : null,
        );
        for (const code of codes) addCode.run(code, chatId);
      }
    });
  }

  setSkipped(entries: readonly SkippedEntry[]): void {
    this.transaction(() => {
      this.stmt('DELETE FROM skipped').run();
      const add = this.stmt('INSERT OR REPLACE INTO skipped (path, code, reason) VALUES (?, ?, ?)');
      for (const e of entries) add.run(e.path, e.code, e.reason);
    });
  }

  setMeta(key: string, value: string): void {
    this.stmt('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  meta(key: string): string | null {
    return (this.stmt('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string) ?? null;
  }

  counts(filter: FleetFilter = {}, backups?: BackupLookup): HealthCounts {
    const where = whereOf(filter, { health: false, backups });
    const counts: HealthCounts = { ok: 0, warning: 0, error: 0, unchecked: 0 };
    const rows = this.stmt(`SELECT health, count(*) FROM chats ${where.sql} GROUP BY health`)
      .raw()
      .all(...where.params) as [ListHealth, number][];
    for (const [h, n] of rows) counts[h] = n;
    return counts;
  }

  /** One page of the list, keyset-paged on (sort column, chat id). */
  page(request: PageRequest): FleetPage {
    const column = SORT_COLUMN[request.sort];
    const dir = request.desc ? 'DESC' : 'ASC';
    const backups = request.backups;
    const where = whereOf(request.filter, { health: true, backups });
    const total = this.stmt(`SELECT count(*) FROM chats ${where.sql}`)
      .pluck()
      .get(...where.params) as number;
    const parts = where.sql ? [where.sql.slice('WHERE '.length)] : [];
    const params = [...where.params];
    let offset = 0;
    if (request.after) {
      const [value, chatId] = decodeCursor(request.after);
      parts.push(`(${column}, chat_id) ${request.desc ? '<' : '>'} (?, ?)`);
      params.push(value, chatId);
    } else if (request.offset) {
      offset = request.offset;
    }
    const sql = `SELECT ${ROW_COLUMNS}, ${column}, meta_last_backup FROM chats ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''}
      ORDER BY ${column} ${dir}, chat_id ${dir} LIMIT ? OFFSET ?`;
    const raw = this.stmt(sql)
      .raw()
      .all(...params, request.limit, offset) as [...RowTuple, string | number, string | null][];
    const last = raw[raw.length - 1];
    return {
      rows: raw.map((r) => {
        const row = toRow(r.slice(0, ROW_WIDTH) as RowTuple);
        // Looked up only when the caller gave where (the app's list); absent otherwise, as in ChatDetail.
        if (backups)
          row.lastBackup = lastBackupFrom(backups.archives, r[0], r[ROW_WIDTH + 1] as string | null);
        return row;
      }),
      total,
      nextCursor: last && raw.length === request.limit ? encodeCursor(last[ROW_WIDTH], last[0]) : null,
    };
  }

  /**
   * The chats most recently active first, then by id (the order every Source lists conversations in),
   * keyset-paged on (last activity, chat id); `text` as the list's search (id or name, accents and case
   * aside). The cursor is the Source's: base64url of [lastActivity or null, chatId].
   */
  recentPage(request: { text?: string | undefined; after?: string | undefined; limit: number }): {
    rows: FleetRow[];
    next: string | null;
  } {
    const where = whereOf({ text: request.text }, { health: false });
    const parts = where.sql ? [where.sql.slice('WHERE '.length)] : [];
    const params = [...where.params];
    if (request.after) {
      const [value, chatId] = decodeRecentCursor(request.after);
      // A chat never active is stored as '' and comes last, as null does in compareConversations.
      parts.push('(last_active < ? OR (last_active = ? AND chat_id > ?))');
      params.push(value ?? '', value ?? '', chatId);
    }
    const raw = this.stmt(
      `SELECT ${ROW_COLUMNS} FROM chats ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''}
        ORDER BY last_active DESC, chat_id ASC LIMIT ?`,
    )
      .raw()
      .all(...params, request.limit + 1) as RowTuple[];
    const rows = raw.slice(0, request.limit).map(toRow);
    const last = rows[rows.length - 1];
    return {
      rows,
      next: raw.length > request.limit && last ? encodeCursor(last.lastActive, last.chatId) : null,
    };
  }

  overview(filter: FleetFilter = {}, backups?: BackupLookup): FleetOverview {
    const counts = this.counts(filter, backups);
    const levels = this.stmt(
      'SELECT DISTINCT level FROM chats WHERE level IS NOT NULL ORDER BY level_sort, level',
    )
      .pluck()
      .all() as string[];
    const codes = this.stmt(
      'SELECT code, count(*) FROM chat_codes GROUP BY code ORDER BY count(*) DESC, code',
    )
      .raw()
      .all() as [FindingCode, number][];
    const skipped = this.stmt('SELECT path, code, reason FROM skipped ORDER BY path').all() as SkippedEntry[];
    return {
      total: counts.ok + counts.warning + counts.error + counts.unchecked,
      counts,
      levels,
      codes: codes.map(([code, chats]) => ({ code, chats })),
      skipped,
      refreshedAt: this.meta('refreshedAt'),
      ...this.treeCounts(''),
    };
  }

  chat(chatId: string): { row: FleetRow | null; findings: Finding[]; checkedAt: string | null } {
    const r = this.stmt(`SELECT ${ROW_COLUMNS}, findings, checked_at FROM chats WHERE chat_id = ?`)
      .raw()
      .get(chatId) as [...RowTuple, string, string | null] | undefined;
    if (!r) return { row: null, findings: [], checkedAt: null };
    return {
      row: toRow(r.slice(0, ROW_WIDTH) as RowTuple),
      findings: JSON.parse(r[ROW_WIDTH]) as Finding[],
      checkedAt: r[ROW_WIDTH + 1] as string | null,
    };
  }

  /** The identity of the chat's files when it was last read (null when the index does not hold it). */
  identityOf(chatId: string): string | null {
    return (this.stmt('SELECT identity FROM chats WHERE chat_id = ?').pluck().get(chatId) as string) ?? null;
  }

  /** Every checked row in the root's order (the CLI's `scan --json`). */
  /** The checked chats' rows in id order, read one at a time (the index is busy until the end). */
  *iterateSummaries(): Generator<ChatSummary> {
    const rows = this.stmt(
      `SELECT ${ROW_COLUMNS} FROM chats WHERE health <> 'unchecked' ORDER BY id_sort, chat_id`,
    )
      .raw()
      .iterate() as IterableIterator<RowTuple>;
    for (const r of rows) {
      const { partial: _p, unread: _u, codes: _c, ...summary } = toRow(r);
      yield summary as ChatSummary;
    }
  }

  /** The checked chats' totals, trees and chats found in more than one tree (`scan --json`'s summary). */
  scanSummary(): ScanSummary {
    const [chats, totalBytes, averageQueryMs, timedChats] = this.stmt(
      `SELECT count(*), coalesce(sum(size_bytes), 0), avg(query_ms), count(query_ms) FROM chats
         WHERE health <> 'unchecked'`,
    )
      .raw()
      .get() as [number, number, number | null, number];
    return {
      chats,
      totalBytes,
      averageQueryMs: roundMs(averageQueryMs),
      timedChats,
      ...this.treeCounts("WHERE health <> 'unchecked'"),
    };
  }

  /** The chat trees of the rows `where` selects, with their chats (copies included), the current first. */
  private treeCounts(where: string): Pick<ScanSummary, 'trees' | 'inMoreThanOneTree'> {
    const trees = new Map<string, number>();
    for (const [tree, n] of this.stmt(`SELECT tree, count(*) FROM chats ${where} GROUP BY tree`)
      .raw()
      .all() as [string, number][])
      trees.set(tree, n);
    const withCopies = this.stmt(
      `SELECT copies FROM chats ${where ? `${where} AND` : 'WHERE'} copies IS NOT NULL`,
    )
      .pluck()
      .all() as string[];
    for (const copies of withCopies)
      for (const c of JSON.parse(copies) as ChatCopyActivity[])
        trees.set(c.tree, (trees.get(c.tree) ?? 0) + 1);
    return {
      trees: [...trees.entries()]
        .sort(([a], [b]) => treeRank(a) - treeRank(b))
        .map(([tree, n]) => ({ tree, chats: n })),
      inMoreThanOneTree: withCopies.length,
    };
  }

  /** The chats whose counts are not the whole chat's (see CountsRead), for the CLI's table. */
  incompleteCounts(): Map<string, 'partial' | 'unread'> {
    const rows = this.stmt("SELECT chat_id, partial FROM chats WHERE partial >= 1 AND health <> 'unchecked'")
      .raw()
      .all() as [string, number][];
    return new Map(rows.map(([chatId, partial]) => [chatId, partial === 2 ? 'unread' : 'partial']));
  }

  skipped(): SkippedEntry[] {
    return this.stmt('SELECT path, code, reason FROM skipped ORDER BY path').all() as SkippedEntry[];
  }
}
