import { renderToString } from 'react-dom/server';
import { defaultFirstPage, type FleetPage, type QueryName } from '../shared/contract/index.ts';
import type { BootAnswer } from '../shared/transport.ts';
import { opKey, queryClient, setPaintTarget } from './api/index.ts';
import { App } from './app/App.tsx';
import { setPaintTheme } from './app/theme.ts';
import { firstListQuery } from './features/chats/ChatsScreen.tsx';
import { seedFirstPage } from './features/chats/fleetRows.ts';
import { initI18n, LANGUAGES, type Language } from './i18n/index.ts';

export interface PaintRequest {
  /** The answers index.html carries (main/server/boot.ts). */
  answers: readonly BootAnswer[];
  language: string;
  /** The theme last shown (its cookie), null when unknown: the page's CSS default, light. */
  theme?: 'light' | 'dark' | null;
  target: 'desktop' | 'browser';
}

/**
 * The app's first screen as HTML, rendered by the app process (built by `npm run build` into
 * dist/paint/) and put into index.html's #root: the chat list's first rows are on screen as soon as the
 * page is parsed, before the scripts have arrived. The scripts then render the same screen from the same
 * answers in its place (createRoot, not hydration: nothing here has to match to the byte).
 * Synchronous; throws when something cannot be rendered, and the page is then sent without it.
 */
export function paintFirstScreen(request: PaintRequest): string {
  const language: Language = (LANGUAGES as readonly string[]).includes(request.language)
    ? (request.language as Language)
    : 'en';
  initI18n(language);
  queryClient.clear();
  for (const answer of request.answers) {
    queryClient.setQueryData(opKey(answer.operation as QueryName, answer.input as never), answer.value);
    const input = answer.input as { root?: string };
    if (answer.operation === 'fleet.page' && input.root) {
      // Only the default order's page is asked for ahead (defaultFirstPage): the list's first query.
      const expected = JSON.stringify(defaultFirstPage(input.root));
      if (JSON.stringify(answer.input) === expected)
        seedFirstPage(firstListQuery(input.root), answer.value as FleetPage);
    }
  }
  setPaintTarget(request.target);
  setPaintTheme(request.theme ?? 'light');
  try {
    return renderToString(<App />);
  } finally {
    setPaintTarget(null);
    setPaintTheme('light');
    queryClient.clear();
  }
}
