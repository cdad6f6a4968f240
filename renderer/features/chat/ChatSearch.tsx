import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutputOf } from '../../../shared/contract/index.ts';
import type { AppError } from '../../../shared/errors.ts';
import { call } from '../../api/index.ts';
import { DateField } from '../../components/DateField.tsx';
import { formatDateTime, formatNumber } from '../../components/format.ts';
import { SearchField } from '../../components/SearchField.tsx';
import { Spinner } from '../../components/ui.tsx';

type SearchPage = OutputOf<'chat.search'>;
type Role = '' | 'user' | 'bot' | 'system';
const PAGE = 50;

/**
 * Search in one chat: the total number of hits, paging through them one by one (Enter / Shift+Enter, or
 * the arrows) with the thread jumping to each, a list of the hits, and filters by role and day range.
 * Hits come newest first, a page at a time by key, so the 5,000th hit costs what the first does.
 */
export function ChatSearch({
  root,
  chatId,
  tree,
  onHit,
}: {
  root: string;
  chatId: string;
  /** The chat's copy in this chat tree of the root (a chat in two trees); the plain id's copy when absent. */
  tree?: string | undefined;
  onHit: (messageId: number) => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const [role, setRole] = useState<Role>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [open, setOpen] = useState(false);
  // The current hit belongs to one query and filter set: a new one starts again before the first hit.
  const searchKey = JSON.stringify([query, role, from, to]);
  const [current, setCurrent] = useState({ key: searchKey, index: -1 });
  const index = current.key === searchKey ? current.index : -1;
  const setIndex = (i: number) => setCurrent({ key: searchKey, index: i });
  const listRef = useRef<HTMLUListElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const id = window.setTimeout(() => setQuery(text.trim()), 250);
    return () => window.clearTimeout(id);
  }, [text]);

  const search = useInfiniteQuery<
    SearchPage,
    AppError,
    { pages: SearchPage[] },
    readonly unknown[],
    number | undefined
  >({
    queryKey: ['chat.search', root, chatId, tree ?? null, query, role, from, to],
    enabled: query.length > 0,
    initialPageParam: undefined,
    queryFn: ({ pageParam }) =>
      call('chat.search', {
        root,
        chatId,
        ...(tree !== undefined ? { tree } : {}),
        query,
        limit: PAGE,
        ...(role ? { role } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        ...(pageParam !== undefined ? { before: pageParam } : {}),
      }),
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });

  const hits = useMemo(() => search.data?.pages.flatMap((p) => p.hits) ?? [], [search.data]);
  const total = search.data?.pages[0]?.total ?? 0;

  /** Moves to hit `next` (0 = newest), loading the next page when it is not here yet; stops at the ends. */
  const goTo = async (next: number) => {
    if (total === 0 || next < 0 || next >= total) return;
    let loaded = hits;
    if (next >= loaded.length && search.hasNextPage) {
      const result = await search.fetchNextPage();
      loaded = result.data?.pages.flatMap((p) => p.hits) ?? loaded;
    }
    const target = next;
    const hit = loaded[target];
    if (!hit) return;
    setIndex(target);
    onHit(hit.id);
  };

  // Click outside closes the list.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!wrapRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const active = query.length > 0;
  const position = index >= 0 ? index + 1 : 0;

  return (
    <div className="chat-search" ref={wrapRef}>
      <div className="search-wrap">
        <SearchField
          label={t('chat.searchLabel')}
          placeholder={t('chat.searchPlaceholder')}
          value={text}
          aria-controls="chat-search-results"
          aria-expanded={open && active}
          aria-keyshortcuts="Enter Shift+Enter"
          onChange={(value) => {
            setText(value);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              setOpen(false);
              // Enter: the next older hit; Shift+Enter: back to the newer one.
              void goTo(e.shiftKey ? index - 1 : index + 1);
            } else if (e.key === 'ArrowDown' && hits.length > 0) {
              e.preventDefault();
              setOpen(true);
              requestAnimationFrame(() => listRef.current?.querySelector('button')?.focus());
            } else if (e.key === 'Escape') {
              e.stopPropagation();
              if (open) setOpen(false);
              else if (text) setText('');
              else (e.target as HTMLInputElement).blur();
            }
          }}
        />
        {open && active ? (
          <div className="search-results" id="chat-search-results" data-testid="chat-search-results">
            <div className="search-results-head">
              {search.isError ? (
                <span className="error-text">{search.error.message}</span>
              ) : (
                <span>
                  {search.isPending ? <Spinner /> : t('chat.hits', { count: total, n: formatNumber(total) })}
                </span>
              )}
              <button
                type="button"
                className="btn btn-ghost btn-icon"
                aria-label={t('common.close')}
                onClick={() => setOpen(false)}
              >
                ✕
              </button>
            </div>
            <ul
              ref={listRef}
              onKeyDown={(e) => {
                const buttons = [...(listRef.current?.querySelectorAll('button') ?? [])];
                const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
                if (e.key === 'ArrowDown' || e.key === 'j') {
                  e.preventDefault();
                  buttons[Math.min(buttons.length - 1, i + 1)]?.focus();
                } else if (e.key === 'ArrowUp' || e.key === 'k') {
                  e.preventDefault();
                  buttons[Math.max(0, i - 1)]?.focus();
                } else if (e.key === 'Escape') {
                  e.stopPropagation();
                  setOpen(false);
                }
              }}
            >
              {hits.map((hit, i) => (
                <li key={hit.id}>
                  <button
                    type="button"
                    className={`hit${i === index ? ' is-current' : ''}`}
                    onClick={() => {
                      setIndex(i);
                      onHit(hit.id);
                      setOpen(false);
                    }}
                  >
                    <span className="hit-time">
                      {formatDateTime(hit.timestamp)} · {t(`chat.role.${hit.role}`)}
                    </span>
                    <Highlight text={hit.snippet} query={query} />
                  </button>
                </li>
              ))}
              {search.hasNextPage ? (
                <li>
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    disabled={search.isFetchingNextPage}
                    onClick={() => void search.fetchNextPage()}
                  >
                    {t('chat.moreHits', { n: formatNumber(total - hits.length) })}
                  </button>
                </li>
              ) : null}
            </ul>
          </div>
        ) : null}
      </div>
      {active ? (
        <div className="hit-stepper" role="group" aria-label={t('chat.hitNav')}>
          <span
            className="hit-count"
            data-testid="chat-search-count"
            data-hit-id={hits[index]?.id}
            aria-live="polite"
          >
            {search.isFetching && !search.isFetchingNextPage ? (
              <Spinner />
            ) : (
              t('chat.hitPosition', { at: formatNumber(position), total: formatNumber(total) })
            )}
          </span>
          <button
            type="button"
            className="btn btn-small btn-icon"
            aria-label={t('chat.newerHit')}
            title={`${t('chat.newerHit')} (Shift+Enter)`}
            disabled={index <= 0}
            onClick={() => void goTo(index - 1)}
          >
            ↑
          </button>
          <button
            type="button"
            className="btn btn-small btn-icon"
            aria-label={t('chat.olderHit')}
            title={`${t('chat.olderHit')} (Enter)`}
            disabled={total === 0 || index >= total - 1}
            onClick={() => void goTo(index + 1)}
          >
            ↓
          </button>
        </div>
      ) : null}
      <div className="search-filters">
        <label>
          <span className="visually-hidden">{t('chat.roleFilter')}</span>
          <select
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            data-testid="chat-search-role"
            aria-label={t('chat.roleFilter')}
          >
            <option value="">{t('chat.role.all')}</option>
            <option value="user">{t('chat.role.user')}</option>
            <option value="bot">{t('chat.role.bot')}</option>
            <option value="system">{t('chat.role.system')}</option>
          </select>
        </label>
        <DateField label={t('chat.from')} value={from} onChange={setFrom} testId="chat-search-from" />
        <DateField label={t('chat.to')} value={to} onChange={setTo} testId="chat-search-to" />
      </div>
    </div>
  );
}

function Highlight({ text, query }: { text: string; query: string }) {
  const i = text.toLowerCase().indexOf(query.toLowerCase());
  if (i < 0 || !query) return <span className="hit-text">{text}</span>;
  return (
    <span className="hit-text" dir="auto">
      {text.slice(0, i)}
      <mark>{text.slice(i, i + query.length)}</mark>
      {text.slice(i + query.length)}
    </span>
  );
}
