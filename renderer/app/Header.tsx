import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Place } from '../../shared/contract/browse.ts';
import { isDesktop, toAppError } from '../api/index.ts';
import { currentLanguage, toggleLanguage } from '../i18n/index.ts';
import { chatsUi } from '../features/chats/chatsUi.ts';
import { navigate, routeHref, useRoute } from './nav.ts';
import { pickPlace, selectPlace, usePlaces } from './places.ts';
import { screens } from './screens.tsx';
import { useStore } from './store.ts';
import { toggleTheme, useTheme } from './theme.ts';
import { showToast } from './toasts.tsx';
import { DatabaseIcon, FolderIcon, MoonIcon, SunIcon } from '../components/icons.tsx';

/** Paths are shown right-aligned-truncated (the end matters); marks keep their slashes in place. */
const ltr = (path: string) => `\u200e${path}\u200e`;

export function Header() {
  const { t } = useTranslation();
  const route = useRoute();
  const places = usePlaces();
  const current = places.data?.current ?? null;
  const lastChatId = useStore(chatsUi, (s) => s.lastChatId);
  const theme = useTheme();

  return (
    <header className="app-header">
      <a className="brand" href={routeHref('chats')} aria-label={t('app.name')}>
        <span className="brand-mark" aria-hidden="true">
          ◧
        </span>
        <span className="brand-name">{t('app.name')}</span>
      </a>
      <nav className="app-nav" aria-label={t('nav.label')}>
        {screens.map((s) => {
          const active = route.screen === s.id;
          const disabled =
            (s.needs === 'root' && current?.kind !== 'root') ||
            (s.id === 'chat' && !lastChatId && route.screen !== 'chat');
          const href =
            s.id === 'chat' && lastChatId ? routeHref('chat', { id: lastChatId }) : routeHref(s.id);
          return disabled ? (
            <span key={s.id} className="nav-link is-disabled" aria-disabled="true">
              {t(s.labelKey)}
            </span>
          ) : (
            <a
              key={s.id}
              href={href}
              className={`nav-link${active ? ' is-active' : ''}`}
              aria-current={active ? 'page' : undefined}
            >
              {t(s.labelKey)}
            </a>
          );
        })}
      </nav>
      <div className="header-spacer" />
      <PlaceMenu current={current} places={places.data?.places ?? []} />
      <button
        type="button"
        className="btn btn-ghost btn-icon"
        onClick={toggleTheme}
        aria-label={theme === 'dark' ? t('header.lightTheme') : t('header.darkTheme')}
        title={theme === 'dark' ? t('header.lightTheme') : t('header.darkTheme')}
        data-testid="theme-toggle"
      >
        {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
      </button>
      <button
        type="button"
        className="btn btn-ghost lang-toggle"
        // Named in the language it switches to, so someone who reads only that one finds it.
        lang={currentLanguage() === 'en' ? 'pt-BR' : 'en'}
        onClick={toggleLanguage}
        aria-label={t('header.language')}
        title={t('header.language')}
        data-testid="lang-toggle"
      >
        {currentLanguage() === 'en' ? 'PT' : 'EN'}
      </button>
    </header>
  );
}

function PlaceMenu({ current, places }: { current: Place | null; places: Place[] }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const desktop = isDesktop();

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setOpen(false);
      }
    };
    window.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey, true);
    };
  }, [open]);

  const run = (action: () => Promise<unknown>) => {
    setOpen(false);
    action().catch((e: unknown) => showToast(toAppError(e).message, 'error'));
  };

  return (
    <div className="place-menu" ref={ref}>
      <button
        type="button"
        className="place-button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        title={current?.path}
        data-testid="place-button"
      >
        <span className="place-icon" aria-hidden="true">
          {current?.kind === 'file' ? <DatabaseIcon /> : <FolderIcon />}
        </span>
        <span className="place-label">
          <span className="place-name">{current ? current.label : t('header.nothingOpen')}</span>
          {current ? <span className="place-path">{ltr(current.path)}</span> : null}
        </span>
        <span aria-hidden="true" className="caret">
          ▾
        </span>
      </button>
      {open ? (
        <div className="menu" role="menu" aria-label={t('header.open')}>
          {desktop ? (
            <>
              <button
                type="button"
                role="menuitem"
                className="menu-item"
                onClick={() => run(() => pickPlace('root'))}
              >
                <FolderIcon /> {t('header.openFolder')}
              </button>
              <button
                type="button"
                role="menuitem"
                className="menu-item"
                onClick={() => run(() => pickPlace('file'))}
              >
                <DatabaseIcon /> {t('header.openFile')}
              </button>
              <div className="menu-sep" role="separator" />
            </>
          ) : (
            <p className="menu-note">{t('header.browserNote')}</p>
          )}
          <div className="menu-heading">{t('header.places')}</div>
          {places.length === 0 ? <p className="menu-note">{t('header.noPlaces')}</p> : null}
          {places.map((p) => (
            <button
              key={p.path}
              type="button"
              role="menuitemradio"
              aria-checked={current?.path === p.path}
              className={`menu-item place-item${current?.path === p.path ? ' is-current' : ''}`}
              onClick={() =>
                run(() =>
                  current?.path === p.path
                    ? Promise.resolve(
                        navigate(
                          p.kind === 'root' ? 'chats' : 'files',
                          p.kind === 'file' ? { path: p.path } : {},
                        ),
                      )
                    : selectPlace(p.path),
                )
              }
              title={p.path}
            >
              {p.kind === 'file' ? <DatabaseIcon /> : <FolderIcon />}
              <span className="place-label">
                <span className="place-name">
                  {p.label} <span className="muted">· {t(`header.source.${p.source}`)}</span>
                </span>
                <span className="place-path">{ltr(p.path)}</span>
              </span>
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
