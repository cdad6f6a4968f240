// The task table: every feature's work that runs in a worker thread, listed at the edge so that
// main/workers/ stays a mechanism that knows no feature. This module is also the worker thread's entry
// (dist/worker-tasks.js when built, loaded by dist/worker.js): it registers the table in the thread that
// loads it and serves the pool.
//
// A capability adds its task with one line in `taskTable` (and its type comes along with it).

import type { OperationItem } from './api/offload.ts';
import type { StepItem } from './api/steps.ts';
import type { StatementRequest } from './query/execute.ts';
import type { TablePageItem } from './query/table-page.ts';
import type { RecoverWorkInput } from './recover/work.ts';
import { searchChatTask, type ChatSearchItem } from './fleet/search.ts';
import { chatIdentity, sameIdentity, visitChatTask } from './fleet/visit.ts';
import { snapshotChatTask } from './backup/snapshot.ts';
import { checkChatTask } from './integrity/chat.ts';
import { checkFileTask, type FileCheckItem } from './integrity/file.ts';
import { chatFiguresTask, type ChatFiguresItem } from './maintenance/figures.ts';
import { vacuumAttemptTask, type VacuumItem } from './maintenance/vacuum.ts';
import { sqliteRowsTask, type SqliteRowsItem } from './mapping/worker-rows.ts';
import { readonlyCache } from './sqlite/cache.ts';
import { fleetChatTask } from './store/fleet.ts';
import type { ScanItem } from './store/summary.ts';
import { registerLoaders, registerTasks, type TaskContext, type TaskFn } from './workers/tasks.ts';
import { serveTasks } from './workers/worker.ts';
import type { ChatCheckItem } from './integrity/chat.ts';
import type { SnapshotChatItem } from './backup/snapshot.ts';

export const taskTable = {
  // The scan is the fleet's one pass: figures and quick check in the same visit of each chat.
  'scan.chat': (item: ScanItem) => visitChatTask(item),
  'fleet.visit': (item: ScanItem) => visitChatTask(item),
  'fleet.identity': (dir: string) => chatIdentity(dir),
  'fleet.same': (item: { dir: string; identity: string }) => sameIdentity(item.dir, item.identity),
  'fleet.search': (item: ChatSearchItem) => searchChatTask(item),
  'fleet.chat': (item: ScanItem) => fleetChatTask(item),
  'integrity.chat': (item: ChatCheckItem) => checkChatTask(item),
  'integrity.file': (item: FileCheckItem) => checkFileTask(item),
  'backup.chat': (item: SnapshotChatItem) => snapshotChatTask(item),
  'maintenance.chat': (item: ChatFiguresItem) => chatFiguresTask(item),
  'maintenance.vacuumDb': (item: VacuumItem) => vacuumAttemptTask(item),
  /** One read-only statement on a mapped SQLite file (main/mapping): off the main thread in the app. */
  'mapping.rows': (item: SqliteRowsItem) => sqliteRowsTask(item),
  /** One read-only statement of the SQL console, stopped at its limit by the pool (main/query/runner.ts). */
  'sql.statement': async (request: StatementRequest) => {
    (await import('./query/runner.ts')).refuseFolder(request.path);
    return (await import('./query/execute.ts')).runStatement(request);
  },
  /** A sorted, filtered page of a table: its schema read and its statement (main/query/table-page.ts). */
  'sql.tablePage': async (item: TablePageItem) => {
    (await import('./query/runner.ts')).refuseFolder(item.path);
    return (await import('./query/table-page.ts')).readTablePage(item);
  },
  /** A possibly damaged file described as far as it can be read (quick_check apart). */
  'sql.describe': async (path: string) => {
    (await import('./query/runner.ts')).refuseFolder(path);
    return (await import('./query/table-page.ts')).describeFileTolerant(path);
  },
  /** The page work of a recovery started on a main thread (main/recover/recover.ts); cancel is seen at once. */
  'recover.work': async (item: RecoverWorkInput, ctx: TaskContext) =>
    (await import('./recover/recover.ts')).recoverWorkTask(item, ctx),
  /**
   * One contract operation, run off the main thread by the dispatcher (main/api/offload.ts). Loaded on
   * first use: a worker that only reads chats for a scan does not build the whole API and the server
   * drivers (measured: 10 MB of RSS less per worker).
   */
  operation: async (item: OperationItem, ctx: TaskContext) =>
    (await import('./api/offload.ts')).runOperationTask(item, ctx),
  /**
   * The worker half of an operation that runs on the main thread for its memory: its file, SQLite or
   * server work (main/api/steps.ts). Loaded on first use, as `operation`.
   */
  step: async (item: StepItem, ctx: TaskContext) => (await import('./api/steps.ts')).runStepTask(item, ctx),
  /** Closes this worker's cached read connections under a folder ('' = all), before or after a write. */
  'sqlite.release': (prefix: string) => {
    if (prefix === '') readonlyCache.closeAll();
    else readonlyCache.closeUnder(prefix);
  },
} satisfies Record<string, TaskFn>;

type Table = typeof taskTable;
declare module './workers/tasks.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface TaskTable extends Table {}
}

registerTasks(taskTable);
// The modules the tasks above import on first use, loaded before a task's deadline starts.
registerLoaders({
  operation: () => import('./api/offload.ts'),
  step: () => import('./api/steps.ts'),
  'sql.statement': () => Promise.all([import('./query/execute.ts'), import('./query/runner.ts')]),
  'sql.tablePage': () => Promise.all([import('./query/table-page.ts'), import('./query/runner.ts')]),
  'sql.describe': () => Promise.all([import('./query/table-page.ts'), import('./query/runner.ts')]),
  'recover.work': () => import('./recover/recover.ts'),
});
serveTasks();
