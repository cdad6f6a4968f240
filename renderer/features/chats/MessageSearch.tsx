import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { routeHref } from '../../app/nav.ts';
import { useStore } from '../../app/store.ts';
import { formatDateTime, formatNumber } from '../../components/format.ts';
import { ErrorState, Spinner } from '../../components/ui.tsx';
import { chatsUi } from './chatsUi.ts';
import {
  cancelMessageSearch,
  closeMessageSearch,
  messageSearch,
  startMessageSearch,
} from './messageSearch.ts';
import { CHATS_NS, ensureChatsStrings } from './strings.ts';

/**
 * "Which users complained about the payment?": a search through every chat's messages, streamed from the
 * workers with progress and cancel. A hit opens its chat at that message.
 */
export function MessageSearch({ root }: { root: string }) {
  ensureChatsStrings();
  const { t } = useTranslation(CHATS_NS);
  const state = useStore(messageSearch);
  const [text, setText] = useState(state.root === root ? state.query : '');
  const [role, setRole] = useState<'user' | 'bot' | ''>(state.root === root ? state.role : '');
  const running = state.status === 'running';
  const shown = state.open && state.root === root;

  return (
    <div className="message-search-wrap">
      <form
        className="message-search"
        role="search"
        aria-label={t('messageSearch.label')}
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) startMessageSearch(root, text.trim(), role);
        }}
      >
        <input
          type="search"
          aria-label={t('messageSearch.label')}
          placeholder={t('messageSearch.placeholder')}
          value={text}
          maxLength={200}
          data-message-search
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              closeMessageSearch();
            }
          }}
        />
        <label className="select-field">
          <span>{t('messageSearch.role')}</span>
          <select value={role} onChange={(e) => setRole(e.target.value as 'user' | 'bot' | '')}>
            <option value="">{t('messageSearch.anyRole')}</option>
            <option value="user">{t('messageSearch.user')}</option>
            <option value="bot">{t('messageSearch.bot')}</option>
          </select>
        </label>
        <button type="submit" className="btn btn-small" disabled={!text.trim()}>
          {t('messageSearch.go')}
        </button>
      </form>
      {shown ? (
        <div className="message-search-panel" data-testid="message-search-results">
          <div className="message-search-head" aria-live="polite">
            {running ? <Spinner /> : null}
            <span data-search-status={state.status}>
              {running
                ? t('messageSearch.running', {
                    done: formatNumber(state.progress?.done ?? 0),
                    total: state.progress?.total == null ? '…' : formatNumber(state.progress.total),
                  })
                : state.status === 'cancelled'
                  ? t('messageSearch.cancelled')
                  : state.summary
                    ? state.summary.totalHits === 0
                      ? t('messageSearch.none')
                      : `${t('messageSearch.hits', {
                          count: state.summary.totalHits,
                          n: formatNumber(state.summary.totalHits),
                          chats: t('messageSearch.inChats', {
                            count: state.summary.chatsSearched,
                            n: formatNumber(state.summary.chatsSearched),
                          }),
                        })}${state.summary.capped ? ` ${t('messageSearch.capped', { n: formatNumber(state.hits.length) })}` : ''}`
                    : null}
            </span>
            <div className="toolbar-spacer" />
            {running ? (
              <button type="button" className="btn btn-small" onClick={cancelMessageSearch}>
                {t('common.cancel', { ns: 'translation' })}
              </button>
            ) : null}
            <button type="button" className="btn btn-ghost btn-small" onClick={closeMessageSearch}>
              {t('messageSearch.close')}
            </button>
          </div>
          {state.status === 'failed' ? (
            <ErrorState error={state.error} title={t('messageSearch.label')} compact />
          ) : null}
          <ul aria-label={t('messageSearch.resultsLabel')}>
            {state.hits.map((hit) => (
              <li key={`${hit.chatId}:${hit.tree ?? ''}:${hit.messageId}`}>
                <a
                  // A root with more than one chat tree: the hit's copy (every copy is searched).
                  href={routeHref('chat', { id: hit.chatId, tree: hit.tree, msg: String(hit.messageId) })}
                  data-hit-chat={hit.chatId}
                  data-hit-tree={hit.tree}
                  data-hit-message={hit.messageId}
                  onClick={() => chatsUi.set((s) => ({ ...s, activeId: hit.chatId, lastChatId: hit.chatId }))}
                >
                  <span className="hit-chat">{hit.chatId}</span>
                  {hit.tree !== undefined ? <span className="hit-tree muted">{hit.tree}</span> : null}
                  <span className="hit-time muted">{formatDateTime(hit.timestamp)}</span>
                  <span className="muted">{hit.role}</span>
                  <span className="hit-text" dir="auto">
                    {hit.snippet}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
