import { z } from 'zod';
import { AppErrorShape } from '../errors.ts';
import { JobProgress, JobState, query } from './define.ts';

export const JobSnapshot = z.object({
  jobId: z.string(),
  op: z.string(),
  state: JobState,
  progress: JobProgress,
  /** Events emitted since the cursor passed to poll, in order. */
  events: z.array(z.unknown()),
  /** Pass back to the next poll to receive only newer events. */
  cursor: z.number().int(),
  result: z.unknown().optional(),
  error: AppErrorShape.optional(),
});
export type JobSnapshot = z.infer<typeof JobSnapshot>;

export const jobOperations = {
  'jobs.poll': query(
    'Progress, new events and (when finished) the result of a job; with `waitMs`, answered as soon as there is news.',
    z.object({
      jobId: z.string(),
      cursor: z.number().int().min(0).default(0),
      /** Wait up to this long for news (events, progress, the end) before answering: pushes without polling. */
      waitMs: z.number().int().min(0).max(5000).default(0),
    }),
    JobSnapshot,
  ),
  'jobs.cancel': query(
    'Ask a running job to stop.',
    z.object({ jobId: z.string() }),
    z.object({ cancelled: z.boolean() }),
  ),
} as const;
