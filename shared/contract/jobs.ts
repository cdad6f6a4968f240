import { z } from 'zod';
import { AppErrorShape } from '../errors.ts';
import { JobProgress, JobState, query } from './define.ts';

export const JobSnapshot = z.object({
  jobId: z.string(),
  op: z.string(),
  state: JobState,
  progress: JobProgress,
  /** Events emitted since the cursor passed to poll (or since the previous update pushed), in order. */
  events: z.array(z.unknown()),
  /** Pass back to the next poll (or watch) to receive only newer events. */
  cursor: z.number().int(),
  result: z.unknown().optional(),
  error: AppErrorShape.optional(),
});
export type JobSnapshot = z.infer<typeof JobSnapshot>;

/**
 * What a running job pushes to whoever watches it, as soon as it has news (new events, progress, its
 * end; news is batched for at most 50 ms): the one job-event declaration every push channel carries,
 * IPC events in the desktop app (IPC_JOB_UPDATE_CHANNEL) and server-sent events in browser mode
 * (`GET JOB_EVENTS_PREFIX<jobId>?cursor=N`, one `data: <JSON>` per update). It has the shape of a poll's
 * answer: the events since the previous update, the progress, and with the last one the state, result or
 * error. The last update is the one whose state is not `running`; nothing follows it.
 */
export const JobUpdate = JobSnapshot;
export type JobUpdate = JobSnapshot;

/** Browser mode: the server-sent events of one job (GET, same token as the API). */
export const JOB_EVENTS_PREFIX = '/events/jobs/';
/** Desktop app: renderer → main, start pushing a job's updates to this window: (jobId, cursor) → Reply. */
export const IPC_JOB_WATCH_CHANNEL = 'chat-inspector:job-watch';
/** Desktop app: renderer → main, stop pushing a job's updates: (jobId) → Reply. */
export const IPC_JOB_UNWATCH_CHANNEL = 'chat-inspector:job-unwatch';
/** Desktop app: main → renderer, one JobUpdate. */
export const IPC_JOB_UPDATE_CHANNEL = 'chat-inspector:job-update';

export const jobOperations = {
  // Runs on main: the job runner's records are this process's memory.
  'jobs.poll': query(
    'Progress, new events and (when finished) the result of a job. The UI watches its jobs instead (JobUpdate, pushed).',
    z.object({
      jobId: z.string(),
      cursor: z.number().int().min(0).default(0),
    }),
    JobSnapshot,
    { runs: 'main' },
  ),
  // Runs on main: the job runner's records are this process's memory.
  'jobs.cancel': query(
    'Ask a running job to stop.',
    z.object({ jobId: z.string() }),
    z.object({ cancelled: z.boolean() }),
    { runs: 'main' },
  ),
} as const;
