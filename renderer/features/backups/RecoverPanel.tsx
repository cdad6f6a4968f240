import { useEffect, useState } from 'react';
import { WordedText } from '../../components/worded.tsx';
import { wordFinding } from '../../i18n/findings.ts';
import { useTranslation } from 'react-i18next';
import { call, queryClient, toAppError, useOp } from '../../api/index.ts';
import { navigate } from '../../app/nav.ts';
import { showToast } from '../../app/toasts.tsx';
import { Card, ConfirmDialog, ErrorState, HealthBadge, Loading } from '../../components/ui.tsx';
import { useChatsWithHealth } from '../chats/hooks.ts';
import { ensureScan } from '../chats/scanStore.ts';
import { useJobSlot } from './jobSlot.ts';
import { Field, JobStatusView, OutputLine } from './parts.tsx';
import { RecoverFigures } from './RecoverTables.tsx';
import { BACKUPS_NS } from './strings.ts';

/** Opens the Recover tab on a chat (for a "Recover" action next to a corrupt/truncated finding). */
export function openRecover(chatId: string, path?: string): void {
  navigate('backups', { tab: 'recover', chat: chatId, path });
}

function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return `${dir.replace(/[\\/]$/, '')}${sep}${name}`;
}

function ChatProblems({
  root,
  chatId,
  onPick,
}: {
  root: string;
  chatId: string;
  onPick: (path: string) => void;
}) {
  const { t } = useTranslation(BACKUPS_NS);
  const detail = useOp('chat.detail', { root, chatId });
  const [rebuilt, setRebuilt] = useState<string | null>(null);
  if (detail.isPending) return <Loading />;
  if (detail.isError) return <ErrorState error={detail.error} compact />;
  const d = detail.data;
  const dbProblems = d.problems.filter((p) => p.file.endsWith('.db'));
  const metaState = d.metadata.state;
  const rebuild = () => {
    call('metadata.rebuild', { root, chatId })
      .then((r) => {
        setRebuilt(
          t('recover.rebuildDone', { kept: r.backup ? t('recover.rebuildKept', { path: r.backup }) : '' }),
        );
        void queryClient.invalidateQueries();
      })
      .catch((error: unknown) => showToast(toAppError(error).message, 'error'));
  };
  return (
    <div data-testid="recover-chat" style={{ marginTop: 8 }}>
      <h4 style={{ margin: '6px 0' }}>{t('recover.problems', { chatId })}</h4>
      {dbProblems.length === 0 ? <p className="muted">{t('recover.noProblems')}</p> : null}
      <ul>
        {dbProblems.map((p) => (
          <li key={p.file} style={{ margin: '4px 0' }}>
            <WordedText worded={wordFinding(p)} />{' '}
            <button
              type="button"
              className="btn btn-small"
              onClick={() => onPick(joinPath(d.dir, p.file))}
              data-testid="recover-pick"
            >
              {t('recover.useFile')}
            </button>
          </li>
        ))}
      </ul>
      {metaState !== 'ok' ? (
        <p>
          {t('recover.metadataState', {
            state: t(`recover.metadata_${metaState}`, { defaultValue: metaState }),
          })}{' '}
          <button type="button" className="btn btn-small" onClick={rebuild} data-testid="rebuild-metadata">
            {t('recover.rebuildMetadata')}
          </button>
        </p>
      ) : null}
      {rebuilt ? <p className="muted">{rebuilt}</p> : null}
    </div>
  );
}

export function RecoverPanel({
  root,
  chatId,
  initialPath,
}: {
  root: string | null;
  chatId: string | null;
  initialPath: string;
}) {
  const { t } = useTranslation(BACKUPS_NS);
  const [selected, setSelected] = useState<string | null>(chatId);
  const [path, setPath] = useState(initialPath);
  const [confirming, setConfirming] = useState(false);
  const job = useJobSlot('recover', 'recover.run');
  const place = useJobSlot('recover-in-place', 'recover.place');
  useEffect(() => {
    if (root) ensureScan(root);
  }, [root]);
  const errors = useChatsWithHealth(root, 'error');
  const result = job.state.result;
  const busy = job.state.status === 'running' || place.state.status === 'running';

  return (
    <Card title={t('recover.title')} testId="recover-panel">
      <p className="muted">{t('recover.intro')}</p>
      {root ? (
        <>
          <h4 style={{ margin: '6px 0' }}>{t('recover.chatsWithErrors')}</h4>
          {errors.length === 0 ? (
            <p className="muted">{t('recover.noErrors')}</p>
          ) : (
            <div style={{ display: 'flex', flexWrap: 'wrap', gap: 6 }}>
              {errors.slice(0, 100).map((r) => (
                <button
                  key={r.chatId}
                  type="button"
                  className={`btn btn-small${selected === r.chatId ? ' is-active' : ''}`}
                  aria-pressed={selected === r.chatId}
                  onClick={() => setSelected(r.chatId)}
                >
                  <HealthBadge health={r.health} /> <span className="mono">{r.chatId}</span> {r.name ?? ''}
                </button>
              ))}
            </div>
          )}
          {selected ? <ChatProblems root={root} chatId={selected} onPick={setPath} /> : null}
        </>
      ) : null}
      <Field label={t('recover.dbPath')}>
        <span style={{ display: 'flex', gap: 8 }}>
          <input
            type="text"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            style={{ flex: 1 }}
            disabled={busy}
            data-testid="recover-path"
          />
          <button
            type="button"
            className="btn"
            disabled={busy || !path.trim()}
            onClick={() => {
              place.reset();
              void job.start({ path: path.trim() });
            }}
            data-testid="recover-start"
          >
            {t('recover.start')}
          </button>
        </span>
      </Field>
      <JobStatusView
        state={job.state}
        label={(p) => t('recover.running', { current: p?.current ?? '…' })}
        onCancel={job.cancel}
      />
      {result ? (
        <div data-testid="recover-result" style={{ marginTop: 10 }}>
          <p>{t(`recover.method_${result.method}`)}</p>
          {result.pageSizeInferredFrom !== null ? (
            <p data-testid="recover-page-size">
              {t('recover.pageSizeInferred', { header: result.pageSizeInferredFrom })}
            </p>
          ) : null}
          <RecoverFigures result={result} />
          {result.wal && result.wal.ignoredFrames > 0 ? (
            <p className="muted">
              {t('recover.walIgnored', { count: result.wal.ignoredFrames, why: result.wal.stoppedBecause })}
            </p>
          ) : null}
          {result.notes.length ? (
            <ul className="muted">
              {result.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          ) : null}
          {result.out ? (
            <>
              <p className="muted">
                {t('recover.savedAs', { path: result.out, integrity: result.integrity })}
              </p>
              <OutputLine path={result.out}>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={busy || place.state.status === 'done'}
                  onClick={() => setConfirming(true)}
                >
                  {t('recover.putInPlace')}
                </button>
              </OutputLine>
            </>
          ) : null}
        </div>
      ) : null}
      {confirming && result?.out ? (
        <ConfirmDialog
          title={t('recover.confirmTitle')}
          body={t('recover.confirmBody', { path: result.source })}
          confirmLabel={t('recover.confirm')}
          cancelLabel={t('cancel')}
          testId="recover-confirm"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void place
              .start({ path: result.source, recovered: result.out! })
              .then(() => queryClient.invalidateQueries());
          }}
        />
      ) : null}
      <JobStatusView state={place.state} label={() => t('recover.placing')} onCancel={place.cancel} />
      {place.state.result?.placedInto ? (
        <p data-testid="recover-placed">
          {t('recover.placed', {
            path: place.state.result.placedInto,
            backup: place.state.result.backup ?? '',
          })}
        </p>
      ) : null}
    </Card>
  );
}
