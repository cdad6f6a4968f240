import { useTranslation } from 'react-i18next';
import type { ChatDetail } from '../../../shared/domain.ts';
import { formatBytes, formatDateTime, formatNumber, formatRelative } from '../../components/format.ts';
import { KeyValue } from '../../components/ui.tsx';
import { wordFinding, wordMismatch } from '../../i18n/findings.ts';
import { PartialCount } from '../chats/ListHealthBadge.tsx';

const yesNo = (t: (k: string) => string, v: boolean | null) =>
  v === null ? '—' : v ? t('common.yes') : t('common.no');

/** Everything about a chat that is not the thread: profile, preferences, files, metadata, problems. */
export function SidePanel({ detail }: { detail: ChatDetail }) {
  const { t } = useTranslation();
  const p = detail.profile;
  const prefs = detail.preferences;
  const c = detail.counts;
  // The list's counts state (main's one state): unread figures are unknown (—), never 0; partial ones say so.
  const state = detail.countsState ?? 'whole';
  const unknown = state === 'unread';
  const figure = (n: number | null) => (unknown || n === null ? null : formatNumber(n));
  return (
    <aside
      id="chat-side-panel"
      className="side-panel"
      aria-label={t('chat.details')}
      data-testid="chat-side-panel"
    >
      <section className="panel-section">
        <h3>{t('chat.profile')}</h3>
        {p ? (
          <KeyValue
            rows={[
              [t('chat.name'), [p.firstName, p.lastName].filter(Boolean).join(' ') || null],
              [t('chat.username'), p.username ? `@${p.username}` : null],
              [t('chat.level'), p.currentLevel ? <span className="level">{p.currentLevel}</span> : null],
              [t('chat.language'), p.preferredLanguage],
              [t('chat.created'), p.createdAt ? formatDateTime(p.createdAt) : null],
              [
                t('chat.lastActive'),
                detail.lastActive ? (
                  <span
                    title={formatDateTime(detail.lastActive)}
                    data-testid="side-last-active"
                    data-value={detail.lastActive}
                  >
                    {formatRelative(detail.lastActive)}
                  </span>
                ) : null,
              ],
              [
                t('chat.streak'),
                p.studyStreak === null ? null : t('progress.streakDays', { count: p.studyStreak }),
              ],
              [t('chat.totalMessages'), formatNumber(p.totalMessages)],
            ]}
          />
        ) : (
          <p className="muted">{t('chat.noProfile')}</p>
        )}
      </section>
      <section className="panel-section">
        <h3>{t('chat.counts')}</h3>
        <KeyValue
          rows={[
            [
              t('chat.messages'),
              <span key="messages" data-testid="side-messages" data-counts={state}>
                <PartialCount
                  partial={state === 'partial'}
                  unread={unknown || c.messages === null}
                  value={`${formatNumber(c.messages)} (${formatNumber(c.userMessages)} / ${formatNumber(c.botMessages)})`}
                />
              </span>,
            ],
            [
              t('chat.sessions'),
              <span key="sessions" data-testid="side-sessions" data-counts={state}>
                <PartialCount
                  partial={state === 'partial'}
                  unread={unknown || c.sessions === null}
                  value={formatNumber(c.sessions)}
                />
              </span>,
            ],
            [t('chat.voiceMessages'), figure(c.voiceMessages)],
            [t('chat.withErrors'), figure(c.messagesWithErrors)],
            [t('chat.firstMessage'), detail.firstMessageAt ? formatDateTime(detail.firstMessageAt) : null],
            [t('chat.lastMessage'), detail.lastMessageAt ? formatDateTime(detail.lastMessageAt) : null],
            [
              t('chat.lastBackup'),
              detail.lastBackup ? (
                <span data-testid="chat-last-backup" title={detail.lastBackup.archive ?? undefined}>
                  {formatDateTime(detail.lastBackup.at)} (
                  {t(
                    detail.lastBackup.source === 'archive'
                      ? 'chat.lastBackupArchive'
                      : 'chat.lastBackupMetadata',
                  )}
                  )
                </span>
              ) : detail.lastBackup === null ? (
                t('chat.lastBackupNone')
              ) : null,
            ],
          ]}
        />
      </section>
      <section className="panel-section">
        <h3>{t('chat.preferences')}</h3>
        {prefs ? (
          <KeyValue
            rows={[
              [t('prefs.voice'), yesNo(t, prefs.voiceEnabled)],
              [t('prefs.explanationLanguage'), prefs.explanationLanguage],
              [t('prefs.difficulty'), prefs.difficultyPreference],
              [t('prefs.feedback'), prefs.feedbackStyle],
              [t('prefs.reminders'), yesNo(t, prefs.studyReminders)],
              [
                t('prefs.frequency'),
                prefs.reminderFrequency === null
                  ? null
                  : t('prefs.everyHours', { count: prefs.reminderFrequency }),
              ],
            ]}
          />
        ) : (
          <p className="muted">{t('chat.noPreferences')}</p>
        )}
      </section>
      <section className="panel-section">
        <h3>{t('chat.files')}</h3>
        <table className="mini-table">
          <thead>
            <tr>
              <th scope="col">{t('chat.file')}</th>
              <th scope="col" className="num">
                {t('chat.size')}
              </th>
              <th scope="col" className="num">
                -wal
              </th>
            </tr>
          </thead>
          <tbody>
            {detail.files.map((f) => (
              <tr key={f.name} className={f.exists ? undefined : 'is-missing'}>
                <td className="mono">{f.name}</td>
                <td className="num">{f.exists ? formatBytes(f.sizeBytes) : t('chat.missing')}</td>
                <td className="num">{f.walBytes > 0 ? formatBytes(f.walBytes) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="mono muted path" title={detail.dir}>
          {detail.dir}
        </div>
      </section>
      <section className="panel-section">
        <h3>
          metadata.json{' '}
          <span className={`badge badge-${detail.metadata.state === 'ok' ? 'ok' : 'warning'}`}>
            {t(`metadata.${detail.metadata.state}`)}
          </span>
        </h3>
        {detail.metadata.mismatches.length > 0 ? (
          <ul className="differences">
            {detail.metadata.mismatches.map((m) => (
              <li key={m.field}>{wordMismatch(m)}</li>
            ))}
          </ul>
        ) : detail.metadata.state === 'malformed' ? (
          <p>{wordFinding({ code: 'metadata_malformed', file: 'metadata.json' }).text}</p>
        ) : detail.metadata.state === 'ok' ? (
          <p className="muted">{t('metadata.matches')}</p>
        ) : null}
        {detail.metadata.raw !== null ? (
          <details>
            <summary>{t('metadata.raw')}</summary>
            <pre className="json">{JSON.stringify(detail.metadata.raw, null, 2)}</pre>
          </details>
        ) : null}
      </section>
    </aside>
  );
}
