import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Finding } from '../../../shared/domain.ts';
import { call, queryClient, toAppError } from '../../api/index.ts';
import { navigate } from '../../app/nav.ts';
import { showToast } from '../../app/toasts.tsx';
import { ConfirmDialog } from '../../components/ui.tsx';
import { useJobSlot } from '../backups/jobSlot.ts';
import { JobStatusView } from '../backups/parts.tsx';
import { RecoverFigures } from '../backups/RecoverTables.tsx';
import { ensureBackupsStrings } from '../backups/strings.ts';
import { INTEGRITY_NS } from './strings.ts';

export type FindingAction = 'recover' | 'restore' | 'rebuildMetadata' | 'openFile';

/** What can be done about a finding, best first. */
export function actionsFor(finding: Pick<Finding, 'code' | 'file'>): FindingAction[] {
  const isDb = /\.db$/i.test(finding.file);
  switch (finding.code) {
    case 'corrupt':
    case 'truncated':
      return isDb ? ['recover', 'restore'] : ['restore'];
    case 'not_sqlite':
    case 'empty_file':
    case 'missing_file':
      return ['restore'];
    case 'metadata_missing':
    case 'metadata_malformed':
    case 'metadata_mismatch':
      return ['rebuildMetadata'];
    case 'orphan_rows':
    case 'fk_violation':
    case 'schema_drift':
      return isDb ? ['openFile'] : [];
    default:
      return [];
  }
}

/**
 * The buttons that end a finding: each starts the fix through the same confirmation the Backups screen
 * uses (nothing is written before the person confirms), and shows its outcome in place.
 */
export function FindingActions({
  root,
  chatId,
  chatDir,
  finding,
}: {
  root: string;
  chatId: string;
  /** The chat's folder, when it could be read (file actions need it). */
  chatDir: string | null;
  finding: Finding;
}) {
  ensureBackupsStrings();
  const { t } = useTranslation(INTEGRITY_NS);
  const actions = actionsFor(finding).filter((a) => a === 'restore' || a === 'rebuildMetadata' || chatDir);
  const path = chatDir ? `${chatDir}/${finding.file}` : null;
  const recover = useJobSlot(`integrity-recover:${path ?? chatId}`, 'recover.run');
  const [confirm, setConfirm] = useState<FindingAction | null>(null);
  const [rebuilt, setRebuilt] = useState<string | null>(null);
  if (actions.length === 0) return null;

  const run = async (action: FindingAction) => {
    setConfirm(null);
    if (action === 'recover' && path) {
      await recover.start({ path });
    } else if (action === 'rebuildMetadata') {
      try {
        const result = await call('metadata.rebuild', { root, chatId });
        setRebuilt(result.backup ?? result.path);
        await queryClient.invalidateQueries();
      } catch (error) {
        showToast(toAppError(error).message, 'error');
      }
    }
  };

  const recovered = recover.state.result;
  return (
    <div className="finding-actions" data-testid="finding-actions">
      {actions.map((action) => (
        <button
          key={action}
          type="button"
          className="btn btn-small"
          data-action={action}
          disabled={recover.state.status === 'running'}
          onClick={() => {
            if (action === 'restore') navigate('backups', { tab: 'archives', chat: chatId });
            else if (action === 'openFile' && path) navigate('files', { path, view: 'tables' });
            else setConfirm(action);
          }}
        >
          {t(`action.${action}`)}
        </button>
      ))}
      <JobStatusView
        state={recover.state}
        label={() => t('action.recovering', { file: finding.file })}
        onCancel={recover.cancel}
      />
      {recovered ? (
        // No width of its own in the findings table (width 0, then the cell's whole width): the table
        // scrolls sideways inside the cell instead of pushing the finding's columns out of the pane.
        <div
          data-testid="finding-recover-figures"
          className="finding-recover-figures"
          style={{ width: 0, minWidth: '100%', overflowX: 'auto' }}
        >
          <RecoverFigures result={recovered} />
        </div>
      ) : null}
      {recovered?.out ? (
        <p className="muted" data-testid="finding-recovered" title={recovered.out}>
          {t('action.recovered', { path: recovered.out.split(/[\\/]/).pop() ?? recovered.out })}{' '}
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => navigate('backups', { tab: 'recover', chat: chatId, path: path ?? '' })}
          >
            {t('action.putInPlace')}
          </button>
        </p>
      ) : null}
      {rebuilt ? (
        <p className="muted" data-testid="finding-rebuilt">
          {t('action.rebuilt', { path: rebuilt })}
        </p>
      ) : null}
      {confirm ? (
        <ConfirmDialog
          title={t(`action.${confirm}Title`, { chat: chatId })}
          body={t(`action.${confirm}Body`, { file: finding.file, chat: chatId })}
          confirmLabel={t(`action.${confirm}`)}
          cancelLabel={t('cancel')}
          testId="finding-confirm"
          onCancel={() => setConfirm(null)}
          onConfirm={() => void run(confirm)}
        />
      ) : null}
    </div>
  );
}
