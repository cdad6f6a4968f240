import { useSyncExternalStore } from 'react';

// Hash routes (`#/chat?id=123`): work the same from app:// (Electron) and http:// (browser mode), and the
// browser's Back button and Escape both walk them.

export interface Route {
  screen: string;
  params: Record<string, string>;
}

export const DEFAULT_SCREEN = 'chats';

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) params[k] = v;
  return { screen: path || DEFAULT_SCREEN, params };
}

export function routeHref(screen: string, params: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  const q = search.toString();
  return `#/${screen}${q ? `?${q}` : ''}`;
}

export function navigate(
  screen: string,
  params: Record<string, string | undefined> = {},
  options: { replace?: boolean } = {},
) {
  const href = routeHref(screen, params);
  if (window.location.hash === href) return;
  if (options.replace) {
    window.history.replaceState(window.history.state, '', href);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = href;
  }
}

/** Changes some params of the current route without a new history entry. */
export function patchParams(patch: Record<string, string | undefined>) {
  const route = parseHash(window.location.hash);
  navigate(route.screen, { ...route.params, ...patch }, { replace: true });
}

function subscribe(listener: () => void) {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

let cachedHash: string | null = null;
let cachedRoute: Route = parseHash('');
function snapshot(): Route {
  if (window.location.hash !== cachedHash) {
    cachedHash = window.location.hash;
    cachedRoute = parseHash(cachedHash);
  }
  return cachedRoute;
}

/** Rendered ahead of the page (renderer/paint.tsx): the list, the screen a page opens on. */
const serverSnapshot = (): Route => cachedRoute;

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, snapshot, serverSnapshot);
}
