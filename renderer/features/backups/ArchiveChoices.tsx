import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useOp } from '../../api/index.ts';
import { formatBytes, formatDateTime, formatNumber } from '../../components/format.ts';
import { ErrorState, Loading, ProgressBar } from '../../components/ui.tsx';
import { discardUpload, uploadArchive, useUpload } from './upload.ts';
import { BACKUPS_NS } from './strings.ts';

/** What a chosen archive can be used for: verify it, or open the restore panel on it. */
export interface ArchiveActions {
  onVerify: (path: string, name: string) => void;
  onRestore: (path: string, name: string) => void;
  canRestore: boolean;
}

function ActionButtons({
  path,
  name,
  onVerify,
  onRestore,
  canRestore,
}: ArchiveActions & { path: string; name: string }) {
  const { t } = useTranslation(BACKUPS_NS);
  return (
    <span style={{ whiteSpace: 'nowrap' }}>
      <button type="button" className="btn btn-small" onClick={() => onVerify(path, name)}>
        {t('archives.verify')}
      </button>{' '}
      <button
        type="button"
        className="btn btn-small"
        onClick={() => onRestore(path, name)}
        disabled={!canRestore}
      >
        {t('archives.restore')}
      </button>
    </span>
  );
}

/**
 * Browser mode: an archive from the person's computer, uploaded to a temp file the server keeps for this run
 * only (verify and restore may read it, nothing else); removed when another is chosen or on Remove.
 */
export function UploadArchive(actions: ArchiveActions) {
  const { t } = useTranslation(BACKUPS_NS);
  const upload = useUpload();
  const input = useRef<HTMLInputElement>(null);
  return (
    <div
      className="archive-upload"
      data-testid="archive-upload"
      style={{ display: 'grid', gap: 6, margin: '8px 0' }}
    >
      <span className="muted">{t('upload.label')}</span>
      {/* The browser's own file button speaks the browser's language: ours speaks the app's. */}
      <span>
        <label className={`btn btn-small file-button${upload.status === 'uploading' ? ' is-disabled' : ''}`}>
          {t('upload.choose')}
          <input
            ref={input}
            className="visually-hidden"
            type="file"
            accept=".tar.gz,.tgz,application/gzip,application/x-gzip"
            data-testid="archive-upload-input"
            disabled={upload.status === 'uploading'}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void uploadArchive(file);
              e.target.value = '';
            }}
          />
        </label>
      </span>
      <span className="muted" style={{ fontSize: 12 }}>
        {t('upload.hint')}
      </span>
      {upload.status === 'uploading' ? (
        <div style={{ display: 'grid', gap: 4 }}>
          <span className="muted">
            {t('upload.uploading', {
              name: upload.name,
              done: formatBytes(upload.done),
              total: formatBytes(upload.total),
            })}
          </span>
          <ProgressBar
            done={upload.done}
            total={upload.total}
            label={t('upload.uploading', { name: upload.name, done: '', total: '' })}
          />
          <span>
            <button type="button" className="btn btn-small" onClick={discardUpload}>
              {t('cancel')}
            </button>
          </span>
        </div>
      ) : upload.status === 'ready' ? (
        <div
          data-testid="archive-uploaded"
          style={{ display: 'flex', gap: 10, alignItems: 'center', flexWrap: 'wrap' }}
        >
          <span>
            {t('upload.ready', { name: upload.archive.name, size: formatBytes(upload.archive.size) })}
          </span>
          <ActionButtons {...actions} path={upload.archive.path} name={upload.archive.name} />
          <button
            type="button"
            className="btn btn-ghost btn-small"
            onClick={discardUpload}
            data-testid="archive-upload-remove"
          >
            {t('upload.remove')}
          </button>
        </div>
      ) : upload.status === 'failed' ? (
        <ErrorState error={upload.error} compact />
      ) : null}
    </div>
  );
}

/** The archives found in the places the person opened (roots and archive files), to choose instead of typing. */
export function PlaceArchivesList(actions: ArchiveActions) {
  const { t } = useTranslation(BACKUPS_NS);
  const found = useOp('backup.placeArchives', {});
  // Archives appear while the person works (a backup into a root's folder): look again when shown.
  const refetch = found.refetch;
  useEffect(() => {
    void refetch();
  }, [refetch]);
  if (found.isPending) return <Loading />;
  if (found.isError) return <ErrorState error={found.error} compact />;
  const places = found.data.places;
  return (
    <div data-testid="place-archives" style={{ display: 'grid', gap: 8 }}>
      <strong>{t('places.title')}</strong>
      {places.length === 0 ? <p className="muted">{t('places.noPlaces')}</p> : null}
      {places.map((p) => (
        <div key={p.place} data-testid="place-archives-place" data-place={p.place}>
          <div className="muted">
            <span className="mono path">{p.place}</span>
            {' · '}
            {p.archives.length === 0
              ? t('places.none')
              : t('places.count', { count: p.archives.length, n: formatNumber(p.archives.length) })}
            {p.capped ? ` · ${t('places.capped')}` : ''}
          </div>
          {p.archives.length > 0 ? (
            <table className="mini-table">
              <tbody>
                {p.archives.map((a) => (
                  <tr key={a.path} data-testid="place-archive-row">
                    <td className="mono">{a.name}</td>
                    <td className="num">{formatBytes(a.sizeBytes)}</td>
                    <td>{formatDateTime(a.modifiedAt)}</td>
                    <td style={{ textAlign: 'right' }}>
                      <ActionButtons {...actions} path={a.path} name={a.name} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ))}
    </div>
  );
}
