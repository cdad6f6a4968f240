import type { Handlers } from '../types.ts';

export const jobHandlers = {
  'jobs.poll': ({ jobId, cursor, waitMs }, ctx) => ctx.jobs.next(jobId, cursor, waitMs),
  'jobs.cancel': ({ jobId }, ctx) => ({ cancelled: ctx.jobs.cancel(jobId) }),
} satisfies Partial<Handlers>;
