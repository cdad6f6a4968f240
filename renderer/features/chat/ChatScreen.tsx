import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, useOp } from '../../api/index.ts';
import { isTypingTarget } from '../../app/keyboard.ts';
import { navigate, parseHash, useRoute } from '../../app/nav.ts';
import { useCurrentRoot } from '../../app/places.ts';
import { displayName, formatNumber } from '../../components/format.ts';
import {
  Thread,
  type PageParam,
  type SessionInfo,
  type ThreadAnchor,
} from '../../components/thread/Thread.tsx';
import { Empty, ErrorState, Loading, Spinner } from '../../components/ui.tsx';
import { RoutedTabs, useRouteTab } from '../../components/RoutedTabs.tsx';
import { chatOrder, chatsUi, neighbourChat } from '../chats/chatsUi.ts';
import { useFleetChat } from '../chats/hooks.ts';
import { ListHealthBadge, PartialCount } from '../chats/ListHealthBadge.tsx';
import { ensureScan } from '../chats/scanStore.ts';
import { MetricsCharts } from './MetricsCharts.tsx';
import { ProgressCharts } from './ProgressCharts.tsx';
import { SidePanel } from './SidePanel.tsx';
import { ExportButton } from '../backups/index.ts';
import { ChatIcon, FolderIcon } from '../../components/icons.tsx';
import { DateField } from '../../components/DateField.tsx';
import { ChatSearch } from './ChatSearch.tsx';
import { WordedText } from '../../components/worded.tsx';
import { wordFinding } from '../../i18n/findings.ts';

const TABS = ['conversation', 'progress', 'metrics'] as const;
type Tab = (typeof TABS)[number];

export function ChatScreen() {
  const { t } = useTranslation();
  const route = useRoute();
  const root = useCurrentRoot();
  const chatId = route.params.id ?? chatsUi.get().lastChatId ?? null;
  const tab = useRouteTab(TABS);
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
  // A new ?msg= (another search hit) or ?tree= (the chat's other copy) opens the chat afresh.
  const tree = route.params.tree || undefined;
  return (
    <ChatView
      key={`${root}|${chatId}|${tree ?? ''}|${route.params.msg ?? ''}`}
      root={root}
      chatId={chatId}
      tree={tree}
      tab={tab}
    />
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

function ChatView({
  root,
  chatId,
  tree,
  tab,
}: {
  root: string;
  chatId: string;
  /** The chat's copy in this chat tree of the root (?tree=); the plain id's copy when absent. */
  tree: string | undefined;
  tab: Tab;
}) {
  const { t } = useTranslation();
  const inTree = useMemo(() => (tree !== undefined ? { tree } : {}), [tree]);
  const detail = useOp('chat.detail', { root, chatId, ...inTree });
  const metrics = useOp('chat.metrics', { root, chatId, ...inTree }, { enabled: tab !== 'conversation' });
  // The root's chat trees, from the fleet index: the chat's tree is shown when there is more than one.
  const overview = useOp('fleet.overview', { root });
  const severalTrees = (overview.data?.trees.length ?? 0) > 1 || (detail.data?.copies?.length ?? 0) > 0;
  // A hit of the search across chats opens the chat at that message (?msg=<id>).
  // A chat's message ids are its rows' ids: anything else in the address opens the newest page.
  const messageParam = useRoute().params.msg;
  const [anchor, setAnchor] = useState<ThreadAnchor>(
    messageParam && /^[1-9]\d{0,15}$/.test(messageParam)
      ? { kind: 'id', id: messageParam, seq: 0 }
      : { kind: 'newest' },
  );
  // Below 1100 px the side panel is a drawer opened by a toggle (CSS hides the toggle on wide screens).
  const [panelOpen, setPanelOpen] = useState(false);

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
        if (document.querySelector('.chat-body.panel-open')) setPanelOpen(false);
        else navigate('chats');
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
    (param: PageParam & { limit: number }) => call('chat.messages', { root, chatId, ...inTree, ...param }),
    [root, chatId, inTree],
  );
  const queryKey = useMemo(
    () => ['chat.messages', root, chatId, tree ?? null] as const,
    [root, chatId, tree],
  );

  // The health is the fleet index's, from the same findings as the list and the Integrity screen.
  const indexed = useFleetChat(root, chatId);
  const scanRow = indexed?.row ?? null;
  const d = detail.data;
  const title = displayName(d?.profile) ?? scanRow?.name ?? t('chat.untitled');
  const health = indexed ? (scanRow?.health ?? 'unchecked') : undefined;
  // The counts state main computed once for this chat (the list's): unread is "—", partial says so.
  const countsState = d?.countsState ?? (scanRow?.unread ? 'unread' : scanRow?.partial ? 'partial' : 'whole');
  // A DB held by another program is not damage: it is said as Locked (info), apart from real problems.
  const lockedProblems = d?.problems.filter((p) => p.code === 'locked') ?? [];
  const otherProblems = d?.problems.filter((p) => p.code !== 'locked') ?? [];

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
            {health ? <ListHealthBadge health={health} locked={scanRow?.locked} /> : null}
            {d?.profile?.currentLevel ? <span className="level">{d.profile.currentLevel}</span> : null}
            {d ? (
              <span className="muted">
                <PartialCount
                  partial={countsState === 'partial'}
                  unread={countsState === 'unread'}
                  value={t('chat.summary', {
                    messages: t('chat.messagesN', {
                      count: d.counts.messages,
                      n: formatNumber(d.counts.messages),
                    }),
                    sessions: t('chat.sessionsN', {
                      count: d.counts.sessions,
                      n: formatNumber(d.counts.sessions),
                    }),
                  })}
                />
              </span>
            ) : null}
            {d && severalTrees && d.tree !== undefined ? (
              <span className="chat-tree" data-testid="chat-tree" data-tree={d.tree}>
                {t('chat.tree', { tree: d.tree })}
                {(d.copies ?? []).map((c) => (
                  <button
                    key={c.tree}
                    type="button"
                    className="btn btn-small btn-ghost"
                    data-testid="chat-other-copy"
                    data-tree={c.tree}
                    onClick={() => navigate('chat', { id: chatId, tree: c.tree })}
                  >
                    {d.newerIn === c.tree
                      ? t('chat.openCopyNewer', { tree: c.tree })
                      : t('chat.openCopy', { tree: c.tree })}
                  </button>
                ))}
              </span>
            ) : null}
            {detail.isFetching ? <Spinner /> : null}
          </div>
        </div>
        <div className="chat-nav">
          <button
            type="button"
            className="btn btn-small panel-toggle"
            aria-expanded={panelOpen}
            aria-controls="chat-side-panel"
            data-testid="chat-panel-toggle"
            onClick={() => setPanelOpen((o) => !o)}
          >
            {t('chat.details')}
          </button>
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
      <RoutedTabs
        tabs={TABS}
        active={tab}
        label={t('chat.views')}
        idPrefix=""
        labelOf={(id) => t(`chat.tab.${id}`)}
      />
      {detail.isError ? (
        <ErrorState error={detail.error} title={t('chat.unreadable')} onRetry={() => void detail.refetch()} />
      ) : (
        <div className={`chat-body${panelOpen ? ' panel-open' : ''}`}>
          <div className="chat-main" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
            {lockedProblems.length > 0 ? (
              <div className="banner banner-info" role="status" data-testid="chat-locked">
                <strong>{t('health.locked')}</strong>
                <ul>
                  {lockedProblems.map((p, i) => (
                    <li key={i} title={wordFinding(p).text}>
                      {t('health.lockedHint', { file: p.file })}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            {otherProblems.length > 0 ? (
              <div className="banner banner-error" role="alert" data-testid="chat-problems">
                <strong>{t('chat.problemsTitle')}</strong>
                <ul>
                  {otherProblems.map((p, i) => (
                    <li key={i} data-code={p.code}>
                      <WordedText worded={wordFinding(p)} />
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            {tab === 'conversation' ? (
              <>
                <ThreadToolbar root={root} chatId={chatId} tree={tree} onJump={setAnchor} />
                <Thread
                  queryKey={queryKey}
                  fetchPage={fetchPage}
                  anchor={anchor}
                  sessions={sessions}
                  autoFocus
                />
              </>
            ) : detail.isPending ? (
              <Loading />
            ) : tab === 'progress' && d ? (
              <div className="scroll-pane">
                <ProgressCharts root={root} detail={d} metrics={metrics.data} />
              </div>
            ) : (
              <div className="scroll-pane">
                <MetricsCharts
                  metrics={metrics.data}
                  error={metrics.error}
                  loading={metrics.isPending}
                  sessionsTotal={d?.counts.sessions ?? undefined}
                />
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
  tree,
  onJump,
}: {
  root: string;
  chatId: string;
  tree: string | undefined;
  onJump: (anchor: ThreadAnchor) => void;
}) {
  const { t } = useTranslation();
  const [date, setDate] = useState('');

  return (
    <div className="toolbar thread-toolbar">
      <ChatSearch
        root={root}
        chatId={chatId}
        tree={tree}
        onHit={(id) => onJump({ kind: 'id', id: String(id), seq: Date.now() })}
      />
      <form
        className="date-jump"
        onSubmit={(e) => {
          e.preventDefault();
          if (date) onJump({ kind: 'at', at: date, seq: Date.now() });
        }}
      >
        <DateField
          label={t('chat.jumpToDate')}
          value={date}
          testId="chat-jump-date"
          onChange={(day) => {
            setDate(day);
            if (day) onJump({ kind: 'at', at: day, seq: Date.now() });
          }}
        />
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
