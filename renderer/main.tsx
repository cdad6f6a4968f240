import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { call, opKey, queryClient } from './api/index.ts';
import { App } from './app/App.tsx';
import { parseHash } from './app/nav.ts';
import { firstListQuery } from './features/chats/ChatsScreen.tsx';
import { prefetchFirstPage } from './features/chats/fleetRows.ts';
import { ensureScan } from './features/chats/scanStore.ts';
import { initTheme } from './app/theme.ts';
import { initI18n } from './i18n/index.ts';
import './styles/app.css';

// The first rows are on the critical path: ask for the open place, then the list's first page and its
// refresh, before React's first render rather than after it.
void queryClient
  .prefetchQuery({
    queryKey: opKey('places.list', {}),
    queryFn: () => call('places.list', {}),
    staleTime: Infinity,
  })
  .then(() => {
    const current = queryClient.getQueryData<{ current: { kind: string; path: string } | null }>(
      opKey('places.list', {}),
    )?.current;
    if (current?.kind !== 'root' || parseHash(window.location.hash).screen !== 'chats') return;
    prefetchFirstPage(firstListQuery(current.path));
    ensureScan(current.path);
  });

initTheme();
initI18n();

const container = document.getElementById('root');
if (!container) throw new Error('#root is missing from index.html');
createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
