import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MigrateResult } from '../../../shared/contract/backup.ts';
import { queryClient, useOp } from '../../api/index.ts';
import { useCurrentPlace } from '../../app/places.ts';
import { formatNumber } from '../../components/format.ts';
import { Card } from '../../components/ui.tsx';
import { useJobSlot } from './jobSlot.ts';
import { JobStatusView, PathField } from './parts.tsx';
import { BACKUPS_NS } from './strings.ts';

function Summary({ result }: { result: MigrateResult }) {
  const { t } = useTranslation(BACKUPS_NS);
  const ok = result.dryRun || result.integrityPercent === 100 ? '✅' : '❌';
  const conflicts = result.chats.filter((c) => c.action === 'conflict').map((c) => c.chatId);
  return (
    <div data-testid="migrate-result" style={{ marginTop: 10 }}>
      <ul style={{ listStyle: 'none', padding: 0 }}>
        <li>
          {ok} {t('migrate.users')}: {formatNumber(result.totals.users)}
        </li>
        <li>
          {ok} {t('migrate.messages')}: {formatNumber(result.totals.messages)}
        </li>
        <li>
          {ok} {t('migrate.sessions')}: {formatNumber(result.totals.sessions)}
        </li>
        {!result.dryRun ? (
          <li>
            {ok} {t('migrate.integrity')}: {result.integrityPercent}%
          </li>
        ) : null}
      </ul>
      {conflicts.length ? (
        <p className="warn-text">{t('migrate.conflicts', { ids: conflicts.slice(0, 20).join(', ') })}</p>
      ) : null}
      <table className="mini-table">
        <tbody>
          {result.chats.slice(0, 500).map((c) => (
            <tr key={c.chatId}>
              <td className="mono">{c.chatId}</td>
              <td>{t(`migrate.action_${c.action}`)}</td>
              <td className="muted">
                {c.tables
                  .map(
                    (tb) =>
                      `${tb.table} ${tb.migrated ?? tb.source}${tb.checksumOk === false ? ' ✗' : tb.checksumOk ? ' ✓' : ''}`,
                  )
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MigratePanel({ root, initialPath }: { root: string | null; initialPath: string }) {
  const { t } = useTranslation(BACKUPS_NS);
  const place = useCurrentPlace();
  const [source, setSource] = useState(initialPath || (place?.kind === 'file' ? place.path : ''));
  const [target, setTarget] = useState(root ?? '');
  const [force, setForce] = useState(false);
  const preview = useJobSlot('migrate-preview', 'migrate.run');
  const run = useJobSlot('migrate', 'migrate.run');
  const busy = preview.state.status === 'running' || run.state.status === 'running';
  const ready = source.trim() !== '' && target.trim() !== '';
  const input = { path: source.trim(), root: target.trim() };
  const conflicts = preview.state.result?.chats.some((c) => c.action === 'conflict') ?? false;
  const places = useOp('places.list', {}).data?.places ?? [];
  const roots = places.filter((p) => p.kind === 'root');
  const found = useOp('files.list', { root: root ?? '' }, { enabled: root !== null }).data?.files ?? [];
  const sources = [
    ...new Map(
      [
        ...places.filter((p) => p.kind === 'file').map((p) => ({ path: p.path, label: p.label })),
        ...found.map((f) => ({ path: f.path, label: f.relPath })),
      ].map((s) => [s.path, s]),
    ).values(),
  ];

  return (
    <Card title={t('migrate.title')} testId="migrate-panel">
      <p className="muted">{t('migrate.intro')}</p>
      {/* Choices instead of typing (browser mode has no dialog): SQLite files in the root, opened files. */}
      <PathField
        label={t('migrate.source')}
        value={source}
        onChange={setSource}
        disabled={busy}
        listId="migrate-sources"
        choices={sources}
        testId="migrate-source"
      />
      <PathField
        label={t('migrate.into')}
        value={target}
        onChange={setTarget}
        disabled={busy}
        listId="migrate-roots"
        choices={roots}
      />
      <div style={{ display: 'flex', gap: 8 }}>
        <button
          type="button"
          className="btn"
          disabled={busy || !ready}
          onClick={() => {
            run.reset();
            void preview.start({ ...input, dryRun: true });
          }}
        >
          {t('migrate.preview')}
        </button>
        <button
          type="button"
          className="btn"
          disabled={busy || !ready || !preview.state.result || (conflicts && !force)}
          onClick={() => void run.start({ ...input, force }).then(() => queryClient.invalidateQueries())}
          data-testid="migrate-start"
        >
          {t('migrate.start')}
        </button>
      </div>
      {conflicts ? (
        <label style={{ display: 'flex', gap: 6, alignItems: 'center', marginTop: 8 }}>
          <input
            type="checkbox"
            checked={force}
            onChange={(e) => setForce(e.target.checked)}
            disabled={busy}
          />
          {t('migrate.replaceExisting')}
        </label>
      ) : null}
      <JobStatusView state={preview.state} label={() => t('migrate.preview')} onCancel={preview.cancel} />
      <JobStatusView
        state={run.state}
        label={(p) => t('migrate.running', { current: p?.current ?? '…' })}
        onCancel={run.cancel}
      />
      {run.state.result ? (
        <Summary result={run.state.result} />
      ) : preview.state.result ? (
        <Summary result={preview.state.result} />
      ) : null}
    </Card>
  );
}
