import type { EventOf, JobName, OutputOf, QueryName, ResultOf } from '../../../shared/contract/index.ts';

// The shapes every formatter file speaks, apart from the table of formatters (index.ts) that imports them.

/** What a job operation hands its formatter: the events it streamed, in order, and its result. */
export interface JobOutput<K extends JobName> {
  result: ResultOf<K>;
  events: EventOf<K>[];
}

/**
 * How a command prints its operation's output: `human` for a person (tables, sentences), `json` for
 * `--json` when it is not the contract's output as it is (a job's events and result folded into one object).
 */
export interface Formatter<T> {
  human(value: T): void | Promise<void>;
  json?(value: T): unknown;
}

export type Formatters = Partial<
  { [K in QueryName]: Formatter<OutputOf<K>> } & { [K in JobName]: Formatter<JobOutput<K>> }
>;
