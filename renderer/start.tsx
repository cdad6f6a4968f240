import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { bootAnswerNow, call, opKey, queryClient } from './api/index.ts';
import { App } from './app/App.tsx';
import { parseHash } from './app/nav.ts';
import { firstListQuery } from './features/chats/ChatsScreen.tsx';
import { prefetchFirstPage } from './features/chats/fleetRows.ts';
import { ensureScan } from './features/chats/scanStore.ts';
import { initTheme } from './app/theme.ts';
import { initI18n } from './i18n/index.ts';

// The first rows are on the critical path: the open place and the list's first page came with index.html
// (main/server/boot.ts), so the first render shows them; without them, ask for both before React's first
// render rather than after it.
type Places = { current: { kind: string; path: string } | null };
function startList(places: Places | undefined): void {
  const current = places?.current;
  if (current?.kind !== 'root' || parseHash(window.location.hash).screen !== 'chats') return;
  prefetchFirstPage(firstListQuery(current.path));
  ensureScan(current.path);
}
const bootPlaces = bootAnswerNow('places.list', {});
if (bootPlaces) {
  queryClient.setQueryData(opKey('places.list', {}), bootPlaces);
  startList(bootPlaces);
} else {
  void queryClient
    .prefetchQuery({
      queryKey: opKey('places.list', {}),
      queryFn: () => call('places.list', {}),
      staleTime: Infinity,
    })
    .then(() => startList(queryClient.getQueryData<Places>(opKey('places.list', {}))));
}

initTheme();
initI18n();

const container = document.getElementById('root');
if (!container) throw new Error('#root is missing from index.html');
createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
