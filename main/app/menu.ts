import { app, Menu, nativeTheme, type BrowserWindow, type MenuItemConstructorOptions } from './electron.ts';
import { IPC_MENU_CHANNEL, type MenuCommand } from '../../shared/transport.ts';
import type { HandlerContext } from '../api/context.ts';

export { MENU_COMMANDS, type MenuCommand } from '../../shared/transport.ts';

export function sendMenuCommand(window: BrowserWindow | null, command: MenuCommand): void {
  if (window && !window.isDestroyed()) window.webContents.send(IPC_MENU_CHANNEL, command);
}

interface MenuState {
  theme: 'light' | 'dark' | 'system';
  language: 'en' | 'pt-BR';
}
const state: MenuState = { theme: 'system', language: 'en' };

/** Builds (and rebuilds, when the recent list changes) the application menu. */
export function installAppMenu(context: HandlerContext, window: () => BrowserWindow | null): void {
  const send = (command: MenuCommand) => sendMenuCommand(window(), command);
  const development = !app.isPackaged;
  const recent: MenuItemConstructorOptions[] = context.places.list().map((place) => ({
    label: place.source === 'demo' ? `${place.label} (demo)` : place.path,
    type: 'radio',
    checked: context.places.current?.path === place.path,
    click: () => {
      context.places.select(place.path);
      send('places-changed');
      installAppMenu(context, window);
    },
  }));
  const theme = (value: MenuState['theme'], label: string): MenuItemConstructorOptions => ({
    label,
    type: 'radio',
    checked: state.theme === value,
    click: () => {
      state.theme = value;
      nativeTheme.themeSource = value;
      send(`theme:${value}`);
    },
  });
  const language = (value: MenuState['language'], label: string): MenuItemConstructorOptions => ({
    label,
    type: 'radio',
    checked: state.language === value,
    click: () => {
      state.language = value;
      send(`language:${value}`);
    },
  });
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => send('open-folder') },
        { label: 'Open Database…', accelerator: 'CmdOrCtrl+Shift+O', click: () => send('open-database') },
        {
          label: 'Open Recent',
          submenu: recent.length > 0 ? recent : [{ label: 'No recent places', enabled: false }],
        },
        { type: 'separator' },
        process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        {
          label: 'Theme',
          submenu: [theme('light', 'Light'), theme('dark', 'Dark'), theme('system', 'System')],
        },
        { label: 'Language', submenu: [language('en', 'English'), language('pt-BR', 'Português (Brasil)')] },
        { type: 'separator' },
        // Reload and DevTools only while developing: a packaged app has nothing to debug or reload.
        ...(development
          ? [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }]
          : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: '&Go',
      submenu: [
        { label: 'Next Chat', accelerator: 'Alt+Down', click: () => send('chat:next') },
        { label: 'Previous Chat', accelerator: 'Alt+Up', click: () => send('chat:previous') },
        { type: 'separator' },
        { label: 'Focus Search', accelerator: 'CmdOrCtrl+F', click: () => send('focus-search') },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ role: 'about' }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
