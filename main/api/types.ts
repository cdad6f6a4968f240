import type {
  EventOf,
  JobName,
  OutputOf,
  ParsedInputOf,
  QueryName,
  ResultOf,
} from '../../shared/contract/index.ts';
import type { JobContext } from '../jobs/job.ts';
import type { HandlerContext } from './context.ts';

export type QueryHandler<K extends QueryName> = (
  input: ParsedInputOf<K>,
  ctx: HandlerContext,
) => OutputOf<K> | Promise<OutputOf<K>>;

export type JobHandler<K extends JobName> = (
  input: ParsedInputOf<K>,
  ctx: HandlerContext,
  job: JobContext<EventOf<K>>,
) => Promise<ResultOf<K>>;

/** One handler per operation of the contract: a missing or mistyped handler is a compile error. */
export type Handlers = { [K in QueryName]: QueryHandler<K> } & { [K in JobName]: JobHandler<K> };
