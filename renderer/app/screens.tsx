import { lazy, type ComponentType } from 'react';
import { ChatsScreen } from '../features/chats/ChatsScreen.tsx';

// The first screen (the chat list) is in the first load; every other screen, and the chart library most
// of them use, is a chunk of its own, fetched when the person goes there.
const ChatScreen = lazy(() =>
  import('../features/chat/ChatScreen.tsx').then((m) => ({ default: m.ChatScreen })),
);
const FleetScreen = lazy(() =>
  import('../features/fleet/FleetScreen.tsx').then((m) => ({ default: m.FleetScreen })),
);
const IntegrityScreen = lazy(() =>
  import('../features/integrity/IntegrityScreen.tsx').then((m) => ({ default: m.IntegrityScreen })),
);
const FilesScreen = lazy(() =>
  import('../features/files/FilesScreen.tsx').then((m) => ({ default: m.FilesScreen })),
);
const BackupsScreen = lazy(() =>
  import('../features/backups/index.ts').then((m) => ({ default: m.BackupsScreen })),
);
const MaintenanceScreen = lazy(() =>
  import('../features/maintenance/index.ts').then((m) => ({ default: m.MaintenanceScreen })),
);
const SourcesScreen = lazy(() =>
  import('../features/sources/index.ts').then((m) => ({ default: m.SourcesScreen })),
);

/**
 * The screens of the app, in navigation order. A feature adds ONE entry here (and its label to
 * renderer/i18n/en.json + pt-BR.json under `nav`); the header, routing (`#/<id>?…`) and keyboard follow.
 *
 *   { id: 'integrity', labelKey: 'nav.integrity', component: IntegrityScreen, needs: 'root' },
 *   { id: 'backups', labelKey: 'nav.backups', component: BackupsScreen },
  { id: 'maintenance', labelKey: 'nav.maintenance', component: MaintenanceScreen, needs: 'root' },
 *
 * A screen reads its route with `useRoute()` (app/nav.ts) and the open place with `useCurrentPlace()` /
 * `useCurrentRoot()` (app/places.ts); it navigates with `navigate(id, params)`.
 */
export interface ScreenDef {
  id: string;
  labelKey: string;
  component: ComponentType;
  /** What must be open for the screen to make sense: a data root, or anything (default). */
  needs?: 'root' | 'any';
}

export const screens: ScreenDef[] = [
  { id: 'chats', labelKey: 'nav.chats', component: ChatsScreen, needs: 'root' },
  { id: 'chat', labelKey: 'nav.chat', component: ChatScreen, needs: 'root' },
  { id: 'fleet', labelKey: 'nav.fleet', component: FleetScreen, needs: 'root' },
  { id: 'integrity', labelKey: 'nav.integrity', component: IntegrityScreen, needs: 'root' },
  { id: 'files', labelKey: 'nav.files', component: FilesScreen },
  { id: 'backups', labelKey: 'nav.backups', component: BackupsScreen },
  { id: 'sources', labelKey: 'nav.sources', component: SourcesScreen },
  { id: 'maintenance', labelKey: 'nav.maintenance', component: MaintenanceScreen, needs: 'root' },
];
