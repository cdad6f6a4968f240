import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RestoreResult, RowCountDiff, VerifyResult } from '../../../shared/contract/backup.ts';
import { isDesktop, queryClient, useOp } from '../../api/index.ts';
import { formatDateTime, formatNumber } from '../../components/format.ts';
import { Card, ConfirmDialog } from '../../components/ui.tsx';
import { baseName } from './download.ts';
import { useJobSlot } from './jobSlot.ts';
import { Field, JobStatusView, parseChatIds, PathChoices } from './parts.tsx';
import { BACKUPS_NS } from './strings.ts';

/**
 * What verify found, said plainly: "All N files verified" (or the problems), whether restore would accept the
 * archive, and the chats of the open root that this archive does not hold.
 */
export function VerifyResultView({
  result,
  name,
  onRestore,
}: {
  result: VerifyResult;
  /** The archive as the person knows it (an upload's own file name). */
  name?: string;
  /** Offered when the archive can be restored into the open root. */
  onRestore?: () => void;
}) {
  const { t } = useTranslation(BACKUPS_NS);
  const m = result.manifest;
  const bad = result.files.filter((f) => f.problems.length > 0);
  const damagedAtBackup = result.files.filter((f) => f.damagedAtBackup);
  const missing = result.notInArchive;
  return (
    <div
      data-testid="verify-result"
      data-ok={result.ok}
      data-restorable={result.restorable}
      style={{ marginTop: 10 }}
    >
      <p className="mono path">{name ?? result.archive}</p>
      {m?.kind === 'file' ? (
        <p className="muted">
          {t('archives.madeByFile', {
            name: result.files[0]?.name ?? '',
            date: formatDateTime(m.createdAt),
            root: m.sourceRoot,
            version: m.toolVersion,
          })}
        </p>
      ) : m ? (
        <p className="muted">
          {t('archives.madeBy', {
            chats: formatNumber(m.chats),
            files: formatNumber(m.files),
            date: formatDateTime(m.createdAt),
            root: m.sourceRoot,
            version: m.toolVersion,
          })}
        </p>
      ) : null}
      {result.withoutManifest ? (
        <p data-testid="verify-without-manifest">
          <span className="badge badge-warning">
            <span className="badge-dot" aria-hidden="true" />
            {t('archives.checkedNotProven')}
          </span>{' '}
          {t('archives.withoutManifest', {
            chats: formatNumber(result.withoutManifest.chats),
            files: formatNumber(result.withoutManifest.files),
          })}
        </p>
      ) : null}
      {result.ok && result.withoutManifest ? null : result.ok ? (
        <p data-testid="verify-all">
          <span className="badge badge-ok">
            <span className="badge-dot" aria-hidden="true" />
            {t('archives.ok')}
          </span>{' '}
          {t('archives.verifyAll', { count: result.files.length, n: formatNumber(result.files.length) })}
        </p>
      ) : (
        <div className="banner banner-error" role="alert">
          <strong>{t('archives.verifyProblems')}</strong>
          <ul>
            {result.problems.map((p, i) => (
              <li key={`a${i}`}>{p}</li>
            ))}
            {bad.slice(0, 200).map((f) => (
              <li key={f.path}>
                <span className="mono">{f.path}</span>: {f.problems.join('; ')}
              </li>
            ))}
          </ul>
        </div>
      )}
      <p
        data-testid="verify-restorable"
        style={{ display: 'flex', gap: 10, alignItems: 'center', flexWrap: 'wrap' }}
      >
        <span className={`badge badge-${result.restorable ? 'ok' : 'error'}`}>
          <span className="badge-dot" aria-hidden="true" />
          {t(result.restorable ? 'archives.restorable' : 'archives.notRestorable')}
        </span>
        <span className="muted">
          {result.restorable
            ? damagedAtBackup.length > 0
              ? t('archives.restorableExcept', {
                  count: damagedAtBackup.length,
                  n: formatNumber(damagedAtBackup.length),
                })
              : t('archives.restorableAll')
            : t('archives.notRestorableWhy')}
        </span>
        {onRestore && result.restorable ? (
          <button type="button" className="btn btn-small" onClick={onRestore} data-testid="verify-restore">
            {t('archives.restore')}
          </button>
        ) : null}
      </p>
      {missing ? <RootCoverage missing={missing} /> : null}
    </div>
  );
}

/**
 * How much of the open root the archive holds, said once ("holds 2 of the root's 301 chats"), the chats it
 * lacks listed on demand. A backup of chosen chats is not a fault: a warning only when it holds none of the
 * root's chats (an archive of another root, most likely).
 */
function RootCoverage({ missing }: { missing: NonNullable<VerifyResult['notInArchive']> }) {
  const { t } = useTranslation(BACKUPS_NS);
  if (missing.chatIds.length === 0)
    return (
      <p className="muted" data-testid="verify-not-in-archive">
        {t('archives.allChatsIn', { root: missing.root })}
      </p>
    );
  const total = missing.rootChats ?? missing.chatIds.length;
  const held = missing.inArchive ?? total - missing.chatIds.length;
  const figures = { count: total, total: formatNumber(total), n: formatNumber(held), root: missing.root };
  const none = held === 0;
  return (
    <div
      className={none ? 'banner banner-warning' : undefined}
      role={none ? 'alert' : undefined}
      data-testid="verify-not-in-archive"
      data-warning={none}
    >
      <p className={none ? undefined : 'muted'} style={{ margin: 0 }}>
        {t(none ? 'archives.noneOfRoot' : 'archives.holdsOfRoot', figures)}
      </p>
      <details data-testid="verify-not-in-archive-list">
        <summary>
          {t('archives.notInArchiveList', {
            count: missing.chatIds.length,
            n: formatNumber(missing.chatIds.length),
          })}
        </summary>
        <p className="mono" style={{ margin: '4px 0 0', wordBreak: 'break-word' }}>
          {missing.chatIds.slice(0, 500).join(', ')}
          {missing.chatIds.length > 500 ? ' …' : ''}
        </p>
      </details>
    </div>
  );
}

/** i18next reserves `replace` in t()'s options: the figures go under other names. */
function counts(s: RestoreResult['summary']) {
  return { nAdd: s.add, nReplace: s.replace, nUnchanged: s.unchanged, nSkip: s.skip };
}

function countsText(rows: RowCountDiff[]): string {
  return rows
    .map((r) =>
      r.old === r.new ? `${r.table} ${r.new ?? '—'}` : `${r.table} ${r.old ?? '—'} → ${r.new ?? '—'}`,
    )
    .join(', ');
}

type PlanRow = {
  chat: RestoreResult['chats'][number];
  file: RestoreResult['chats'][number]['files'][number];
};

function PlanRows({ rows, showBackups }: { rows: PlanRow[]; showBackups?: boolean }) {
  const { t } = useTranslation(BACKUPS_NS);
  return (
    <>
      {rows.slice(0, 3000).map(({ chat, file }, i) => (
        <tr key={`${chat.chatId}/${file.name}`} data-action={file.action}>
          <td className="mono">{i === 0 || rows[i - 1]!.chat !== chat ? chat.chatId : ''}</td>
          <td className="mono">{file.name}</td>
          <td>
            <span
              className={`badge badge-${file.action === 'replace' ? 'warning' : file.action === 'skip' ? 'error' : file.action === 'add' ? 'info' : 'ok'}`}
            >
              {t(`restore.action_${file.action}`)}
            </span>
          </td>
          <td>
            {countsText(file.rowCounts)}
            {file.reason ? <div className="muted">{file.reason}</div> : null}
            {showBackups && file.backup ? (
              <div className="muted">{t('restore.keptAs', { path: file.backup })}</div>
            ) : null}
          </td>
        </tr>
      ))}
    </>
  );
}

/** The plan with its changes first (add, replace, skip); the unchanged files folded away below them. */
function PlanTable({ plan, showBackups }: { plan: RestoreResult; showBackups?: boolean }) {
  const { t } = useTranslation(BACKUPS_NS);
  const rows: PlanRow[] = plan.chats.flatMap((chat) => chat.files.map((file) => ({ chat, file })));
  const changes = rows.filter((r) => r.file.action !== 'unchanged');
  const unchanged = rows.filter((r) => r.file.action === 'unchanged');
  const head = (
    <thead>
      <tr>
        <th>{t('restore.chat')}</th>
        <th>{t('restore.file')}</th>
        <th>{t('restore.action')}</th>
        <th>{t('restore.rows')}</th>
      </tr>
    </thead>
  );
  return (
    <div style={{ maxHeight: 420, overflow: 'auto' }} data-testid="restore-plan">
      {changes.length > 0 ? (
        <table className="mini-table" data-testid="restore-changes">
          {head}
          <tbody>
            <PlanRows rows={changes} showBackups={showBackups} />
          </tbody>
        </table>
      ) : null}
      {unchanged.length > 0 ? (
        <details className="plan-unchanged" data-testid="restore-unchanged">
          <summary>
            {t('restore.unchangedFiles', { count: unchanged.length, n: formatNumber(unchanged.length) })}
          </summary>
          <table className="mini-table">
            {head}
            <tbody>
              <PlanRows rows={unchanged} />
            </tbody>
          </table>
        </details>
      ) : null}
    </div>
  );
}

/** Restore with the dry-run diff first, then a confirmation; replaced files are kept as .bak-<time>. */
export function RestorePanel({
  archive,
  archiveName,
  root,
  onClose,
  onApplied,
  chatIds = '',
}: {
  archive: string;
  /** The archive as the person knows it (an upload's own file name); default its file name. */
  archiveName?: string;
  root: string;
  onClose: () => void;
  /** After a real restore finished (an uploaded archive is then removed). */
  onApplied?: () => void;
  /** Chats to restore, pre-filled (e.g. from an integrity finding). */
  chatIds?: string;
}) {
  const { t } = useTranslation(BACKUPS_NS);
  const preview = useJobSlot(`restore-preview:${archive}`, 'backup.restore');
  const apply = useJobSlot(`restore-apply:${archive}`, 'backup.restore');
  const [target, setTarget] = useState(root);
  const [only, setOnly] = useState(chatIds);
  const places = useOp('places.list', {});
  const roots = (places.data?.places ?? []).filter((p) => p.kind === 'root');
  const [confirming, setConfirming] = useState(false);
  const parsed = parseChatIds(only);
  const input = { archive, root: target.trim(), chatIds: parsed.ids.length ? parsed.ids : undefined };
  const plan = preview.state.result;
  const changes = plan ? plan.summary.add + plan.summary.replace : 0;
  const busy = preview.state.status === 'running' || apply.state.status === 'running';

  return (
    <Card
      title={t('restore.title', { name: archiveName ?? baseName(archive) })}
      testId="restore-panel"
      actions={
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} aria-label={t('cancel')}>
          ✕
        </button>
      }
    >
      <Field label={t('restore.into')}>
        {/* The allowed roots to choose from; the desktop app can still take a typed path. */}
        {isDesktop() ? (
          <input
            type="text"
            list="restore-roots"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            disabled={busy}
            data-testid="restore-into"
          />
        ) : (
          <select
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            disabled={busy}
            data-testid="restore-into"
          >
            {roots.some((p) => p.path === target) ? null : <option value={target}>{target}</option>}
            {roots.map((p) => (
              <option key={p.path} value={p.path}>
                {p.path}
              </option>
            ))}
          </select>
        )}
        <PathChoices id="restore-roots" choices={roots} />
      </Field>
      <Field label={t('restore.onlyChats')}>
        <input type="text" value={only} onChange={(e) => setOnly(e.target.value)} disabled={busy} />
      </Field>
      <button
        type="button"
        className="btn"
        disabled={busy || parsed.invalid !== null || !target.trim()}
        onClick={() => {
          apply.reset();
          void preview.start({ ...input, dryRun: true });
        }}
        data-testid="restore-preview"
      >
        {t('restore.preview')}
      </button>
      <JobStatusView
        state={preview.state}
        label={() => t('restore.previewRunning')}
        onCancel={preview.cancel}
      />
      {plan && !apply.state.result ? (
        <div style={{ marginTop: 10 }}>
          <p>{t('restore.summary', counts(plan.summary))}</p>
          <PlanTable plan={plan} />
          {changes === 0 ? (
            <p className="muted">{t('restore.nothing')}</p>
          ) : (
            <button
              type="button"
              className="btn"
              style={{ marginTop: 10 }}
              disabled={busy}
              onClick={() => setConfirming(true)}
              data-testid="restore-apply"
            >
              {t('restore.apply')}
            </button>
          )}
        </div>
      ) : null}
      {confirming && plan ? (
        <ConfirmDialog
          title={t('restore.confirmTitle')}
          body={t('restore.confirmBody', { ...counts(plan.summary), count: plan.summary.replace })}
          confirmLabel={t('restore.confirm')}
          cancelLabel={t('cancel')}
          testId="restore-confirm"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void apply.start({ ...input, dryRun: false, force: plan.summary.replace > 0 }).then((done) => {
              if (done) onApplied?.();
              return queryClient.invalidateQueries();
            });
          }}
        />
      ) : null}
      <JobStatusView
        state={apply.state}
        label={(p) => t('restore.running', { current: p?.current ?? '…' })}
        onCancel={apply.cancel}
      />
      {apply.state.result ? (
        <div data-testid="restore-result" style={{ marginTop: 10 }}>
          <p>{t('restore.done', counts(apply.state.result.summary))}</p>
          <PlanTable plan={apply.state.result} showBackups />
        </div>
      ) : null}
    </Card>
  );
}
