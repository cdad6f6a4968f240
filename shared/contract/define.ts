import { z } from 'zod';

/** A request/response operation. */
export interface QueryDef<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
  W extends boolean = boolean,
> {
  readonly kind: 'query';
  readonly summary: string;
  readonly input: I;
  readonly output: O;
  /**
   * True when the operation may write to a person's data (always behind an explicit action). Kept as a
   * literal type: only these operations' handlers get the write capability (main/api/types.ts).
   */
  readonly writes: W;
}

/**
 * A long operation: starting it returns a job id at once; progress, streamed events and the final
 * result are pushed to whoever watches it (JobUpdate in jobs.ts) or read with `jobs.poll`; `jobs.cancel` stops it.
 */
export interface JobDef<
  I extends z.ZodType = z.ZodType,
  E extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  W extends boolean = boolean,
> {
  readonly kind: 'job';
  readonly summary: string;
  readonly input: I;
  /** One item streamed while the job runs (e.g. one chat row of a scan). */
  readonly event: E;
  readonly result: R;
  readonly writes: W;
}

export type OperationDef = QueryDef | JobDef;

export function query<I extends z.ZodType, O extends z.ZodType, W extends boolean = false>(
  summary: string,
  input: I,
  output: O,
  options: { writes?: W } = {},
): QueryDef<I, O, W> {
  return { kind: 'query', summary, input, output, writes: (options.writes ?? false) as W };
}

export function job<I extends z.ZodType, E extends z.ZodType, R extends z.ZodType, W extends boolean = false>(
  summary: string,
  input: I,
  event: E,
  result: R,
  options: { writes?: W } = {},
): JobDef<I, E, R, W> {
  return { kind: 'job', summary, input, event, result, writes: (options.writes ?? false) as W };
}

export const JobStarted = z.object({ jobId: z.string() });
export type JobStarted = z.infer<typeof JobStarted>;

export const JobState = z.enum(['running', 'done', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobState>;

export const JobProgress = z.object({
  done: z.number(),
  total: z.number().nullable(),
  current: z.string().nullable(),
});
export type JobProgress = z.infer<typeof JobProgress>;
