import { z } from 'zod';
import { ChatTreeInput } from './browse.ts';
import { job, query } from './define.ts';
import { ChatId, PathInput } from './primitives.ts';

// Backup, verify, restore, recover, export, metadata rebuild and migrate: the operations that write.
// Every one that writes is marked `writes: true` and runs only from an explicit action of the person.

/** Where an output goes: a bare file name (saved in Chat Inspector's own backups/exports folder) or a path. */

export const RowCountDiff = z.object({
  table: z.string(),
  old: z.number().int().nullable(),
  new: z.number().int().nullable(),
});
export type RowCountDiff = z.infer<typeof RowCountDiff>;

/** An archive's refusal limits other than the defaults (the CLI's --max-total, --max-file, --max-ratio). */
export const ArchiveLimits = z.object({
  maxTotalBytes: z.number().int().positive().optional(),
  maxFileBytes: z.number().int().positive().optional(),
  maxRatio: z.number().int().min(2).optional(),
});

export const BackupEvent = z.object({
  chatId: z.string(),
  files: z.number().int(),
  problem: z.string().nullable(),
});
export type BackupEvent = z.infer<typeof BackupEvent>;

export const BackupResult = z.object({
  out: z.string(),
  chats: z.number().int(),
  files: z.number().int(),
  /** Size of the .tar.gz. */
  archiveBytes: z.number().int(),
  /** Bytes of the files inside (before compression). */
  dataBytes: z.number().int(),
  /** Files that were already damaged in the source: kept byte for byte, marked in the manifest, never restored. */
  damaged: z.array(z.object({ path: z.string(), integrity: z.string() })),
  /** Entries of the root that are not chats, and layout files a chat does not have. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  /** Chats that could not be copied at all (not in the archive). */
  failed: z.array(z.object({ chatId: z.string(), reason: z.string() })),
  /**
   * Files or chat folders that should have been backed up and were not, and why: not a regular file (a
   * folder, FIFO or link in its place: never opened, never followed), or locked by another program for
   * the whole wait. The rest of their chat is in the archive.
   */
  notBackedUp: z.array(z.object({ path: z.string(), reason: z.string() })),
  durationMs: z.number(),
  /** Set for an archive of one SQLite file: the file backed up (the command line's path). */
  file: z.string().optional(),
});
export type BackupResult = z.infer<typeof BackupResult>;

export const VerifyFile = z.object({
  path: z.string(),
  chatId: z.string(),
  name: z.string(),
  size: z.number().int().nullable(),
  /** sha256 and size match the manifest. */
  checksumOk: z.boolean(),
  /** quick_check of a DB ('ok' or what is wrong); null for metadata.json or a missing file. */
  integrity: z.string().nullable(),
  /** The manifest says it was already damaged when backed up (not an archive problem; it is never restored). */
  damagedAtBackup: z.boolean(),
  problems: z.array(z.string()),
});
export type VerifyFile = z.infer<typeof VerifyFile>;

export const VerifyResult = z.object({
  archive: z.string(),
  /** Nothing wrong at all. */
  ok: z.boolean(),
  /** Restore would accept it (false exactly when restore refuses it): only damaged-at-backup files, if any. */
  restorable: z.boolean(),
  manifest: z
    .object({
      /** 'file': the archive holds one SQLite file (its one entry is `file/<name>`), not chats. */
      kind: z.enum(['chats', 'file']),
      createdAt: z.string(),
      toolVersion: z.string(),
      sourceRoot: z.string(),
      chats: z.number().int(),
      files: z.number().int(),
    })
    .nullable(),
  files: z.array(VerifyFile),
  /**
   * Set for an operator's own archive (`tar -czf` of `data/chats/chat_<id>/`) that has no manifest.json:
   * every DB was checked (header, quick_check, tables against the bot's schema), but its checksums and row
   * counts cannot be proven (nothing says what it held when it was made). `manifest` is then null, `ok`
   * says only that the checks passed (the CLI exits 3 rather than 0).
   */
  withoutManifest: z.object({ chats: z.number().int(), files: z.number().int() }).nullable(),
  /**
   * Why the archive is refused (verify exits 2, restore writes nothing): hostile entries, manifest missing or
   * not matching the content (files, sizes, sha256, row counts), a DB failing quick_check, cut short.
   */
  problems: z.array(z.string()),
  /**
   * When verify was given a root: the chats of that root with no file in this archive (the archive does
   * not back them up), by id, oldest folder name order; `rootChats` every chat of the root, `inArchive`
   * those of them the archive holds (a backup of 2 chats chosen from 301 holds 2 of 301: not a fault).
   * Absent without a root.
   */
  notInArchive: z
    .object({
      root: z.string(),
      chatIds: z.array(z.string()),
      rootChats: z.number().int().optional(),
      inArchive: z.number().int().optional(),
    })
    .optional(),
});
export type VerifyResult = z.infer<typeof VerifyResult>;

export const RestoreAction = z.enum(['add', 'replace', 'unchanged', 'skip']);
export type RestoreAction = z.infer<typeof RestoreAction>;

export const RestoreFilePlan = z.object({
  name: z.string(),
  action: RestoreAction,
  reason: z.string().nullable(),
  /** Rows per table, in the target now (old) and in the archive (new). */
  rowCounts: z.array(RowCountDiff),
  /** Where the replaced file was kept (after a real restore). */
  backup: z.string().nullable(),
});
export type RestoreFilePlan = z.infer<typeof RestoreFilePlan>;

export const RestoreChatPlan = z.object({
  chatId: z.string(),
  /**
   * The chat tree (relative to the root) the chat goes into, when the root has more than one: the tree it
   * lives in, or the current tree for a new chat.
   */
  tree: z.string().optional(),
  action: RestoreAction,
  files: z.array(RestoreFilePlan),
});
export type RestoreChatPlan = z.infer<typeof RestoreChatPlan>;

export const RestoreResult = z.object({
  archive: z.string(),
  root: z.string(),
  /** The folder the chat folders went into (the root itself, or its existing chats folder). */
  chatsDir: z.string(),
  dryRun: z.boolean(),
  applied: z.boolean(),
  chats: z.array(RestoreChatPlan),
  /**
   * Set when the archive holds one SQLite file: where it goes. `chats` then has one entry (chatId '') with
   * that file's plan.
   */
  file: z.string().optional(),
  /** The archive had no manifest.json (an operator's own tar): checksums and row counts were not proven. */
  withoutManifest: z.boolean().optional(),
  summary: z.object({
    add: z.number().int(),
    replace: z.number().int(),
    unchanged: z.number().int(),
    skip: z.number().int(),
  }),
});
export type RestoreResult = z.infer<typeof RestoreResult>;

export const LostBasis = z.enum(['exact', 'upper_bound', 'unknown']);
export type LostBasis = z.infer<typeof LostBasis>;

export const RecoverTable = z.object({
  table: z.string(),
  /** Rows in the new file's table, byte for byte as they were. */
  recovered: z.number().int(),
  /** Rows of this table (and of no other) put in lost_and_found (a rowid conflict, a broken constraint). */
  lostAndFound: z.number().int(),
  /** Rows that are in neither: exact, an upper bound, or null when it cannot be known. */
  lost: z.number().int().nullable(),
  lostBasis: LostBasis,
  /** What the count rests on: 'quick_check', 'tree', 'metadata.json', 'profile.db', 'rowid ranges', ... */
  lostSource: z.string(),
  /** Why rows that were read were not kept (NULL in a NOT NULL column, text in an INTEGER column, ...). */
  reasons: z.array(z.object({ reason: z.string(), count: z.number().int() })),
  note: z.string().nullable(),
});
export type RecoverTable = z.infer<typeof RecoverTable>;

export const RecoverPages = z.object({
  total: z.number().int(),
  tableInterior: z.number().int(),
  tableLeaf: z.number().int(),
  indexPages: z.number().int(),
  overflow: z.number().int(),
  freelist: z.number().int(),
  missing: z.number().int(),
  unreadable: z.number().int(),
  orphan: z.number().int(),
});

export const RecoverResult = z.object({
  source: z.string(),
  out: z.string().nullable(),
  /** 'vacuum-into': every page was readable (quick_check ok); 'pages': read page by page. */
  method: z.enum(['vacuum-into', 'pages']),
  tables: z.array(RecoverTable),
  /** Rows in the lost_and_found table of the new file (0: there is none). */
  lostAndFound: z.number().int(),
  lostAndFoundTable: z.string().nullable(),
  /** What the page reader found, page by page (null on the fast path). */
  pages: RecoverPages.nullable(),
  /** The -wal beside the damaged file: frames applied, frames ignored after the last commit and why. */
  wal: z
    .object({
      committedFrames: z.number().int(),
      ignoredFrames: z.number().int(),
      stoppedBecause: z.string(),
    })
    .nullable(),
  /** quick_check of the damaged file ('ok' on the fast path). */
  sourceCheck: z.string(),
  /** quick_check of the new file. */
  integrity: z.string(),
  notes: z.array(z.string()),
  /**
   * The header's page-size field (as stored; 1 stands for 65536) when it was invalid or did not match the
   * pages, and the page size was inferred from the pages themselves; null when the header's was used.
   */
  pageSizeInferredFrom: z.number().int().nullable(),
  /** With intoPlace: the damaged file now holds the recovered DB; the damaged one was kept here. */
  placedInto: z.string().nullable(),
  backup: z.string().nullable(),
  durationMs: z.number(),
});
export type RecoverResult = z.infer<typeof RecoverResult>;

export const ExportFormat = z.enum(['json', 'csv', 'html']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportResult = z.object({
  out: z.string(),
  format: ExportFormat,
  chats: z.number().int(),
  messages: z.number().int(),
  sessions: z.number().int(),
  bytes: z.number().int(),
  redacted: z.boolean(),
});
export type ExportResult = z.infer<typeof ExportResult>;

export const MetadataRebuildResult = z.object({
  path: z.string(),
  previousState: z.enum(['missing', 'malformed', 'ok']),
  backup: z.string().nullable(),
  metadata: z.unknown(),
});
export type MetadataRebuildResult = z.infer<typeof MetadataRebuildResult>;

export const MigrateTable = z.object({
  table: z.string(),
  source: z.number().int(),
  migrated: z.number().int().nullable(),
  checksumOk: z.boolean().nullable(),
});
export const MigrateChat = z.object({
  chatId: z.string(),
  action: z.enum(['add', 'replace', 'conflict']),
  tables: z.array(MigrateTable),
  backups: z.array(z.string()),
});
export type MigrateChat = z.infer<typeof MigrateChat>;

export const MigrateResult = z.object({
  source: z.string(),
  root: z.string(),
  /** Where the chat folders went (or would go): the folder given, or its existing chats folder. */
  chatsDir: z.string(),
  dryRun: z.boolean(),
  applied: z.boolean(),
  chats: z.array(MigrateChat),
  totals: z.object({
    users: z.number().int(),
    messages: z.number().int(),
    sessions: z.number().int(),
    rows: z.number().int(),
  }),
  /** Rows that arrived with the same checksum, as a percentage of the source's rows. */
  integrityPercent: z.number(),
});
export type MigrateResult = z.infer<typeof MigrateResult>;

export const OutputFile = z.object({
  path: z.string(),
  name: z.string(),
  kind: z.enum(['backup', 'export', 'recovered']),
  sizeBytes: z.number().int(),
  modifiedAt: z.string(),
});
export type OutputFile = z.infer<typeof OutputFile>;

export const PlaceArchives = z.object({
  /** The allowed place (a root, or an archive file opened itself). */
  place: z.string(),
  label: z.string(),
  archives: z.array(
    z.object({ path: z.string(), name: z.string(), sizeBytes: z.number().int(), modifiedAt: z.string() }),
  ),
  /** True when the listing stopped at its limit. */
  capped: z.boolean(),
});
export type PlaceArchives = z.infer<typeof PlaceArchives>;

export const backupOperations = {
  'backup.create': job(
    'Back up one chat, a selection or a whole root into a .tar.gz with a manifest (consistent while the bot writes).',
    z.object({
      root: PathInput,
      /** Empty or absent: every chat of the root. */
      chatIds: z.array(ChatId).max(1_000_000).optional(),
      out: PathInput.optional(),
      /** gzip level 1 (fast) to 9 (small); default 3. */
      level: z.number().int().min(1).max(9).optional(),
      /** Also quick_check every DB while backing up (verify always does). */
      check: z.boolean().optional(),
      /** How long to keep trying to read a DB another program keeps locked before leaving it out (seconds). */
      waitSeconds: z.number().min(0).max(3600).meta({ noun: 'a number of seconds' }).optional(),
    }),
    BackupEvent,
    BackupResult,
    { writes: true },
  ),
  'backup.verify': job(
    'Check every checksum and run quick_check on every DB inside an archive, without unpacking it anywhere.',
    z.object({
      archive: PathInput,
      /** Also list the chats of this (allowed) root that are not in the archive. */
      root: PathInput.optional(),
      /** Refusal limits other than the defaults (the CLI's --max-total, --max-file, --max-ratio). */
      limits: ArchiveLimits.optional(),
    }),
    z.null(),
    VerifyResult,
  ),
  'backup.restore': job(
    'Restore chats from an archive into a root: verified first, each file swapped atomically, replaced files kept as .bak-<time>.',
    z.object({
      archive: PathInput,
      root: PathInput,
      chatIds: z.array(ChatId).max(1_000_000).optional(),
      dryRun: z.boolean().default(false),
      /** Replacing existing files needs this (the dry run shows what would be replaced). */
      force: z.boolean().default(false),
      /** How long to wait for the bot to let go of a DB before refusing (seconds; default 10). */
      waitSeconds: z.number().min(0).max(86_400).meta({ noun: 'a number of seconds' }).optional(),
      limits: ArchiveLimits.optional(),
    }),
    RestoreChatPlan,
    RestoreResult,
    { writes: true },
  ),
  'recover.run': job(
    'Salvage what is readable from a damaged DB into a new file (never modifying it); optionally put it in place.',
    z.object({
      path: PathInput,
      out: PathInput.optional(),
      intoPlace: z.boolean().default(false),
      /** With intoPlace: how long to wait for the bot to let go of the DB (seconds; default 10). */
      waitSeconds: z.number().min(0).max(86_400).meta({ noun: 'a number of seconds' }).optional(),
    }),
    z.null(),
    RecoverResult,
    { writes: true },
  ),
  'recover.place': job(
    'Put a recovered DB (a file recover wrote) in place of the damaged one, which is kept as .bak-<time>, through the restore swap.',
    z.object({ path: PathInput, recovered: PathInput }),
    z.null(),
    z.object({ placedInto: z.string(), backup: z.string().nullable() }),
    { writes: true },
  ),
  'export.run': job(
    'Export chats as JSON, CSV or a printable HTML transcript, optionally masking phones, e-mails and names.',
    z.object({
      root: PathInput,
      chatIds: z.array(ChatId).min(1).max(10_000),
      format: ExportFormat,
      out: PathInput.optional(),
      redact: z.boolean().default(false),
      /** The chats' copies in this chat tree of the root (`data/chats`); else each chat's first copy. */
      tree: ChatTreeInput.optional(),
      /** Replace `out` if it exists (else an existing file is refused). */
      overwrite: z.boolean().default(false),
    }),
    z.null(),
    ExportResult,
    { writes: true },
  ),
  'export.file': job(
    'Export one conversation of a single SQLite file (legacy or foreign: a clinic bot, DuilioCode, user_history) as JSON, CSV or printable HTML, optionally masking phones, e-mails and names.',
    z.object({
      path: PathInput,
      conversationId: z.string().min(1).max(200),
      format: ExportFormat,
      out: PathInput.optional(),
      redact: z.boolean().default(false),
    }),
    z.null(),
    ExportResult,
    { writes: true },
  ),
  'metadata.rebuild': query(
    "Rebuild a chat's metadata.json from its DBs (the old one is kept as metadata.json.bak-<time>).",
    z.object({ root: PathInput, chatId: ChatId }),
    MetadataRebuildResult,
    { writes: true },
  ),
  'migrate.run': job(
    'Split a legacy user_history.db into the per-chat layout and verify every row arrived.',
    z.object({
      path: PathInput,
      root: PathInput,
      dryRun: z.boolean().default(false),
      force: z.boolean().default(false),
    }),
    MigrateChat,
    MigrateResult,
    { writes: true },
  ),
  'backup.outputs': query(
    "Archives, exports and recovered DBs in Chat Inspector's own folders (browse mode saves them there).",
    z.object({}),
    z.object({
      dirs: z.object({ backups: z.string(), exports: z.string(), recovered: z.string() }),
      files: z.array(OutputFile),
    }),
  ),
  'backup.placeArchives': query(
    'Archives (.tar.gz, .tgz) in the allowed places, to choose instead of typing a path: the top of each root and its folders one level down (chat folders skipped, links never followed).',
    z.object({}),
    z.object({ places: z.array(PlaceArchives) }),
  ),
  'backup.readOutput': query(
    'A chunk of one produced file (base64), so browser mode can download it.',
    z.object({
      path: PathInput,
      offset: z.number().int().min(0).default(0),
      length: z
        .number()
        .int()
        .min(1)
        .max(4 * 1024 * 1024)
        .default(4 * 1024 * 1024),
    }),
    z.object({ data: z.string(), size: z.number().int(), eof: z.boolean() }),
  ),
} as const;
