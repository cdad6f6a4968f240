import { snapshotChatTask } from '../backup/snapshot.ts';
import { checkChatTask } from '../integrity/chat.ts';
import { checkFileTask } from '../integrity/file.ts';
import { chatFiguresTask } from '../maintenance/figures.ts';
import { vacuumAttemptTask } from '../maintenance/vacuum.ts';
import { fleetChatTask } from '../store/fleet.ts';
import { summarizeChatTask } from '../store/summary.ts';

/**
 * Work that can run in a worker thread: each task takes one plain, structured-clonable item and returns
 * a plain result. Capabilities register their per-item work here (scan, integrity, ...).
 */
export const tasks = {
  'scan.chat': summarizeChatTask,
  'fleet.chat': fleetChatTask,
  'integrity.chat': checkChatTask,
  'integrity.file': checkFileTask,
  'backup.chat': snapshotChatTask,
  'maintenance.chat': chatFiguresTask,
  'maintenance.vacuumDb': vacuumAttemptTask,
} satisfies Record<string, (item: never) => unknown>;

export type TaskName = keyof typeof tasks;
export type TaskItem<T extends TaskName> = Parameters<(typeof tasks)[T]>[0];
export type TaskResult<T extends TaskName> = Awaited<ReturnType<(typeof tasks)[T]>>;
