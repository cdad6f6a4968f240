import type { ComponentType } from 'react';
import { BackupsScreen } from '../features/backups/index.ts';
import { ChatScreen } from '../features/chat/ChatScreen.tsx';
import { ChatsScreen } from '../features/chats/ChatsScreen.tsx';
import { FilesScreen } from '../features/files/FilesScreen.tsx';
import { FleetScreen } from '../features/fleet/FleetScreen.tsx';
import { IntegrityScreen } from '../features/integrity/IntegrityScreen.tsx';
import { SourcesScreen } from '../features/sources/index.ts';
import { MaintenanceScreen } from '../features/maintenance/index.ts';

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
