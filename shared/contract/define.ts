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
  readonly runs: Runs;
  readonly cliOnly: boolean;
}

/**
 * Where an operation's handler runs. 'worker' (the default): in a thread of the worker pool, with a
 * deadline for reads and terminate-on-cancel for jobs, so no file, SQLite or server a person points us at
 * can stall the process that serves the window. 'main': on the process's own thread, for the few that need
 * its memory (the allow-list, the job runner, the session registry) or that coordinate the pool themselves;
 * each such declaration says why beside it.
 */
export type Runs = 'worker' | 'main';

export interface OperationOptions<W extends boolean> {
  writes?: W;
  runs?: Runs;
  /**
   * Only the command line may call it (the demo writers: they fill an empty folder or database a person
   * names on the command line; neither the window nor a browser page may ask for that).
   */
  cliOnly?: boolean;
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
  readonly runs: Runs;
  readonly cliOnly: boolean;
}

export type OperationDef = QueryDef | JobDef;

export function query<I extends z.ZodType, O extends z.ZodType, W extends boolean = false>(
  summary: string,
  input: I,
  output: O,
  options: OperationOptions<W> = {},
): QueryDef<I, O, W> {
  return {
    kind: 'query',
    summary,
    input,
    output,
    writes: (options.writes ?? false) as W,
    runs: options.runs ?? 'worker',
    cliOnly: options.cliOnly ?? false,
  };
}

export function job<I extends z.ZodType, E extends z.ZodType, R extends z.ZodType, W extends boolean = false>(
  summary: string,
  input: I,
  event: E,
  result: R,
  options: OperationOptions<W> = {},
): JobDef<I, E, R, W> {
  return {
    kind: 'job',
    summary,
    input,
    event,
    result,
    writes: (options.writes ?? false) as W,
    runs: options.runs ?? 'worker',
    cliOnly: options.cliOnly ?? false,
  };
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
