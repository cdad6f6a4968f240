import { snapshotChatTask } from '../backup/snapshot.ts';
import { chatIdentity, visitChatTask } from '../fleet/visit.ts';
import { searchChatTask } from '../fleet/search.ts';
import { checkChatTask } from '../integrity/chat.ts';
import { checkFileTask } from '../integrity/file.ts';
import { fleetChatTask } from '../store/fleet.ts';

/**
 * Work that can run in a worker thread: each task takes one plain, structured-clonable item and returns
 * a plain result. Capabilities register their per-item work here (scan, integrity, ...).
 */
export const tasks = {
  // The scan is the fleet's one pass: figures and quick check in the same visit of each chat.
  'scan.chat': visitChatTask,
  'fleet.chat': fleetChatTask,
  'fleet.visit': visitChatTask,
  'fleet.identity': chatIdentity,
  'fleet.search': searchChatTask,
  'integrity.chat': checkChatTask,
  'integrity.file': checkFileTask,
  'backup.chat': snapshotChatTask,
} satisfies Record<string, (item: never) => unknown>;

export type TaskName = keyof typeof tasks;
export type TaskItem<T extends TaskName> = Parameters<(typeof tasks)[T]>[0];
export type TaskResult<T extends TaskName> = Awaited<ReturnType<(typeof tasks)[T]>>;
