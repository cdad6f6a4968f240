import { QueryClientProvider } from '@tanstack/react-query';
import { Suspense, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { getBridge, queryClient, toAppError, useOp } from '../api/index.ts';
import { Dialog, ErrorState, Loading } from '../components/ui.tsx';
import { setLanguage } from '../i18n/index.ts';
import { DropZone } from './DropZone.tsx';
import { Header } from './Header.tsx';
import { focusScreenSearch, isTypingTarget } from './keyboard.ts';
import { navigate, useRoute } from './nav.ts';
import { followCurrentPlace, pickPlace, usePlaces } from './places.ts';
import { screens } from './screens.tsx';
import { setThemePref } from './theme.ts';
import { showToast, Toasts } from './toasts.tsx';

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <Shell />
    </QueryClientProvider>
  );
}

function Shell() {
  const { t } = useTranslation();
  const route = useRoute();
  const places = usePlaces();
  const [help, setHelp] = useState(false);
  const screen = screens.find((s) => s.id === route.screen) ?? screens[0]!;
  const Screen = screen.component;

  // A single file as the current place opens on the Files screen.
  const current = places.data?.current;
  useEffect(() => {
    if (current?.kind === 'file' && screen.needs === 'root')
      navigate('files', { path: current.path }, { replace: true });
  }, [current, screen.needs]);

  // A root without chat folders but with SQLite files (a folder of legacy DBs) opens on Files, not on an
  // empty chat list.
  const rootPath = current?.kind === 'root' ? current.path : null;
  const overview = useOp('root.overview', { root: rootPath ?? '' }, { enabled: rootPath !== null });
  const legacyOnly = overview.data && overview.data.chatFolders === 0 && overview.data.dbFiles > 0;
  // Once per root: a person who then goes to Chats on purpose stays there.
  const sentToFiles = useRef(new Set<string>());
  useEffect(() => {
    if (!legacyOnly || !rootPath || route.screen !== 'chats' || sentToFiles.current.has(rootPath)) return;
    sentToFiles.current.add(rootPath);
    navigate('files', {}, { replace: true });
  }, [legacyOnly, rootPath, route.screen]);

  // The first screen index.html came with (main/server/boot.ts) has been replaced by this one: live now.
  useEffect(() => {
    document.getElementById('root')?.removeAttribute('data-painted');
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const typing = isTypingTarget(e.target);
      if (
        (e.key === 'f' && (e.ctrlKey || e.metaKey) && !e.altKey) ||
        (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey)
      ) {
        if (focusScreenSearch()) e.preventDefault();
      } else if (e.key === '?' && !typing) {
        e.preventDefault();
        setHelp(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Menu commands from the desktop shell (MENU_COMMANDS in shared/transport.ts).
  useEffect(() => {
    const bridge = getBridge();
    if (!bridge) return;
    const report = (error: unknown) => showToast(toAppError(error).message, 'error');
    return bridge.onMenuCommand((command) => {
      if (command === 'open-folder') pickPlace('root').catch(report);
      else if (command === 'open-database') pickPlace('file').catch(report);
      else if (command === 'places-changed') followCurrentPlace().catch(report);
      else if (command === 'focus-search') focusScreenSearch();
      else if (command === 'chat:next' || command === 'chat:previous')
        void import('../features/chat/ChatScreen.tsx').then((m) =>
          m.stepChat(command === 'chat:next' ? 1 : -1),
        );
      else if (command.startsWith('theme:')) {
        const pref = command.slice(6);
        if (pref === 'light' || pref === 'dark' || pref === 'system') setThemePref(pref);
      } else if (command.startsWith('language:')) {
        const lng = command.slice(9);
        if (lng === 'en' || lng === 'pt-BR') setLanguage(lng);
      }
    });
  }, []);

  useEffect(() => {
    document.title = `${t(screen.labelKey)} · ${t('app.name')}`;
  }, [screen, t]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <Header />
      <main id="main" className="app-main" tabIndex={-1}>
        {places.isPending ? (
          <Loading />
        ) : places.isError ? (
          <ErrorState
            error={places.error}
            title={t('app.cannotConnect')}
            onRetry={() => void places.refetch()}
          />
        ) : (
          <Suspense fallback={<Loading />}>
            <Screen />
          </Suspense>
        )}
      </main>
      <DropZone />
      <Toasts />
      {help ? <ShortcutsDialog onClose={() => setHelp(false)} /> : null}
    </div>
  );
}

function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const rows: [string, string][] = [
    ['/  ·  Ctrl+F', t('keys.search')],
    ['j / k  ·  ↓ / ↑', t('keys.move')],
    ['Enter', t('keys.open')],
    ['Alt+↓ / Alt+↑', t('keys.nextChat')],
    ['Esc', t('keys.back')],
    ['?', t('keys.help')],
  ];
  return (
    <Dialog title={t('keys.title')} onClose={onClose}>
      <table className="mini-table keys">
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
