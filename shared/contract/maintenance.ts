import { z } from 'zod';
import { ChatTreeInput } from './browse.ts';
import { job } from './define.ts';
import { ChatId, PathInput } from './primitives.ts';
import { FindingCode, FleetTotals } from '../domain.ts';

// The operator's maintenance (seed 000): vacuum, archive-then-clean inactive chats, alerts, rotating backups.
// Each writing operation has a dry run that writes nothing; the real run backs up first and verifies.

const DbName = z.enum(['profile.db', 'conversations.db']);

export const VacuumCandidate = z.object({
  chatId: z.string(),
  file: DbName,
  path: z.string(),
  /** The DB file plus its -wal. */
  sizeBytes: z.number().int(),
  pageSize: z.number().int(),
  pageCount: z.number().int(),
  freePages: z.number().int(),
  /** freelist_count / page_count, in percent. */
  freePercent: z.number(),
  /** What VACUUM would give back (free pages × page size). */
  reclaimableBytes: z.number().int(),
});
export type VacuumCandidate = z.infer<typeof VacuumCandidate>;

export const VacuumOutcome = z.object({
  chatId: z.string(),
  file: DbName,
  path: z.string(),
  status: z.enum(['vacuumed', 'refused', 'failed']),
  /** Why it was refused or failed (in use by another process, checks did not match...). */
  reason: z.string().nullable(),
  bytesBefore: z.number().int(),
  bytesAfter: z.number().int().nullable(),
  /** The backup taken before VACUUM: a complete, checked copy kept as <name>.bak-<time> beside the DB. */
  backup: z.string().nullable(),
  /**
   * Tables compared before and after VACUUM (row count and content digest); 0 when another program wrote
   * to the DB meanwhile, so the rows could not be compared one by one (quick_check still passed).
   */
  tablesCompared: z.number().int(),
});
export type VacuumOutcome = z.infer<typeof VacuumOutcome>;

export const VacuumResult = z.object({
  root: z.string(),
  dryRun: z.boolean(),
  minFreePercent: z.number(),
  candidates: z.array(VacuumCandidate),
  /** DBs that could not be measured (damaged, missing, locked). */
  unreadable: z.array(z.object({ path: z.string(), reason: z.string() })),
  outcomes: z.array(VacuumOutcome),
  bytesBefore: z.number().int(),
  bytesAfter: z.number().int(),
});
export type VacuumResult = z.infer<typeof VacuumResult>;

export const ActivityFingerprint = z.string();

export const InactiveChat = z.object({
  chatId: z.string(),
  dir: z.string(),
  sizeBytes: z.number().int(),
  /** The latest activity found in the DBs (messages, profile) or metadata.json; null when none is known. */
  lastActive: z.string().nullable(),
  inactiveDays: z.number().nullable(),
  /** Sizes and modification times of the chat's files: a chat touched since the plan no longer matches. */
  fingerprint: ActivityFingerprint,
});
export type InactiveChat = z.infer<typeof InactiveChat>;

/** What a dry run of archive-inactive found, to pass to the real run (only these chats, if unchanged). */
export const ArchivePlan = z.object({
  root: z.string(),
  days: z.number(),
  createdAt: z.string(),
  chats: z.array(z.object({ chatId: ChatId, lastActive: z.string().nullable(), fingerprint: z.string() })),
});
export type ArchivePlan = z.infer<typeof ArchivePlan>;

export const ArchiveInactiveResult = z.object({
  root: z.string(),
  dryRun: z.boolean(),
  days: z.number(),
  candidates: z.array(InactiveChat),
  /** Chats now in the archive and removed from the root. */
  archived: z.array(z.string()),
  /** Candidates left in place, and why (active since the plan, in use, damaged file...). */
  kept: z.array(z.object({ chatId: z.string(), reason: z.string() })),
  archive: z.string().nullable(),
  archiveBytes: z.number().int().nullable(),
  /** Bytes of chat folders removed from the root. */
  freedBytes: z.number().int(),
  plan: ArchivePlan,
  /** What was done about trash folders a killed run left (finished or moved back). */
  notes: z.array(z.string()),
  /** The folder to give `restore --into` so the chats come back where they were. */
  restoreInto: z.string(),
});
export type ArchiveInactiveResult = z.infer<typeof ArchiveInactiveResult>;

export const AlertThresholds = z.object({
  /** A DB (with its -wal) larger than this (MB) is a warning. */
  dbMaxMb: z.number().positive().max(1_000_000).default(10),
  /** No activity for more than this many days: a warning (candidate for archiving). */
  inactiveDays: z.number().positive().max(100_000).default(90),
  /** The newest-page query of a chat slower than this (ms): a warning. */
  slowMs: z.number().positive().max(600_000).default(100),
  /**
   * Not backed up for more than this many days (its newest verified archive, else metadata.json's
   * last_backup), or no backup known at all: a warning.
   */
  backupMaxDays: z.number().positive().max(100_000).default(2),
});
export type AlertThresholds = z.infer<typeof AlertThresholds>;

export const AlertKind = z.enum(['db_large', 'inactive', 'integrity', 'slow', 'not_backed_up']);
export type AlertKind = z.infer<typeof AlertKind>;

export const Alert = z.object({
  kind: AlertKind,
  severity: z.enum(['warning', 'error']),
  chatId: z.string(),
  file: z.string().nullable(),
  message: z.string(),
  /** The measured figure: MB, days or ms (null for integrity). */
  value: z.number().nullable(),
  /**
   * What the renderer words the alert from: db_large {file, mb, limitMb}, inactive {days, limitDays},
   * slow {ms, limitMs}, not_backed_up {days (null: none known), limitDays, source, archive}, integrity the
   * finding's own params.
   */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).default({}),
  /** integrity: the finding's code. */
  code: FindingCode.optional(),
});
export type Alert = z.infer<typeof Alert>;

export const AlertsResult = z.object({
  root: z.string(),
  thresholds: z.object({
    dbMaxMb: z.number(),
    inactiveDays: z.number(),
    slowMs: z.number(),
    backupMaxDays: z.number(),
  }),
  checkedAt: z.string(),
  chats: z.number().int(),
  /** The total size of the chats' DBs and the mean newest-page query time (FleetTotals). */
  ...FleetTotals.shape,
  alerts: z.array(Alert),
  /** What cron reads: 0 no alert, 1 warnings only, 2 at least one error. */
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]),
});
export type AlertsResult = z.infer<typeof AlertsResult>;

export const RotatedArchive = z.object({
  path: z.string(),
  sizeBytes: z.number().int(),
  createdAt: z.string(),
});
export type RotatedArchive = z.infer<typeof RotatedArchive>;

export const RotateResult = z.object({
  outDir: z.string(),
  archive: z.string(),
  archiveBytes: z.number().int(),
  chats: z.number().int(),
  verified: z.boolean(),
  /** Chats that could not be copied: the archive is incomplete and no older one was removed. */
  failed: z.array(z.object({ chatId: z.string(), reason: z.string() })),
  /** Files that were already damaged in the source (kept byte for byte in the archive, never restored). */
  damaged: z.array(z.object({ path: z.string(), integrity: z.string() })),
  kept: z.array(RotatedArchive),
  removed: z.array(RotatedArchive),
  /** Archives of this folder without a verification record: never counted, never removed. */
  unverified: z.array(z.string()),
});
export type RotateResult = z.infer<typeof RotateResult>;

export const MaintenanceStep = z.object({ step: z.string(), detail: z.string().nullable() });

export const maintenanceOperations = {
  // Runs in a worker: before each VACUUM it has every other thread close its connections to the DB, and
  // reads of that DB are refused until it moves on (WriteAccess.releaseConnections, main/api/fence.ts).
  'maintenance.vacuum': job(
    "Compact DBs whose free pages exceed a threshold, in place: a checked backup copy first (<name>.bak-<time>), then VACUUM on the live file under SQLite's own locks, every row compared before and after; a DB another process has open is waited for, then refused.",
    z.object({
      root: PathInput,
      chatIds: z.array(ChatId).max(1_000_000).optional(),
      /** Only the chats' copies in this chat tree of the root; else each chat's copy in the first tree holding it. */
      tree: ChatTreeInput.optional(),
      minFreePercent: z.number().min(0).max(100).meta({ noun: 'a percentage' }).default(10),
      dryRun: z.boolean().default(false),
      /** How long to wait for another process to let go of a DB before refusing it (seconds). */
      waitSeconds: z.number().min(0).max(3600).meta({ noun: 'a number of seconds' }).default(0),
      /** Only these DBs (the paths a preview listed), so what runs is exactly what was confirmed. */
      paths: z.array(PathInput).max(1_000_000).optional(),
    }),
    VacuumOutcome,
    VacuumResult,
    { writes: true },
  ),
  // Runs in a worker: before moving a chat it has every other thread close its connections under it, and
  // reads of that chat are refused meanwhile (as maintenance.vacuum).
  'maintenance.archiveInactive': job(
    'Archive chats inactive for more than N days into one verified backup archive, then remove them from the root (through a trash folder, removed after a second verification).',
    z.object({
      root: PathInput,
      days: z.number().positive().max(100_000),
      /** The folder for the archive (a bare name or absent: Chat Inspector's backups folder). */
      outDir: PathInput.optional(),
      dryRun: z.boolean().default(false),
      /** The dry run's plan: only its chats, and only if unchanged since. */
      plan: ArchivePlan.optional(),
    }),
    MaintenanceStep,
    ArchiveInactiveResult,
    { writes: true },
  ),
  'maintenance.alerts': job(
    "The seed's alerts: DBs over a size, inactive users, integrity errors (quick check) and slow chats (newest-page query time), read-only.",
    z.object({
      root: PathInput,
      thresholds: AlertThresholds.default(AlertThresholds.parse({})),
      /**
       * Folders of verified archives that say when each chat was last backed up (the CLI's `--backups`;
       * none: metadata.json's last_backup). Absent: the folders the Backups screen lists.
       */
      backupDirs: z.array(PathInput).max(1000).optional(),
    }),
    Alert,
    AlertsResult,
  ),
  'maintenance.backupRotate': job(
    'A timestamped, verified archive into a folder, keeping the newest N verified ones (older ones removed only after the new one verified).',
    z.object({
      root: PathInput,
      /** The folder for the archives (absent: Chat Inspector's backups folder). */
      outDir: PathInput.optional(),
      keep: z.number().int().min(1).max(10_000).default(7),
    }),
    MaintenanceStep,
    RotateResult,
    { writes: true },
  ),
} as const;
