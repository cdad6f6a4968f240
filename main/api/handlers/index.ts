import '../../kinds/index.ts';
import type { Handlers } from '../types.ts';
import { backupHandlers } from './backup.ts';
import { browseHandlers } from './browse.ts';
import { fileHandlers } from './files.ts';
import { fleetHandlers } from './fleet.ts';
import { integrityHandlers } from './integrity.ts';
import { jobHandlers } from './jobs.ts';
import { locatorHandlers } from './locator.ts';
import { sourceHandlers } from './sources.ts';
import { queryHandlers } from './query.ts';
import { maintenanceHandlers } from './maintenance.ts';
import { mappingHandlers } from './mapping.ts';
import { messagingHandlers } from './messaging.ts';

/** Every operation's handler. The type requires one per contract operation. */
export const handlers: Handlers = {
  ...jobHandlers,
  ...browseHandlers,
  ...fileHandlers,
  ...integrityHandlers,
  ...backupHandlers,
  ...fleetHandlers,
  ...sourceHandlers,
  ...queryHandlers,
  ...maintenanceHandlers,
  ...mappingHandlers,
  ...messagingHandlers,
  ...locatorHandlers,
};
