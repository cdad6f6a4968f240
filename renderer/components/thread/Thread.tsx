import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type RefObject,
} from 'react';
import { useTranslation } from 'react-i18next';
import type { SourceMessageOut, SourceMessagePageOut } from '../../../shared/contract/sources.ts';
import { threadFieldsOf } from '../../../shared/message-fields.ts';
import type { AppError } from '../../../shared/errors.ts';
import { formatLongDate, formatMinutes, formatNumber, formatTime } from '../format.ts';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import { MessageBubble } from './MessageBubble.tsx';
import { ChatIcon } from '../icons.tsx';
import './thread.css';

/**
 * Where the thread opens: the newest page, the oldest page, the first message on/after a date, or one
 * message. A new `seq` makes the same place a new request (jump there again).
 */
export type ThreadAnchor =
  | { kind: 'newest'; seq?: number }
  | { kind: 'oldest'; seq?: number }
  | { kind: 'at'; at: string; seq?: number }
  | { kind: 'id'; id: string; seq?: number };

/** Where a page starts, as chat.messages and file.messages take it (cursors are the pages' own, opaque). */
export interface PageParam {
  before?: string;
  after?: string;
  oldest?: boolean;
  at?: string;
  /** The page starting at this message (ids need not follow time). */
  from?: string;
}

type Message = SourceMessageOut;
type MessagePage = SourceMessagePageOut;

export interface SessionInfo {
  topic: string | null;
  start: string | null;
  durationMinutes: number | null;
  messagesCount: number | null;
}

// Layout of the windowed list, in px. The top and bottom edges (load buttons, spinners) live in the
// padding the virtualizer leaves before the first and after the last row; rows carry the gap below them.
const PAD_TOP = 8;
const EDGE = 32;
const GAP = 6;
const PAD_BOTTOM = 24;
const PADDING_START = PAD_TOP + EDGE + GAP;
const PADDING_END = EDGE + PAD_BOTTOM;
const ESTIMATE_MESSAGE = 84;
const ESTIMATE_SEPARATOR = 40;
/** Rows rendered beyond the viewport on each side. */
const OVERSCAN = 6;
/** The next page is asked for when the rendered rows come this close to an end of the window. */
const PREFETCH_ROWS = 40;

function paramOf(anchor: ThreadAnchor): PageParam {
  switch (anchor.kind) {
    case 'at':
      return { at: anchor.at };
    case 'id':
      return { from: anchor.id };
    case 'oldest':
      return { oldest: true };
    default:
      return {};
  }
}

function anchorKey(anchor: ThreadAnchor): string {
  switch (anchor.kind) {
    case 'at':
      return `at:${anchor.at}`;
    case 'id':
      return `id:${anchor.id}`;
    default:
      return anchor.kind;
  }
}

/** One request to go somewhere: the place and its sequence number. */
const requestOf = (anchor: ThreadAnchor) => `${anchorKey(anchor)}#${anchor.seq ?? 0}`;

type Row =
  | { kind: 'separator'; key: string; message: Message; sessionId: string | null; newSession: boolean }
  | { kind: 'message'; key: string; message: Message };

/**
 * The rows of the loaded window: each message, preceded by a separator where a session or a day begins.
 * The first loaded message only gets one at the true start of the conversation: above it, the window
 * does not know what came before (and a separator that vanished when older pages arrive would move
 * the rows under the reader).
 */
function rowsOf(messages: Message[], atStart: boolean): Row[] {
  const rows: Row[] = [];
  let prev: { message: Message; sessionId: string | null } | null = null;
  for (const m of messages) {
    const { sessionId } = threadFieldsOf(m);
    const newSession = !prev || prev.sessionId !== sessionId;
    const newDay = !prev || (prev.message.timestamp ?? '').slice(0, 10) !== (m.timestamp ?? '').slice(0, 10);
    if (prev ? newSession || newDay : atStart) {
      rows.push({ kind: 'separator', key: `s${m.id}`, message: m, sessionId, newSession });
    }
    rows.push({ kind: 'message', key: `m${m.id}`, message: m });
    prev = { message: m, sessionId };
  }
  return rows;
}

type PagedQuery = ReturnType<typeof useMessagePages>;

function useMessagePages(
  queryKey: readonly unknown[],
  start: ThreadAnchor,
  fetchPage: (param: PageParam & { limit: number }) => Promise<MessagePage>,
  pageSize: number,
  windowPages: number,
) {
  return useInfiniteQuery<
    MessagePage,
    AppError,
    InfiniteData<MessagePage, PageParam>,
    readonly unknown[],
    PageParam
  >({
    queryKey: [...queryKey, anchorKey(start), start.seq ?? 0],
    initialPageParam: paramOf(start),
    queryFn: ({ pageParam }) => fetchPage({ ...pageParam, limit: pageSize }),
    getNextPageParam: (last) => (last.newer !== null ? { after: last.newer } : undefined),
    getPreviousPageParam: (first) => (first.older !== null ? { before: first.older } : undefined),
    // The window: loading a page at one end drops the page at the other end beyond this many; their
    // cursors stay on the pages kept, so scrolling back reads them again.
    maxPages: windowPages,
    staleTime: Infinity,
    // A window nobody shows is not kept: a chat of 200,000 messages must not pile up in memory.
    gcTime: 0,
  });
}

/**
 * A conversation thread paged by key and windowed: opens at `anchor`, renders only the rows in view
 * (plus a few), loads older pages when scrolled up and newer ones when scrolled down, and keeps at most
 * `windowPages` pages loaded, dropping the far end (and reading it again when scrolled back).
 * The row the reader is looking at stays where it is when pages arrive or are dropped.
 */
export function Thread({
  queryKey,
  fetchPage,
  anchor,
  sessions,
  pageSize = 100,
  windowPages = 20,
  autoFocus = false,
}: {
  /** Focus the thread once it opens, unless the person is already somewhere else (e.g. typing). */
  autoFocus?: boolean;
  queryKey: readonly unknown[];
  fetchPage: (param: PageParam & { limit: number }) => Promise<MessagePage>;
  anchor: ThreadAnchor;
  sessions?: Map<string, SessionInfo>;
  pageSize?: number;
  /** Pages kept loaded at once (the window is `pageSize × windowPages` messages). */
  windowPages?: number;
}) {
  const { t } = useTranslation();
  const [start, setStart] = useState<ThreadAnchor>(anchor);
  const query = useMessagePages(queryKey, start, fetchPage, pageSize, windowPages);
  /** Set by the mounted window: shows an anchor that is already loaded (true), else the window resets. */
  const jumpInWindow = useRef<((anchor: ThreadAnchor) => boolean) | null>(null);
  const refocus = useRef(false);
  const focusOnOpen = useRef(autoFocus);

  const reset = useCallback((next: ThreadAnchor) => {
    refocus.current = document.activeElement?.closest('[data-testid="thread"]') != null;
    setStart(next);
  }, []);

  // A new anchor from outside (search hit, date, "newest"): scroll if it is loaded, else load around it.
  const lastRequest = useRef(requestOf(anchor));
  useEffect(() => {
    const request = requestOf(anchor);
    if (request === lastRequest.current) return;
    lastRequest.current = request;
    if (jumpInWindow.current?.(anchor)) return;
    reset(anchor);
  }, [anchor, reset]);

  if (query.isPending) return <Loading label={t('thread.loading')} />;
  if (query.isError)
    return <ErrorState error={query.error} title={t('thread.error')} onRetry={() => void query.refetch()} />;
  if (query.data.pages.every((p) => p.messages.length === 0))
    return <Empty title={t('thread.empty')} icon={<ChatIcon size={20} />} />;

  return (
    <ThreadWindow
      key={requestOf(start)}
      query={query}
      start={start}
      sessions={sessions}
      onReset={reset}
      jumpInWindow={jumpInWindow}
      refocus={refocus}
      focusOnOpen={focusOnOpen}
    />
  );
}

function ThreadWindow({
  query,
  start,
  sessions,
  onReset,
  jumpInWindow,
  refocus,
  focusOnOpen,
}: {
  focusOnOpen: RefObject<boolean>;
  query: PagedQuery & { data: InfiniteData<MessagePage, PageParam> };
  start: ThreadAnchor;
  sessions: Map<string, SessionInfo> | undefined;
  onReset: (anchor: ThreadAnchor) => void;
  jumpInWindow: RefObject<((anchor: ThreadAnchor) => boolean) | null>;
  refocus: RefObject<boolean>;
}) {
  const { t } = useTranslation();
  const {
    data,
    hasNextPage,
    hasPreviousPage,
    isFetching,
    isFetchingNextPage,
    isFetchingPreviousPage,
    fetchNextPage,
    fetchPreviousPage,
  } = query;
  const scrollRef = useRef<HTMLDivElement>(null);

  const messages = useMemo<Message[]>(() => data.pages.flatMap((p) => p.messages), [data]);
  const rows = useMemo(() => rowsOf(messages, !hasPreviousPage), [messages, hasPreviousPage]);
  const rowOfId = useMemo(() => {
    const map = new Map<string, number>();
    rows.forEach((r, i) => {
      if (r.kind === 'message') map.set(r.message.id, i);
    });
    return map;
  }, [rows]);

  const getItemKey = useCallback((i: number) => rows[i]?.key ?? i, [rows]);
  const estimateSize = useCallback(
    (i: number) => (rows[i]?.kind === 'separator' ? ESTIMATE_SEPARATOR : ESTIMATE_MESSAGE),
    [rows],
  );

  // The message the window opened on: blinks once (the newest page opens without one).
  const [highlight, setHighlight] = useState<{ id: string; seq: number } | null>(() => {
    if (start.kind === 'id') return { id: start.id, seq: 0 };
    if (start.kind === 'at') return messages[0] ? { id: messages[0].id, seq: 0 } : null;
    return null;
  });
  useEffect(() => {
    if (!highlight) return;
    const id = window.setTimeout(() => setHighlight(null), 2600);
    return () => window.clearTimeout(id);
  }, [highlight]);

  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize,
    getItemKey,
    overscan: OVERSCAN,
    paddingStart: PADDING_START,
    paddingEnd: PADDING_END,
    // Chat semantics: rows added or dropped at either end keep the row at the top of the viewport in
    // place, and a reader at the bottom stays at the bottom while rows get measured.
    anchorTo: 'end',
    // The first frame already renders the rows the window opens on (the newest at the bottom).
    initialOffset: () =>
      start.kind === 'newest' ? Math.max(0, PADDING_START + rows.length * ESTIMATE_MESSAGE - 800) : 0,
  });

  /** Brings row `index` into the middle of the view (a search hit). */
  const scrollToRow = useCallback(
    (index: number) => {
      const target = virtualizer.getOffsetForIndex(index, 'center');
      if (target) virtualizer.scrollToOffset(target[0]);
    },
    [virtualizer],
  );

  // Opening: the newest message at the bottom, or the target message in view. Before the first paint.
  const opened = useRef(false);
  useLayoutEffect(() => {
    if (opened.current) return;
    opened.current = true;
    const target = start.kind === 'id' ? rowOfId.get(start.id) : undefined;
    if (start.kind === 'newest') virtualizer.scrollToEnd();
    else if (target !== undefined) scrollToRow(target);
    else virtualizer.scrollToOffset(0);
    // The first window takes the focus when nothing else has it (Enter on the chat list left it on the
    // body); a window that replaces another keeps it where the reader had it.
    const active = document.activeElement;
    const unfocused = !active || active === document.body;
    if (refocus.current || (focusOnOpen.current && unfocused)) {
      scrollRef.current?.focus({ preventScroll: true });
    }
    refocus.current = false;
    focusOnOpen.current = false;
  }, [start, virtualizer, rowOfId, scrollToRow, refocus, focusOnOpen]);

  // Paging starts once the opening scroll has landed (two frames: written, then read back).
  const [settled, setSettled] = useState(false);
  useEffect(() => {
    let frame = requestAnimationFrame(() => {
      frame = requestAnimationFrame(() => setSettled(true));
    });
    return () => cancelAnimationFrame(frame);
  }, []);

  const goNewest = useCallback(() => {
    if (hasNextPage) onReset({ kind: 'newest', seq: Date.now() });
    else virtualizer.scrollToEnd();
  }, [hasNextPage, onReset, virtualizer]);

  const goOldest = useCallback(() => {
    if (hasPreviousPage) onReset({ kind: 'oldest', seq: Date.now() });
    else virtualizer.scrollToOffset(0);
  }, [hasPreviousPage, onReset, virtualizer]);

  // Jumps the parent asks for: shown here when the target is loaded, else the parent loads around it.
  useEffect(() => {
    jumpInWindow.current = (anchor) => {
      if (anchor.kind === 'id') {
        const index = rowOfId.get(anchor.id);
        if (index === undefined) return false;
        scrollToRow(index);
        setHighlight({ id: anchor.id, seq: anchor.seq ?? Date.now() });
        return true;
      }
      if (anchor.kind === 'newest' && !hasNextPage) {
        virtualizer.scrollToEnd();
        return true;
      }
      if (anchor.kind === 'oldest' && !hasPreviousPage) {
        virtualizer.scrollToOffset(0);
        return true;
      }
      return false;
    };
    return () => {
      jumpInWindow.current = null;
    };
  }, [jumpInWindow, rowOfId, scrollToRow, virtualizer, hasNextPage, hasPreviousPage]);

  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? 0;

  // Paging: near the top load the older page, near the bottom the newer one — one request at a time
  // (the window then drops a page at the far end).
  useEffect(() => {
    if (!settled || isFetching) return;
    // (A call while a page is on its way joins it instead of starting the request again.)
    if (hasPreviousPage && firstIndex <= PREFETCH_ROWS) void fetchPreviousPage({ cancelRefetch: false });
    else if (hasNextPage && lastIndex >= rows.length - 1 - PREFETCH_ROWS)
      void fetchNextPage({ cancelRefetch: false });
  }, [
    settled,
    isFetching,
    hasPreviousPage,
    hasNextPage,
    firstIndex,
    lastIndex,
    rows.length,
    fetchPreviousPage,
    fetchNextPage,
  ]);

  // Sizes measured for rows no longer loaded are forgotten with them (they are measured again if
  // scrolled back to), so the measurement cache stays as small as the window.
  useEffect(() => {
    const cache = virtualizer.itemSizeCache;
    if (cache.size <= rows.length) return;
    const live = new Set<unknown>(rows.map((r) => r.key));
    for (const key of cache.keys()) if (!live.has(key)) cache.delete(key);
  }, [rows, virtualizer]);

  const [farFromBottom, setFarFromBottom] = useState(false);
  const onScroll = useCallback(() => {
    const c = scrollRef.current;
    if (c) setFarFromBottom(c.scrollHeight - c.scrollTop - c.clientHeight > c.clientHeight * 1.5);
  }, []);

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLDivElement>) => {
      if (e.altKey || e.metaKey || e.shiftKey) return;
      if (e.key === 'End') {
        e.preventDefault();
        goNewest();
      } else if (e.key === 'Home') {
        e.preventDefault();
        goOldest();
      }
    },
    [goNewest, goOldest],
  );

  const total = virtualizer.getTotalSize();

  return (
    <div className="thread-wrap">
      <div
        className="thread thread-windowed"
        ref={scrollRef}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        data-testid="thread"
        data-loaded={messages.length}
        data-first-id={messages[0]?.id}
        data-last-id={messages[messages.length - 1]?.id}
        tabIndex={0}
        role="log"
        aria-label={t('thread.label')}
        aria-busy={isFetchingPreviousPage || isFetchingNextPage}
      >
        <div className="thread-sizer" style={{ height: total }}>
          <div className="thread-edge" style={{ top: PAD_TOP }}>
            {isFetchingPreviousPage ? (
              <span className="muted" role="status">
                <span className="spinner" aria-hidden="true" /> {t('thread.loadingOlder')}
              </span>
            ) : hasPreviousPage ? (
              <button
                type="button"
                className="btn btn-small btn-ghost"
                onClick={() => void fetchPreviousPage({ cancelRefetch: false })}
              >
                {t('thread.loadOlder')}
              </button>
            ) : (
              <span className="muted">{t('thread.start')}</span>
            )}
          </div>
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <div
                key={item.key}
                className="thread-row"
                data-index={item.index}
                ref={virtualizer.measureElement}
                style={{ transform: `translateY(${item.start}px)` }}
              >
                {row.kind === 'separator' ? (
                  <SessionSeparator
                    message={row.message}
                    session={row.sessionId ? sessions?.get(row.sessionId) : undefined}
                    newSession={row.newSession}
                  />
                ) : (
                  <MessageBubble message={row.message} highlighted={highlight?.id === row.message.id} />
                )}
              </div>
            );
          })}
          <div className="thread-edge" style={{ top: total - PADDING_END }}>
            {isFetchingNextPage ? (
              <span className="muted" role="status">
                <span className="spinner" aria-hidden="true" /> {t('thread.loadingNewer')}
              </span>
            ) : hasNextPage ? (
              <button
                type="button"
                className="btn btn-small btn-ghost"
                onClick={() => void fetchNextPage({ cancelRefetch: false })}
              >
                {t('thread.loadNewer')}
              </button>
            ) : null}
          </div>
        </div>
      </div>
      {hasNextPage || farFromBottom ? (
        <div className="thread-foot">
          <button type="button" className="btn btn-small jump-newest" onClick={goNewest}>
            ↓ {t('thread.newest')}
          </button>
        </div>
      ) : null}
    </div>
  );
}

function SessionSeparator({
  message,
  session,
  newSession,
}: {
  message: Message;
  session?: SessionInfo;
  newSession: boolean;
}) {
  const { t } = useTranslation();
  const when = session?.start ?? message.timestamp;
  return (
    <div className={`separator${newSession ? ' separator-session' : ''}`} role="separator">
      <span className="separator-line" aria-hidden="true" />
      <span className="separator-label">
        <strong>{formatLongDate(when)}</strong>
        {newSession ? (
          <>
            {' · '}
            {formatTime(when)}
            {session?.topic ? (
              <>
                {' · '}
                <span className="topic">{session.topic}</span>
              </>
            ) : null}
            {session?.messagesCount ? (
              <>
                {' '}
                ·{' '}
                {t('thread.sessionMessages', {
                  count: session.messagesCount,
                  n: formatNumber(session.messagesCount),
                })}
              </>
            ) : null}
            {session?.durationMinutes ? <> · {formatMinutes(session.durationMinutes)}</> : null}
          </>
        ) : null}
      </span>
      <span className="separator-line" aria-hidden="true" />
    </div>
  );
}
