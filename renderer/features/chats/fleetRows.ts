import { useEffect, useMemo, useSyncExternalStore } from 'react';
import {
  LIST_PAGE_ROWS,
  type FleetFilter,
  type FleetPage,
  type FleetRow,
  type FleetSort,
} from '../../../shared/contract/index.ts';
import { bootAnswerNow, call } from '../../api/index.ts';

/** Rows per request: a screenful many times over, far from the whole fleet. */
export const PAGE_ROWS = LIST_PAGE_ROWS;

export interface ListQuery {
  root: string;
  sort: FleetSort;
  desc: boolean;
  filter: FleetFilter;
}

/** First pages asked for before the list was on screen (see prefetchFirstPage), by query. */
const early = new Map<string, Promise<FleetPage>>();
/** Queries whose list already asked for its first page: prefetching them now would ask twice. */
const listed = new Set<string>();
/** First pages already at hand (index.html's answer): the list's first render shows them. */
const seeds = new Map<string, FleetPage>();

/** A query's first page known before the list is rendered (see seedFirstPage's callers). */
export function seedFirstPage(query: ListQuery, page: FleetPage): void {
  seeds.set(JSON.stringify(query), page);
}

function firstPageRequest(q: ListQuery) {
  return { root: q.root, sort: q.sort, desc: q.desc, filter: q.filter, limit: PAGE_ROWS };
}

/**
 * Asks for a query's first page now, before the list is rendered (the app's start): the list of that
 * query takes this answer instead of asking again.
 */
export function prefetchFirstPage(query: ListQuery): void {
  const key = JSON.stringify(query);
  if (early.has(key) || listed.has(key) || seeds.has(key)) return;
  // Answered in index.html: the list renders it at once, without waiting for a promise.
  const answered = bootAnswerNow('fleet.page', firstPageRequest(query));
  if (answered) return seedFirstPage(query, answered);
  const pending = call('fleet.page', firstPageRequest(query));
  pending.catch(() => early.delete(key));
  early.set(key, pending);
}

/**
 * The chat list's rows for one query, read page by page from the fleet index: only the pages around what
 * is visible are fetched, a page that follows a loaded one by its keyset cursor, a far jump by offset.
 * `invalidate` (the index changed) re-reads the pages that are asked for again, showing the old rows
 * until they arrive.
 */
export class RowSource {
  private pages = new Map<number, FleetRow[]>();
  private stale = new Map<number, FleetRow[]>();
  private cursors = new Map<number, string | null>();
  private inflight = new Set<number>();
  private generation = 0;
  private listeners = new Set<() => void>();
  /** Changes whenever something visible changed (the useSyncExternalStore snapshot). */
  tick = 0;
  total: number | null = null;
  error: Error | null = null;

  private readonly query: ListQuery;

  constructor(query: ListQuery) {
    this.query = query;
    const key = JSON.stringify(query);
    const seed = seeds.get(key);
    if (seed) {
      seeds.delete(key);
      listed.add(key);
      this.pages.set(0, seed.rows);
      this.cursors.set(0, seed.nextCursor);
      this.total = seed.total;
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private changed(): void {
    this.tick++;
    for (const l of this.listeners) l();
  }

  /** The index's version the rows were read at: a newer one re-reads them, the first one just reads. */
  private seenVersion: number | null = null;

  sync(version: number): void {
    if (this.seenVersion === version) return;
    const first = this.seenVersion === null;
    this.seenVersion = version;
    if (first) this.load(0);
    else this.invalidate();
  }

  invalidate(): void {
    this.generation++;
    for (const [page, rows] of this.pages) this.stale.set(page, rows);
    this.pages = new Map();
    this.cursors = new Map();
    this.inflight = new Set();
    this.load(0);
  }

  rowAt(index: number): FleetRow | undefined {
    const page = Math.floor(index / PAGE_ROWS);
    return (this.pages.get(page) ?? this.stale.get(page))?.[index % PAGE_ROWS];
  }

  /** Every loaded chat id in list order (next/previous chat). */
  loadedIds(): string[] {
    return [...this.pages.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([, rows]) => rows.map((r) => r.chatId));
  }

  /** Asks for the rows from..to (inclusive) to be read if they are not yet. */
  ensure = (from: number, to: number): void => {
    const first = Math.max(0, Math.floor(from / PAGE_ROWS));
    const last = Math.max(first, Math.floor(Math.max(0, to) / PAGE_ROWS));
    for (let p = first; p <= last; p++) this.load(p);
  };

  load(page: number): void {
    if (this.pages.has(page) || this.inflight.has(page)) return;
    this.inflight.add(page);
    const generation = this.generation;
    const after = page > 0 ? this.cursors.get(page - 1) : undefined;
    const q = this.query;
    const key = JSON.stringify(q);
    const prefetched = page === 0 ? early.get(key) : undefined;
    if (prefetched) early.delete(key);
    if (page === 0) listed.add(key);
    (
      prefetched ??
      call('fleet.page', {
        ...firstPageRequest(q),
        ...(after ? { after } : page > 0 ? { offset: page * PAGE_ROWS } : {}),
      })
    ).then(
      (result) => {
        if (generation !== this.generation) {
          // The index changed meanwhile and the page is being read again; until that answer comes,
          // these rows are better than none.
          if (!this.pages.has(page)) {
            this.stale.set(page, result.rows);
            this.total ??= result.total;
            this.changed();
          }
          return;
        }
        this.inflight.delete(page);
        this.pages.set(page, result.rows);
        this.stale.delete(page);
        this.cursors.set(page, result.nextCursor);
        this.total = result.total;
        this.error = null;
        this.changed();
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.inflight.delete(page);
        this.error = error instanceof Error ? error : new Error(String(error));
        this.changed();
      },
    );
  }
}

/** The list's rows for a query; `version` is the fleet index's (a new one re-reads the visible rows). */
export function useFleetRows(query: ListQuery, version: number): RowSource {
  const key = JSON.stringify(query);
  // One source per query; the key says when the query really changed.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const source = useMemo(() => new RowSource(query), [key]);
  const tick = () => source.tick;
  useSyncExternalStore(source.subscribe, tick, tick);
  useEffect(() => {
    source.sync(version);
  }, [source, version]);
  return source;
}
