import type { Handlers } from '../types.ts';

export const jobHandlers = {
  'jobs.poll': ({ jobId, cursor }, ctx) => ctx.jobs.poll(jobId, cursor),
  'jobs.cancel': ({ jobId }, ctx) => ({ cancelled: ctx.jobs.cancel(jobId) }),
} satisfies Partial<Handlers>;
