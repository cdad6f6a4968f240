import { z } from 'zod';
import { FileKind, Finding, Health, SkippedEntry } from '../domain.ts';
import { ChatTreeInput } from './browse.ts';
import { job, query } from './define.ts';
import { ChatId, PathInput } from './primitives.ts';

// Integrity checks across a data root (or one DB file): findings per chat, streamed as they are found,
// and the report (the `check --json` shape plus when and how it ran).

export const CheckMode = z.enum(['quick', 'full']);
export type CheckMode = z.infer<typeof CheckMode>;

/** One chat's result: streamed while the check runs, and one row of the report. */
export const ChatCheck = z.object({
  /** The chat id; for a single-file check, the file's name. */
  chatId: z.string(),
  /**
   * The chat tree of the copy checked (relative to the root), when the root has more than one chat tree:
   * a chat in two trees is checked in both, each copy reported with its tree.
   */
  tree: z.string().optional(),
  status: Health,
  findings: z.array(Finding),
});
export type ChatCheck = z.infer<typeof ChatCheck>;

export const CheckCounts = z.object({
  ok: z.number().int(),
  warning: z.number().int(),
  error: z.number().int(),
});
export type CheckCounts = z.infer<typeof CheckCounts>;

export const IntegrityReport = z.object({
  chats: z.array(ChatCheck),
  summary: CheckCounts,
  /** The data root (or the DB file) that was checked. */
  root: z.string(),
  mode: CheckMode,
  startedAt: z.string(),
  finishedAt: z.string(),
  /** Entries of the root that are not chats (stray files, empty chat folders), as the scan lists them. */
  skipped: z.array(SkippedEntry).default([]),
  /** Single-file checks: the detected kind of the file. */
  fileKind: FileKind.optional(),
});
export type IntegrityReport = z.infer<typeof IntegrityReport>;

export const ReportFormat = z.enum(['json', 'html']);
export type ReportFormat = z.infer<typeof ReportFormat>;

export const integrityOperations = {
  'integrity.check': job(
    'Check every chat of a data root (or the chosen ones): quick by default, full with `full`; one result per chat streams in as it is checked.',
    z.object({
      root: PathInput,
      full: z.boolean().default(false),
      chatIds: z.array(ChatId).max(100_000).optional(),
      /** Only the copies in this chat tree of the root. */
      tree: ChatTreeInput.optional(),
      /** A chat in more than one tree is checked in each (the CLI's `check`); else its current copy only. */
      otherCopies: z.boolean().default(false),
    }),
    ChatCheck,
    IntegrityReport,
  ),
  'integrity.checkFile': job(
    'Check one SQLite file (a per-chat DB, the legacy user_history.db, a DuilioCode or clinic DB, or any SQLite file).',
    z.object({ path: PathInput, full: z.boolean().default(false) }),
    ChatCheck,
    IntegrityReport,
  ),
  // Runs on main: it reads a finished check's report from the job runner (this process's memory).
  'integrity.exportReport': query(
    'The report of a finished check (by job id, or as given) as JSON or a self-contained HTML page, ready to download.',
    z
      .object({
        jobId: z.string().max(100).optional(),
        report: IntegrityReport.optional(),
        format: ReportFormat,
      })
      .refine((v) => v.jobId !== undefined || v.report !== undefined, 'give a jobId or a report'),
    z.object({ fileName: z.string(), mimeType: z.string(), text: z.string() }),
    { runs: 'main' },
  ),
} as const;
