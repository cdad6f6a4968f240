import { IntegrityReport } from '../../../shared/contract/integrity.ts';
import { AppError } from '../../../shared/errors.ts';
import { exportReport } from '../../../shared/integrity-report.ts';
import { checkFile, checkRoot } from '../../integrity/run.ts';
import type { HandlerContext } from '../context.ts';
import type { Handlers } from '../types.ts';

/** The report of a finished check job, or null when the job is gone (finished jobs are dropped after a while). */
function reportOfJob(jobId: string, ctx: HandlerContext): IntegrityReport | null {
  let snapshot;
  try {
    snapshot = ctx.jobs.poll(jobId, Number.MAX_SAFE_INTEGER);
  } catch {
    return null;
  }
  if (snapshot.op !== 'integrity.check' && snapshot.op !== 'integrity.checkFile') {
    throw new AppError('invalid_input', `job ${jobId} is not an integrity check`);
  }
  if (snapshot.state === 'running')
    throw new AppError('conflict', 'the check is still running: export the report when it has finished');
  if (snapshot.state !== 'done') return null;
  return IntegrityReport.parse(snapshot.result);
}

export const integrityHandlers = {
  'integrity.check': ({ root, full, chatIds, tree, otherCopies }, ctx, job) =>
    checkRoot(ctx.places.requireRoot(root), job, {
      pool: ctx.pool,
      full,
      chatIds,
      now: ctx.now(),
      otherCopies,
      ...(tree !== undefined ? { tree } : {}),
    }),
  'integrity.checkFile': ({ path, full }, ctx, job) =>
    checkFile(ctx.places.requireFile(path), job, { pool: ctx.pool, full }),
  // The text comes back to the renderer, which offers it as a download: no path to choose or allow,
  // the same in Electron and in browser mode, and nothing is written next to the person's data.
  'integrity.exportReport': ({ jobId, report, format }, ctx) => {
    const source = jobId !== undefined ? (reportOfJob(jobId, ctx) ?? report) : report;
    if (!source)
      throw new AppError('not_found', "the check's report is no longer available: run the check again");
    return exportReport(source, format);
  },
} satisfies Partial<Handlers>;
