import type { z } from 'zod';
import { isOperationName, operations, type OperationDef } from '../../shared/contract/index.ts';
import { AppError } from '../../shared/errors.ts';
import type { JobContext } from '../jobs/job.ts';
import type { HandlerContext } from './context.ts';
import { handlers } from './handlers/index.ts';

type AnyQuery = (input: unknown, ctx: HandlerContext) => unknown;
type AnyJob = (input: unknown, ctx: HandlerContext, job: JobContext) => Promise<unknown>;

/**
 * The one entry point every transport calls (Electron IPC, HTTP, tests): unknown operation names and
 * inputs that do not match the contract are refused with a typed error before any handler runs.
 */
export async function invoke(name: string, rawInput: unknown, ctx: HandlerContext): Promise<unknown> {
  if (!isOperationName(name))
    throw new AppError('unknown_operation', `unknown operation: ${name.slice(0, 80)}`);
  const def: OperationDef = operations[name];
  const input = parseOrThrow(def.input, rawInput ?? {}, name);
  if (def.kind === 'query') {
    const output = await (handlers[name] as AnyQuery)(input, ctx);
    return checkOutput(def.output, output, name);
  }
  const run = handlers[name] as AnyJob;
  const jobId = ctx.jobs.start(name, async (job) =>
    checkOutput(def.result, await run(input, ctx, job), name),
  );
  return { jobId };
}

function parseOrThrow(schema: z.ZodType, value: unknown, name: string): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
  throw new AppError('invalid_input', `${name}: ${issue?.message ?? 'invalid input'}${where}`);
}

/** Outputs are checked too: a handler that drifts from the contract fails loudly, not in the renderer. */
function checkOutput(schema: z.ZodType, value: unknown, name: string): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError(
    'internal',
    `${name} produced an invalid result: ${issue?.message} at ${issue?.path.join('.')}`,
  );
}
