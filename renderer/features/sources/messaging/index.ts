// Seed 003's messaging sources on the Sources screen: tier badges, the summary beside a thread, archive
// warnings, and the connection form's archive folder.
export { ArchiveField, useServerUrlLabel } from './ArchiveField.tsx';
export { PageWarnings } from './PageWarnings.tsx';
export { SummaryAside } from './SummaryAside.tsx';
export { TierBadge } from './TierBadge.tsx';
export { ensureMessagingStrings } from './strings.ts';
