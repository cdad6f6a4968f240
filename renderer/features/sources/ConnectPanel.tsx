import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutputOf } from '../../../shared/contract/index.ts';
import type { AppError } from '../../../shared/errors.ts';
import { call, opKey, useOp } from '../../api/index.ts';
import { navigate } from '../../app/nav.ts';
import { formatDateTime } from '../../components/format.ts';
import { ErrorState, LabelledInput } from '../../components/ui.tsx';
import { ArchiveField, useServerUrlLabel } from './messaging/index.ts';
import { SOURCES_NS } from './strings.ts';

// Connect to a server source: a URL and a password (held by the main process, never sent back), optionally
// saved — the URL without its password, the password only sealed by the OS keychain (desktop app). Below, the
// saved connections (connect, forget) and the recently opened server URLs (fill the form, forget).

type Connections = OutputOf<'sources.connections'>;

export function ConnectPanel() {
  const { t } = useTranslation(SOURCES_NS);
  const client = useQueryClient();
  const connections = useOp('sources.connections', {});
  const [url, setUrl] = useState('');
  const [password, setPassword] = useState('');
  const [archive, setArchive] = useState('');
  const urlLabel = useServerUrlLabel();
  const [save, setSave] = useState(false);
  const [name, setName] = useState('');
  const [rememberPassword, setRememberPassword] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const canSavePasswords = connections.data?.canSavePasswords ?? false;

  const refresh = async (data?: Connections) => {
    if (data) client.setQueryData(opKey('sources.connections', {}), data);
    await client.invalidateQueries({ queryKey: ['sources.list'] });
    await client.invalidateQueries({ queryKey: ['sources.connections'] });
  };

  const run = async (work: () => Promise<{ id: string } | null>) => {
    setBusy(true);
    setError(null);
    try {
      const ref = await work();
      await refresh();
      if (ref) navigate('sources', { src: ref.id });
    } catch (e) {
      setError(e as AppError);
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const given = password || undefined;
      // Saved first: a password the keychain cannot keep is refused before anything is opened.
      if (save)
        await call('sources.save', {
          url,
          name: name.trim() || undefined,
          password: given,
          rememberPassword: rememberPassword && canSavePasswords,
        });
      const ref = await call('sources.connect', {
        url,
        password: given,
        archive: archive.trim() || undefined,
      });
      setPassword('');
      return ref;
    });
  };

  const forget = (target: { saved?: string; recent?: string }) =>
    void run(async () => {
      await refresh(await call('sources.forget', target));
      return null;
    });

  return (
    <div className="pad" style={{ display: 'grid', gap: 10 }}>
      <form onSubmit={submit} data-testid="source-connect" style={{ display: 'grid', gap: 6 }}>
        <h2 className="list-title">{t('connect.title')}</h2>
        <LabelledInput
          id="source-url"
          label={urlLabel}
          className="input mono"
          value={url}
          placeholder={t('connect.urlHint')}
          onChange={setUrl}
          spellCheck={false}
        />
        <LabelledInput
          id="source-password"
          label={t('connect.password')}
          type="password"
          value={password}
          onChange={setPassword}
        />
        <ArchiveField value={archive} onChange={setArchive} />
        <label className="muted">
          <input
            type="checkbox"
            checked={save}
            onChange={(e) => setSave(e.target.checked)}
            data-testid="source-save"
          />{' '}
          {t('saved.save')}
        </label>
        {save ? (
          <>
            <input
              className="input"
              value={name}
              placeholder={t('saved.name')}
              aria-label={t('saved.name')}
              onChange={(e) => setName(e.target.value)}
              autoComplete="off"
            />
            <label className={canSavePasswords ? 'muted' : 'muted is-disabled'}>
              <input
                type="checkbox"
                checked={rememberPassword && canSavePasswords}
                disabled={!canSavePasswords}
                onChange={(e) => setRememberPassword(e.target.checked)}
                data-testid="source-remember-password"
              />{' '}
              {t('saved.rememberPassword')}
            </label>
            {!canSavePasswords ? <p className="muted">{t('saved.noKeychain')}</p> : null}
          </>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={busy || url.trim() === ''}>
          {busy ? t('connect.connecting') : t('connect.button')}
        </button>
        {error ? <ErrorState error={error} compact /> : null}
      </form>
      {connections.isError ? <ErrorState error={connections.error} compact /> : null}
      {connections.data?.problem ? (
        <p className="muted" role="alert" data-testid="saved-problem">
          {t('saved.problem', { problem: connections.data.problem })}
        </p>
      ) : null}
      <RememberedList
        title={t('saved.title')}
        testId="saved-connections"
        busy={busy}
        forgetLabel={t('saved.forget')}
        items={(connections.data?.saved ?? []).map((c) => ({
          id: c.id,
          useTitle: t('saved.connect'),
          onUse: () => void run(() => call('sources.connectSaved', { savedId: c.id })),
          content: (
            <>
              <span className="nav-item-title">{c.name}</span>
              {c.hasPassword ? <span className="nav-item-sub">{t('saved.sealed')}</span> : null}
              <span className="nav-item-sub mono">{c.label}</span>
            </>
          ),
          forgetName: t('saved.forgetOne', { name: c.name }),
          onForget: () => forget({ saved: c.id }),
        }))}
      />
      <RememberedList
        title={t('recent.title')}
        testId="recent-sources"
        busy={busy}
        forgetLabel={t('saved.forget')}
        items={(connections.data?.recent ?? []).map((r) => ({
          id: r.id,
          useTitle: t('recent.use'),
          onUse: () => setUrl(r.label),
          content: (
            <>
              <span className="nav-item-sub mono">{r.label}</span>
              <span className="nav-item-sub">{formatDateTime(r.usedAt)}</span>
            </>
          ),
          forgetName: t('recent.forgetOne', { url: r.label }),
          onForget: () => forget({ recent: r.id }),
        }))}
      />
    </div>
  );
}

interface Remembered {
  id: string;
  /** What using the entry does, said on hover. */
  useTitle: string;
  onUse: () => void;
  content: ReactNode;
  /** The forget button's accessible name, naming the entry. */
  forgetName: string;
  onForget: () => void;
}

/** Saved connections or recent addresses: each entry used with a click, or forgotten; nothing when empty. */
function RememberedList({
  title,
  testId,
  busy,
  forgetLabel,
  items,
}: {
  title: string;
  testId: string;
  busy: boolean;
  forgetLabel: string;
  items: Remembered[];
}) {
  if (items.length === 0) return null;
  return (
    <section aria-label={title}>
      <h2 className="list-title">{title}</h2>
      <ul className="nav-list" data-testid={testId}>
        {items.map((item) => (
          <li key={item.id} style={{ display: 'flex', gap: 4, alignItems: 'center' }}>
            <button
              type="button"
              className="nav-item"
              disabled={busy}
              title={item.useTitle}
              onClick={item.onUse}
            >
              {item.content}
            </button>
            <button
              type="button"
              className="btn btn-small"
              disabled={busy}
              aria-label={item.forgetName}
              onClick={item.onForget}
            >
              {forgetLabel}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
