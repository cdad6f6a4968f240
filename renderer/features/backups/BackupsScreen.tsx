import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutputFile } from '../../../shared/contract/backup.ts';
import { isDesktop, queryClient, useOp } from '../../api/index.ts';
import { patchParams, useRoute } from '../../app/nav.ts';
import { TabbedScreen, useRouteTab } from '../../components/RoutedTabs.tsx';
import { useCurrentRoot } from '../../app/places.ts';
import { formatBytes, formatDateTime, formatNumber } from '../../components/format.ts';
import { Card, Empty, ErrorState, Loading, SegmentedChoice } from '../../components/ui.tsx';
import { baseName } from './download.ts';
import { useJobSlot } from './jobSlot.ts';
import { MigratePanel } from './MigratePanel.tsx';
import { Field, JobStatusView, OutputLine, parseChatIds } from './parts.tsx';
import { RecoverPanel } from './RecoverPanel.tsx';
import { RestorePanel, VerifyResultView } from './RestorePanel.tsx';
import { PlaceArchivesList, UploadArchive } from './ArchiveChoices.tsx';
import { discardUpload, uploadState } from './upload.ts';
import { BACKUPS_NS, ensureBackupsStrings } from './strings.ts';
import './backups.css';

const TABS = ['create', 'archives', 'recover', 'migrate'] as const;

/**
 * Backups: create (whole root or chosen chats) with progress and cancel; verify and restore archives with the
 * dry-run diff shown before a confirmation; recover damaged DBs and rebuild metadata.json; migrate a legacy
 * user_history.db. Route: `#/backups?tab=<tab>` (+ `chat=<id>` / `path=<file>` to open recover on a chat).
 */
export function BackupsScreen() {
  ensureBackupsStrings();
  const { t } = useTranslation(BACKUPS_NS);
  const route = useRoute();
  const root = useCurrentRoot();
  const tab = useRouteTab(TABS);
  return (
    <TabbedScreen
      name="backups"
      title={t('title')}
      intro={t('intro')}
      tabs={TABS}
      active={tab}
      labelOf={(id) => t(`tab.${id}`)}
      clears={['chat', 'path']}
    >
      {tab === 'create' ? (
        root ? (
          <CreatePanel root={root} />
        ) : (
          <Empty title={t('noRoot')} />
        )
      ) : tab === 'archives' ? (
        <ArchivesPanel root={root} />
      ) : tab === 'recover' ? (
        <RecoverPanel root={root} chatId={route.params.chat ?? null} initialPath={route.params.path ?? ''} />
      ) : (
        <MigratePanel root={root} initialPath={route.params.path ?? ''} />
      )}
    </TabbedScreen>
  );
}

function CreatePanel({ root }: { root: string }) {
  const { t } = useTranslation(BACKUPS_NS);
  const job = useJobSlot('backup.create', 'backup.create');
  const outputs = useOp('backup.outputs', {});
  const [scope, setScope] = useState<'all' | 'some'>('all');
  const [ids, setIds] = useState('');
  const [name, setName] = useState('');
  const [level, setLevel] = useState(3);
  const [check, setCheck] = useState(false);
  const parsed = parseChatIds(ids);
  const invalid = scope === 'some' && (parsed.invalid !== null || parsed.ids.length === 0);
  const running = job.state.status === 'running';
  const result = job.state.result;

  const start = async () => {
    const r = await job.start({
      root,
      chatIds: scope === 'some' ? parsed.ids : undefined,
      out: name.trim() || undefined,
      level,
      check,
    });
    if (r) await queryClient.invalidateQueries({ queryKey: ['backup.outputs'] });
  };

  return (
    <Card title={t('create.title')} testId="backup-create">
      <SegmentedChoice
        options={['all', 'some'] as const}
        value={scope}
        onChange={setScope}
        label={t('create.title')}
        labelOf={(s) => t(s === 'all' ? 'create.scopeAll' : 'create.scopeSome')}
        disabled={running}
      />
      {scope === 'some' ? (
        <Field
          label={t('create.chatIds')}
          hint={
            parsed.invalid ? (
              <span className="error-text">{t('create.chatIdsInvalid', { id: parsed.invalid })}</span>
            ) : null
          }
        >
          <input
            type="text"
            value={ids}
            onChange={(e) => setIds(e.target.value)}
            disabled={running}
            data-testid="backup-chat-ids"
          />
        </Field>
      ) : null}
      <Field
        label={t('fileName')}
        hint={outputs.data ? t('fileNameHint', { dir: outputs.data.dirs.backups }) : null}
      >
        <input
          type="text"
          value={name}
          placeholder={`backup-${baseName(root)}-….tar.gz`}
          onChange={(e) => setName(e.target.value)}
          disabled={running}
          data-testid="backup-name"
        />
      </Field>
      <Field label={t('create.level')}>
        <select value={level} onChange={(e) => setLevel(Number(e.target.value))} disabled={running}>
          <option value={1}>{t('create.levelFast')}</option>
          <option value={3}>{t('create.levelDefault')}</option>
          <option value={9}>{t('create.levelSmall')}</option>
        </select>
      </Field>
      <label style={{ display: 'flex', gap: 6, alignItems: 'center', margin: '8px 0' }}>
        <input
          type="checkbox"
          checked={check}
          onChange={(e) => setCheck(e.target.checked)}
          disabled={running}
        />
        {t('create.check')}
      </label>
      <p className="muted">{t('create.consistent')}</p>
      <button
        type="button"
        className="btn"
        onClick={() => void start()}
        disabled={running || invalid}
        data-testid="backup-start"
      >
        {t('create.start')}
      </button>
      <JobStatusView
        state={job.state}
        label={(p) => t('create.running', { current: p?.current ?? '…' })}
        onCancel={job.cancel}
        testId="backup-progress"
      />
      {result ? (
        <div data-testid="backup-result" style={{ marginTop: 10 }}>
          <p>
            {t('create.done', {
              chats: formatNumber(result.chats),
              files: formatNumber(result.files),
              data: formatBytes(result.dataBytes),
              archive: formatBytes(result.archiveBytes),
              seconds: (result.durationMs / 1000).toFixed(1),
            })}
          </p>
          <OutputLine path={result.out}>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => patchParams({ tab: 'archives', path: result.out })}
            >
              {t('create.verifyNow')}
            </button>
          </OutputLine>
          {result.failed.length + result.notBackedUp.length > 0 ? (
            <div className="banner banner-warning" role="alert" data-testid="backup-not-backed-up">
              <strong>
                {t('create.notBackedUp', {
                  count: result.failed.length + result.notBackedUp.length,
                  n: formatNumber(result.failed.length + result.notBackedUp.length),
                })}
              </strong>
              <ul>
                {result.failed.slice(0, 200).map((f) => (
                  <li key={`chat ${f.chatId}`}>
                    <span className="mono">{`chat_${f.chatId}`}</span>: {f.reason}
                  </li>
                ))}
                {result.notBackedUp.slice(0, 200).map((f) => (
                  <li key={f.path}>
                    <span className="mono">{f.path}</span>: {f.reason}
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <p className="muted" data-testid="backup-all-in">
              {t('create.allIn')}
            </p>
          )}
          {result.damaged.length > 0 ? (
            <div className="banner banner-error">
              <strong>{t('create.damaged')}</strong>
              <ul>
                {result.damaged.map((d) => (
                  <li key={d.path}>
                    <span className="mono">{d.path}</span>: {d.integrity}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {result.skipped.length > 0 ? (
            <details>
              <summary>
                {t('create.skipped')} {result.skipped.length}
              </summary>
              <ul>
                {result.skipped.slice(0, 200).map((s) => (
                  <li key={s.path}>
                    <span className="mono">{s.path}</span>: {s.reason}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}

function ArchivesPanel({ root }: { root: string | null }) {
  const { t } = useTranslation(BACKUPS_NS);
  const route = useRoute();
  const outputs = useOp('backup.outputs', {});
  const verify = useJobSlot('backup.verify', 'backup.verify');
  const [other, setOther] = useState(route.params.path ?? '');
  const [restoring, setRestoring] = useState<{ path: string; name: string } | null>(
    route.params.restore ? { path: route.params.restore, name: baseName(route.params.restore) } : null,
  );
  // The name a person knows the verified archive by (an upload's own name, not its temp path).
  const [verifyName, setVerifyName] = useState<string | null>(null);
  const archives = (outputs.data?.files ?? []).filter((f: OutputFile) => f.kind === 'backup');
  const browser = !isDesktop();

  const runVerify = (archive: string, name: string = baseName(archive)) => {
    setRestoring(null);
    setVerifyName(name);
    void verify.start({ archive, root: root ?? undefined });
  };
  const actions = {
    onVerify: runVerify,
    onRestore: (path: string, name: string) => setRestoring({ path, name }),
    canRestore: root !== null,
  };

  return (
    <>
      {route.params.chat ? (
        <div className="banner banner-info" data-testid="restore-for-chat">
          {t('archives.forChat', { chat: route.params.chat })}
        </div>
      ) : null}
      <Card title={t('archives.title')} testId="archives">
        {outputs.isPending ? (
          <Loading />
        ) : outputs.isError ? (
          <ErrorState error={outputs.error} compact />
        ) : archives.length === 0 ? (
          <p className="muted">{t('archives.none')}</p>
        ) : (
          <table className="mini-table">
            <thead>
              <tr>
                <th>{t('fileName')}</th>
                <th className="num">{t('archives.size')}</th>
                <th>{t('archives.made')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {archives.map((a) => (
                <tr key={a.path} data-testid="archive-row">
                  <td className="mono">{a.name}</td>
                  <td className="num">{formatBytes(a.sizeBytes)}</td>
                  <td>{formatDateTime(a.modifiedAt)}</td>
                  <td style={{ whiteSpace: 'nowrap', textAlign: 'right' }}>
                    <button type="button" className="btn btn-small" onClick={() => runVerify(a.path)}>
                      {t('archives.verify')}
                    </button>{' '}
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => setRestoring({ path: a.path, name: a.name })}
                      disabled={!root}
                    >
                      {t('archives.restore')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {browser ? (
          <UploadArchive {...actions} />
        ) : (
          <Field label={t('archives.otherPath')}>
            <span style={{ display: 'flex', gap: 8 }}>
              <input
                type="text"
                value={other}
                onChange={(e) => setOther(e.target.value)}
                style={{ flex: 1 }}
                data-testid="archive-path"
              />
              <button
                type="button"
                className="btn btn-small"
                disabled={!other.trim()}
                onClick={() => runVerify(other.trim())}
              >
                {t('archives.verify')}
              </button>
              <button
                type="button"
                className="btn btn-small"
                disabled={!other.trim() || !root}
                onClick={() => setRestoring({ path: other.trim(), name: baseName(other.trim()) })}
              >
                {t('archives.restore')}
              </button>
            </span>
          </Field>
        )}
        <PlaceArchivesList {...actions} />
        <JobStatusView
          state={verify.state}
          label={(p) => t('archives.verifyRunning', { current: p?.current ?? '…' })}
          onCancel={verify.cancel}
        />
        {verify.state.result && !restoring ? (
          <VerifyResultView
            result={verify.state.result}
            name={verifyName ?? baseName(verify.state.result.archive)}
            onRestore={
              root && verify.state.result.restorable
                ? () => setRestoring({ path: verify.state.result!.archive, name: verifyName ?? '' })
                : undefined
            }
          />
        ) : null}
      </Card>
      {restoring && root ? (
        <RestorePanel
          key={restoring.path}
          archive={restoring.path}
          archiveName={restoring.name || baseName(restoring.path)}
          root={root}
          chatIds={route.params.chat ?? ''}
          onClose={() => setRestoring(null)}
          onApplied={() => {
            // An uploaded archive has been used: it leaves the server now.
            const upload = uploadState();
            if (upload.status === 'ready' && upload.archive.path === restoring.path) discardUpload();
          }}
        />
      ) : null}
    </>
  );
}
