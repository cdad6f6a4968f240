// The Backups feature: its screen (registered in app/screens.tsx), the chat screen's Export button, and a
// helper to open the Recover tab on a chat (for "Recover" actions next to corrupt/truncated findings).
export { BackupsScreen } from './BackupsScreen.tsx';
export { ExportButton } from './ExportButton.tsx';
export { openRecover } from './RecoverPanel.tsx';
