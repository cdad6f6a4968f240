import type { OperationDef } from '../../shared/contract/index.ts';
import { AppError } from '../../shared/errors.ts';
import type { JobContext } from '../jobs/job.ts';
import { withWriteAccess } from '../sqlite/write.ts';
import type { HandlerContext } from './context.ts';

type AnyQuery = (input: unknown, ctx: HandlerContext) => unknown;
type AnyJob = (input: unknown, ctx: HandlerContext, job: JobContext) => Promise<unknown>;

/**
 * Calls one operation's handler, on whichever thread: only an operation whose contract says `writes: true`
 * may be handed the write capability (`ctx.write`), and everything the handler does runs in its write scope,
 * so `openForWrite` refuses inside a read operation however it is reached.
 */
export async function callHandler(
  name: string,
  def: OperationDef,
  handler: unknown,
  input: unknown,
  ctx: HandlerContext,
  job: JobContext | undefined,
): Promise<unknown> {
  const hasWrite = Object.prototype.hasOwnProperty.call(ctx, 'write');
  if (!def.writes && hasWrite) {
    throw new AppError('internal', `${name} only reads: it may not be handed the write capability`);
  }
  if (def.writes && !hasWrite) {
    throw new AppError('internal', `${name} writes, but its context carries no write capability`);
  }
  return withWriteAccess(name, def.writes, async () => {
    if (def.kind === 'query') return (handler as AnyQuery)(input, ctx);
    if (!job) throw new AppError('internal', `${name} is a job and needs a job context`);
    return (handler as AnyJob)(input, ctx, job);
  });
}
