import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message, MessagePage } from '../../../shared/domain.ts';
import type { AppError } from '../../../shared/errors.ts';
import { formatLongDate, formatMinutes, formatNumber, formatTime } from '../format.ts';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import { MessageBubble } from './MessageBubble.tsx';
import { ChatIcon } from '../icons.tsx';

/** Where the thread opens: the newest page, the first message on/after a date, or one message. */
export type ThreadAnchor =
  | { kind: 'newest'; seq?: number }
  | { kind: 'at'; at: string; seq?: number }
  | { kind: 'id'; id: number; seq?: number };

export interface PageParam {
  before?: number;
  after?: number;
  at?: string;
}

export interface SessionInfo {
  topic: string | null;
  start: string | null;
  durationMinutes: number | null;
  messagesCount: number | null;
}

function paramOf(anchor: ThreadAnchor): PageParam {
  if (anchor.kind === 'at') return { at: anchor.at };
  if (anchor.kind === 'id') return { after: anchor.id - 1 };
  return {};
}

function anchorKey(anchor: ThreadAnchor): string {
  return anchor.kind === 'newest' ? 'newest' : anchor.kind === 'at' ? `at:${anchor.at}` : `id:${anchor.id}`;
}

/** Top of an element relative to the scroll container's viewport. */
function offsetIn(container: HTMLElement, el: Element | null): number | null {
  if (!el) return null;
  return el.getBoundingClientRect().top - container.getBoundingClientRect().top;
}

/**
 * A conversation thread paged by key: opens at `anchor`, loads older pages when scrolled to the top
 * (keeping what is on screen still) and newer pages at the bottom after a jump.
 */
export function Thread({
  queryKey,
  fetchPage,
  anchor,
  sessions,
  pageSize = 100,
}: {
  queryKey: readonly unknown[];
  fetchPage: (param: PageParam & { limit: number }) => Promise<MessagePage>;
  anchor: ThreadAnchor;
  sessions?: Map<string, SessionInfo>;
  pageSize?: number;
}) {
  const { t } = useTranslation();
  const [queryAnchor, setQueryAnchor] = useState<ThreadAnchor>(anchor);
  const scrollRef = useRef<HTMLDivElement>(null);
  const topRef = useRef<HTMLDivElement>(null);
  const bottomRef = useRef<HTMLDivElement>(null);

  const query = useInfiniteQuery<
    MessagePage,
    AppError,
    InfiniteData<MessagePage, PageParam>,
    readonly unknown[],
    PageParam
  >({
    queryKey: [...queryKey, anchorKey(queryAnchor)],
    initialPageParam: paramOf(queryAnchor),
    queryFn: ({ pageParam }) => fetchPage({ ...pageParam, limit: pageSize }),
    getNextPageParam: (last) => (last.newerCursor !== null ? { after: last.newerCursor } : undefined),
    getPreviousPageParam: (first) => (first.olderCursor !== null ? { before: first.olderCursor } : undefined),
    staleTime: Infinity,
  });
  const {
    data,
    hasNextPage,
    hasPreviousPage,
    isFetchingNextPage,
    isFetchingPreviousPage,
    fetchNextPage,
    fetchPreviousPage,
  } = query;

  const messages = useMemo<Message[]>(() => data?.pages.flatMap((p) => p.messages) ?? [], [data]);

  // The jump target blinks once (a class on the element: no re-render of the whole thread).
  const flash = useCallback((id: number) => {
    const el = scrollRef.current?.querySelector(`[data-msg-id="${id}"]`);
    if (!el) return;
    el.classList.remove('is-highlighted');
    void (el as HTMLElement).offsetWidth;
    el.classList.add('is-highlighted');
    window.setTimeout(() => el.classList.remove('is-highlighted'), 2600);
  }, []);

  // A new anchor from outside (search hit, date, "newest"): scroll if it is already loaded, else page to it.
  const lastAnchorSeq = useRef(anchor);
  useEffect(() => {
    if (lastAnchorSeq.current === anchor) return;
    lastAnchorSeq.current = anchor;
    const container = scrollRef.current;
    if (anchor.kind === 'id' && container) {
      const el = container.querySelector(`[data-msg-id="${anchor.id}"]`);
      if (el) {
        el.scrollIntoView({ block: 'center' });
        flash(anchor.id);
        return;
      }
    }
    if (anchor.kind === 'newest' && container && !hasNextPage && messages.length > 0) {
      container.scrollTop = container.scrollHeight;
      return;
    }
    setQueryAnchor(anchor);
  }, [anchor, flash, hasNextPage, messages.length]);

  // Scroll bookkeeping: the first loaded message and where it sits, so a prepended page keeps the view still.
  const positioned = useRef<string | null>(null);
  const firstId = useRef<number | null>(null);
  const firstOffset = useRef(0);

  const rememberFirst = useCallback(() => {
    const container = scrollRef.current;
    if (!container || firstId.current === null) return;
    const off = offsetIn(container, container.querySelector(`[data-msg-id="${firstId.current}"]`));
    if (off !== null) firstOffset.current = off;
  }, []);

  useLayoutEffect(() => {
    const container = scrollRef.current;
    if (!container || messages.length === 0) return;
    const key = `${anchorKey(queryAnchor)}#${queryAnchor.seq ?? 0}`;
    if (positioned.current !== key) {
      positioned.current = key;
      if (queryAnchor.kind === 'newest') {
        container.scrollTop = container.scrollHeight;
      } else {
        const target = queryAnchor.kind === 'id' ? queryAnchor.id : messages[0]!.id;
        const el = container.querySelector(`[data-msg-id="${target}"]`);
        const off = offsetIn(container, el);
        if (off !== null)
          container.scrollTop += off - (queryAnchor.kind === 'id' ? container.clientHeight / 3 : 48);
        flash(target);
      }
    } else if (firstId.current !== null && messages[0]!.id !== firstId.current) {
      const el = container.querySelector(`[data-msg-id="${firstId.current}"]`);
      const off = offsetIn(container, el);
      if (off !== null) container.scrollTop += off - firstOffset.current;
    }
    firstId.current = messages[0]!.id;
    rememberFirst();
  }, [messages, queryAnchor, flash, rememberFirst]);

  // Load more when a sentinel comes near the viewport.
  useEffect(() => {
    const container = scrollRef.current;
    if (!container) return;
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting || positioned.current === null) continue;
          if (entry.target === topRef.current && hasPreviousPage && !isFetchingPreviousPage) {
            rememberFirst();
            void fetchPreviousPage();
          }
          if (entry.target === bottomRef.current && hasNextPage && !isFetchingNextPage) void fetchNextPage();
        }
      },
      { root: container, rootMargin: '400px 0px' },
    );
    if (topRef.current) observer.observe(topRef.current);
    if (bottomRef.current) observer.observe(bottomRef.current);
    return () => observer.disconnect();
  }, [
    hasPreviousPage,
    hasNextPage,
    isFetchingPreviousPage,
    isFetchingNextPage,
    fetchPreviousPage,
    fetchNextPage,
    rememberFirst,
    messages,
  ]);

  const [farFromBottom, setFarFromBottom] = useState(false);
  const onScroll = useCallback(() => {
    rememberFirst();
    const c = scrollRef.current;
    if (c) setFarFromBottom(c.scrollHeight - c.scrollTop - c.clientHeight > c.clientHeight * 1.5);
  }, [rememberFirst]);

  if (query.isPending) return <Loading label={t('thread.loading')} />;
  if (query.isError)
    return <ErrorState error={query.error} title={t('thread.error')} onRetry={() => void query.refetch()} />;
  if (messages.length === 0) return <Empty title={t('thread.empty')} icon={<ChatIcon size={20} />} />;

  return (
    <div className="thread-wrap">
      <div
        className="thread"
        ref={scrollRef}
        onScroll={onScroll}
        data-testid="thread"
        tabIndex={0}
        role="log"
        aria-label={t('thread.label')}
        aria-busy={isFetchingPreviousPage || isFetchingNextPage}
      >
        <div ref={topRef} className="thread-edge">
          {isFetchingPreviousPage ? (
            <span className="muted" role="status">
              <span className="spinner" aria-hidden="true" /> {t('thread.loadingOlder')}
            </span>
          ) : hasPreviousPage ? (
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => void fetchPreviousPage()}
            >
              {t('thread.loadOlder')}
            </button>
          ) : (
            <span className="muted">{t('thread.start')}</span>
          )}
        </div>
        {messages.map((m, i) => {
          const prev = i > 0 ? messages[i - 1]! : null;
          const newSession = !prev || prev.sessionId !== m.sessionId;
          const newDay = !prev || (prev.timestamp ?? '').slice(0, 10) !== (m.timestamp ?? '').slice(0, 10);
          return (
            <Fragment key={m.id}>
              {newSession || newDay ? (
                <SessionSeparator
                  message={m}
                  session={m.sessionId ? sessions?.get(m.sessionId) : undefined}
                  newSession={newSession}
                />
              ) : null}
              <MessageBubble message={m} />
            </Fragment>
          );
        })}
        <div ref={bottomRef} className="thread-edge">
          {isFetchingNextPage ? (
            <span className="muted" role="status">
              <span className="spinner" aria-hidden="true" /> {t('thread.loadingNewer')}
            </span>
          ) : hasNextPage ? (
            <button type="button" className="btn btn-small btn-ghost" onClick={() => void fetchNextPage()}>
              {t('thread.loadNewer')}
            </button>
          ) : null}
        </div>
      </div>
      {hasNextPage || farFromBottom ? (
        <button
          type="button"
          className="btn btn-small jump-newest"
          onClick={() => {
            if (hasNextPage) setQueryAnchor({ kind: 'newest', seq: Date.now() });
            else if (scrollRef.current) scrollRef.current.scrollTop = scrollRef.current.scrollHeight;
          }}
        >
          ↓ {t('thread.newest')}
        </button>
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
