import type {
  EventOf,
  JobName,
  OutputOf,
  ParsedInputOf,
  QueryName,
  ResultOf,
  WritingName,
} from '../../shared/contract/index.ts';
import type { JobContext } from '../jobs/job.ts';
import type { HandlerContext, WriteHandlerContext } from './context.ts';

/** The write capability is in the context of operations whose contract says `writes: true`, and only theirs. */
export type ContextOf<K> = K extends WritingName ? WriteHandlerContext : HandlerContext;

export type QueryHandler<K extends QueryName> = (
  input: ParsedInputOf<K>,
  ctx: ContextOf<K>,
) => OutputOf<K> | Promise<OutputOf<K>>;

export type JobHandler<K extends JobName> = (
  input: ParsedInputOf<K>,
  ctx: ContextOf<K>,
  job: JobContext<EventOf<K>>,
) => Promise<ResultOf<K>>;

/** One handler per operation of the contract: a missing or mistyped handler is a compile error. */
export type Handlers = { [K in QueryName]: QueryHandler<K> } & { [K in JobName]: JobHandler<K> };
