import { enableCompileCache } from './config/paths.ts';
import type { taskTable as TaskTable } from './tasks.ts';

// dist/worker.js: a worker thread's entry when built (an edge like main/tasks.ts, so outside workers/,
// which knows no task). It turns V8's compile cache on for the thread before the task table's bundle
// (dist/worker-tasks.js, built from main/tasks.ts) is loaded: compiling that 3 MB bundle took longer than
// the whole start of a small scan. Messages posted meanwhile wait in the port.
await enableCompileCache();
const tasks = new URL('./worker-tasks.js', import.meta.url).href;
export const { taskTable } = (await import(tasks)) as { taskTable: typeof TaskTable };
