import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, useOp } from '../../api/index.ts';
import { isTypingTarget } from '../../app/keyboard.ts';
import { navigate, parseHash, patchParams, useRoute } from '../../app/nav.ts';
import { useCurrentRoot } from '../../app/places.ts';
import { displayName, formatDateTime, formatNumber } from '../../components/format.ts';
import {
  Thread,
  type PageParam,
  type SessionInfo,
  type ThreadAnchor,
} from '../../components/thread/Thread.tsx';
import { Empty, ErrorState, Loading, Spinner } from '../../components/ui.tsx';
import { chatOrder, chatsUi, neighbourChat } from '../chats/chatsUi.ts';
import { useFleetChat } from '../chats/hooks.ts';
import { ListHealthBadge, PartialCount } from '../chats/ListHealthBadge.tsx';
import { ensureScan } from '../chats/scanStore.ts';
import { MetricsCharts } from './MetricsCharts.tsx';
import { ProgressCharts } from './ProgressCharts.tsx';
import { SidePanel } from './SidePanel.tsx';
import { ExportButton } from '../backups/index.ts';
import { ChatIcon, FolderIcon, SearchIcon } from '../../components/icons.tsx';

const TABS = ['conversation', 'progress', 'metrics'] as const;
type Tab = (typeof TABS)[number];

export function ChatScreen() {
  const { t } = useTranslation();
  const route = useRoute();
  const root = useCurrentRoot();
  const chatId = route.params.id ?? chatsUi.get().lastChatId ?? null;
  const tab: Tab = (TABS as readonly string[]).includes(route.params.tab ?? '')
    ? (route.params.tab as Tab)
    : 'conversation';
  if (!root) return <Empty title={t('chats.noPlace')} icon={<FolderIcon size={20} />} />;
  if (!chatId) {
    return (
      <Empty title={t('chat.noneSelected')} icon={<ChatIcon size={20} />}>
        <button type="button" className="btn" onClick={() => navigate('chats')}>
          {t('chat.backToList')}
        </button>
      </Empty>
    );
  }
  // A new ?msg= (another search hit) opens the chat afresh at that message.
  return (
    <ChatView key={`${root}|${chatId}|${route.params.msg ?? ''}`} root={root} chatId={chatId} tab={tab} />
  );
}

function goToNeighbour(chatId: string, step: 1 | -1) {
  const next = neighbourChat(chatId, step, []);
  if (next) {
    chatsUi.set((s) => ({ ...s, activeId: next, lastChatId: next }));
    const tab = parseHash(window.location.hash).params.tab;
    navigate('chat', { id: next, tab }, { replace: true });
  }
}

/** Next/previous chat from anywhere (desktop menu): from the open chat, else from the highlighted row. */
export function stepChat(step: 1 | -1) {
  const route = parseHash(window.location.hash);
  const from =
    route.screen === 'chat' ? (route.params.id ?? chatsUi.get().lastChatId) : chatsUi.get().activeId;
  if (from) goToNeighbour(from, step);
  else {
    const first = chatOrder.current[0];
    if (first) {
      chatsUi.set((s) => ({ ...s, activeId: first, lastChatId: first }));
      navigate('chat', { id: first });
    }
  }
}

function ChatView({ root, chatId, tab }: { root: string; chatId: string; tab: Tab }) {
  const { t } = useTranslation();
  const detail = useOp('chat.detail', { root, chatId });
  const metrics = useOp('chat.metrics', { root, chatId }, { enabled: tab !== 'conversation' });
  // A hit of the search across chats opens the chat at that message (?msg=<id>).
  const messageParam = Number(useRoute().params.msg);
  const [anchor, setAnchor] = useState<ThreadAnchor>(
    Number.isInteger(messageParam) && messageParam > 0
      ? { kind: 'id', id: messageParam, seq: 0 }
      : { kind: 'newest' },
  );

  // Next/previous chat needs the list: read it in the background when the chat was opened directly.
  useEffect(() => {
    ensureScan(root);
  }, [root]);

  useEffect(() => {
    chatsUi.set((s) =>
      s.lastChatId === chatId && s.activeId === chatId ? s : { ...s, lastChatId: chatId, activeId: chatId },
    );
  }, [chatId]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if (e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
        e.preventDefault();
        goToNeighbour(chatId, e.key === 'ArrowDown' ? 1 : -1);
      } else if (e.key === 'Escape' && !isTypingTarget(e.target) && !document.querySelector('dialog[open]')) {
        e.preventDefault();
        navigate('chats');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [chatId]);

  const sessions = useMemo(() => {
    const map = new Map<string, SessionInfo>();
    for (const s of detail.data?.sessions ?? []) {
      if (s.sessionId)
        map.set(s.sessionId, {
          topic: s.topic,
          start: s.start,
          durationMinutes: s.durationMinutes,
          messagesCount: s.messagesCount,
        });
    }
    return map;
  }, [detail.data]);

  const fetchPage = useCallback(
    (param: PageParam & { limit: number }) => call('chat.messages', { root, chatId, ...param }),
    [root, chatId],
  );
  const queryKey = useMemo(() => ['chat.messages', root, chatId] as const, [root, chatId]);

  // The health is the fleet index's, from the same findings as the list and the Integrity screen.
  const indexed = useFleetChat(root, chatId);
  const scanRow = indexed?.row ?? null;
  const d = detail.data;
  const title = displayName(d?.profile) ?? scanRow?.name ?? t('chat.untitled');
  const health = indexed ? (scanRow?.health ?? 'unchecked') : undefined;
  const partial =
    scanRow?.partial === true || (d?.problems.some((p) => p.file === 'conversations.db') ?? false);
  const unreadable = d && d.problems.length > 0;

  return (
    <div className="screen chat-screen">
      <div className="chat-head">
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => navigate('chats')}
          title={t('chat.backHint')}
        >
          ← {t('nav.chats')}
        </button>
        <div className="chat-title">
          <h1>
            {title}
            {d?.profile?.username && title !== `@${d.profile.username}` ? (
              <span className="muted"> @{d.profile.username}</span>
            ) : null}
          </h1>
          <div className="chat-sub">
            <span className="mono">#{chatId}</span>
            {health ? <ListHealthBadge health={health} /> : null}
            {d?.profile?.currentLevel ? <span className="level">{d.profile.currentLevel}</span> : null}
            {d ? (
              <span className="muted">
                <PartialCount
                  partial={partial}
                  unread={scanRow?.unread === true || d.problems.some((p) => p.file === 'conversations.db')}
                  value={t('chat.summary', {
                    messages: formatNumber(d.counts.messages),
                    sessions: formatNumber(d.counts.sessions),
                  })}
                />
              </span>
            ) : null}
            {detail.isFetching ? <Spinner /> : null}
          </div>
        </div>
        <div className="chat-nav">
          <ExportButton root={root} chatId={chatId} />
          <button
            type="button"
            className="btn btn-small"
            onClick={() => goToNeighbour(chatId, -1)}
            title="Alt+↑"
          >
            ↑ {t('chat.previous')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => goToNeighbour(chatId, 1)}
            title="Alt+↓"
          >
            ↓ {t('chat.next')}
          </button>
        </div>
      </div>
      <div className="tabs" role="tablist" aria-label={t('chat.views')}>
        {TABS.map((id) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            className={`tab${tab === id ? ' is-active' : ''}`}
            onClick={() => patchParams({ tab: id === 'conversation' ? undefined : id })}
          >
            {t(`chat.tab.${id}`)}
          </button>
        ))}
      </div>
      {detail.isError ? (
        <ErrorState error={detail.error} title={t('chat.unreadable')} onRetry={() => void detail.refetch()} />
      ) : (
        <div className="chat-body">
          <div className="chat-main" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
            {unreadable ? (
              <div className="banner banner-error" role="alert" data-testid="chat-problems">
                <strong>{t('chat.problemsTitle')}</strong>
                <ul>
                  {d.problems.map((p, i) => (
                    <li key={i}>
                      <span className="mono">{p.file}</span>: {p.message} <code>{p.code}</code>
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            {tab === 'conversation' ? (
              <>
                <ThreadToolbar
                  root={root}
                  chatId={chatId}
                  min={d?.firstMessageAt ?? null}
                  max={d?.lastMessageAt ?? null}
                  onJump={setAnchor}
                />
                <Thread queryKey={queryKey} fetchPage={fetchPage} anchor={anchor} sessions={sessions} />
              </>
            ) : detail.isPending ? (
              <Loading />
            ) : tab === 'progress' && d ? (
              <div className="scroll-pane">
                <ProgressCharts detail={d} metrics={metrics.data} />
              </div>
            ) : (
              <div className="scroll-pane">
                <MetricsCharts metrics={metrics.data} error={metrics.error} loading={metrics.isPending} />
              </div>
            )}
          </div>
          {d ? (
            <SidePanel detail={d} />
          ) : detail.isPending ? (
            <aside className="side-panel">
              <Loading />
            </aside>
          ) : null}
        </div>
      )}
    </div>
  );
}

function ThreadToolbar({
  root,
  chatId,
  min,
  max,
  onJump,
}: {
  root: string;
  chatId: string;
  min: string | null;
  max: string | null;
  onJump: (anchor: ThreadAnchor) => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [date, setDate] = useState('');
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    const id = window.setTimeout(() => setQuery(text.trim()), 250);
    return () => window.clearTimeout(id);
  }, [text]);

  const search = useOp('chat.search', { root, chatId, query, limit: 100 }, { enabled: query.length > 0 });

  return (
    <div className="toolbar thread-toolbar">
      <div className="search-wrap">
        <label className="search-field">
          <span className="visually-hidden">{t('chat.searchLabel')}</span>
          <span className="search-icon" aria-hidden="true">
            <SearchIcon size={14} />
          </span>
          <input
            type="search"
            data-search
            placeholder={t('chat.searchPlaceholder')}
            value={text}
            aria-controls="chat-search-results"
            aria-expanded={open && query.length > 0}
            onChange={(e) => {
              setText(e.target.value);
              setOpen(true);
            }}
            onFocus={() => setOpen(true)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown' || (e.key === 'Enter' && search.data?.hits.length)) {
                e.preventDefault();
                listRef.current?.querySelector('button')?.focus();
              } else if (e.key === 'Escape') {
                e.stopPropagation();
                if (text) setText('');
                else (e.target as HTMLInputElement).blur();
                setOpen(false);
              }
            }}
          />
        </label>
        {open && query.length > 0 ? (
          <div className="search-results" id="chat-search-results" data-testid="chat-search-results">
            <div className="search-results-head">
              {search.isFetching ? (
                <Spinner />
              ) : search.isError ? (
                <span className="error-text">{search.error.message}</span>
              ) : (
                <span>
                  {t('chat.hits', {
                    count: search.data?.hits.length ?? 0,
                    n: formatNumber(search.data?.hits.length ?? 0),
                  })}
                  {search.data?.capped ? ` ${t('chat.hitsCapped')}` : ''}
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
              {search.data?.hits.map((hit) => (
                <li key={hit.id}>
                  <button
                    type="button"
                    className="hit"
                    onClick={() => {
                      onJump({ kind: 'id', id: hit.id, seq: Date.now() });
                      setOpen(false);
                    }}
                  >
                    <span className="hit-time">{formatDateTime(hit.timestamp)}</span>
                    <Highlight text={hit.snippet} query={query} />
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
      <form
        className="date-jump"
        onSubmit={(e) => {
          e.preventDefault();
          if (date) onJump({ kind: 'at', at: date, seq: Date.now() });
        }}
      >
        <label>
          <span>{t('chat.jumpToDate')}</span>
          <input
            type="date"
            value={date}
            min={min?.slice(0, 10)}
            max={max?.slice(0, 10)}
            onChange={(e) => {
              setDate(e.target.value);
              if (e.target.value) onJump({ kind: 'at', at: e.target.value, seq: Date.now() });
            }}
          />
        </label>
        <button type="submit" className="btn btn-small" disabled={!date}>
          {t('chat.go')}
        </button>
      </form>
      <button
        type="button"
        className="btn btn-small"
        onClick={() => onJump({ kind: 'newest', seq: Date.now() })}
      >
        {t('thread.newest')}
      </button>
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
