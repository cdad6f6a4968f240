import { lstatSync, readSync, type BigIntStats } from 'node:fs';
import type { Finding } from '../../shared/domain.ts';
import { fileUrl } from '../integrity/attach.ts';
import { schemaShape, type SchemaShape } from '../integrity/checks.ts';
import type Database from '../sqlite/driver.ts';
import { HEADER_BYTES, headerVerdict } from '../sqlite/header.ts';
import { kindOf, readNoFollow } from '../fs/entry.ts';
import { openAttachHost, readable } from '../sqlite/readable.ts';
import { readMetadata } from '../store/metadata.ts';
import { CONVERSATIONS_DB, EXPECTED_TABLES, PROFILE_DB } from '../adapters/per-chat-schema.ts';
import {
  conversationFiguresOf,
  finishSummary,
  profileFiguresOf,
  type ScanItem,
  type ScanOutcome,
} from '../store/summary.ts';

type DbFile = typeof PROFILE_DB | typeof CONVERSATIONS_DB;

// The fleet visit of a healthy, idle chat, the case of nearly every chat of a root, in one go: both DBs
// attached at once to a private in-memory connection, then their quick_check, their DDL and the list's
// figures read with four statements prepared once. On these tiny files each statement (and its
// compile, redone after every ATTACH) costs about as much as the check itself; the general path runs
// twelve, and opens each file on its own.
//
// It answers only when everything is plain: both files regular with no -wal, -shm or -journal beside
// them, headers sane, quick_check "ok" on both, the figures' tables and columns there, no lock met (busy
// timeout 0) and no writer come while a WAL file was read (attachable / stillAsAttached). Anything else returns null, and the general
// path (summarizeChatTask with the integrity inspector) reads the chat, under a lock, and names what is
// wrong. Both end in finishSummary, and quick-visit.test.ts
// holds them to the same answers.

const PROFILE_SCHEMA = 'cp';
const CONVERSATIONS_SCHEMA = 'cc';

// Four plain statements rather than one: SQLite compiles every statement again after each ATTACH, and
// the planner's work on one statement of subqueries and a join cost more than it saved.
const PROFILE_CHECK_SQL = `PRAGMA ${PROFILE_SCHEMA}.quick_check`;
const CONVERSATIONS_CHECK_SQL = `PRAGMA ${CONVERSATIONS_SCHEMA}.quick_check`;
/** Both files' DDL (the key of their schema's shape), then the conversation figures. */
const FIGURES_SQL = `SELECT
  (SELECT group_concat(sql, char(0)) FROM ${PROFILE_SCHEMA}.sqlite_schema),
  (SELECT group_concat(sql, char(0)) FROM ${CONVERSATIONS_SCHEMA}.sqlite_schema),
  (SELECT count(*) FROM ${CONVERSATIONS_SCHEMA}.messages),
  (SELECT timestamp FROM ${CONVERSATIONS_SCHEMA}.messages ORDER BY id DESC LIMIT 1),
  (SELECT count(*) FROM ${CONVERSATIONS_SCHEMA}.conversation_sessions),
  (SELECT timestamp FROM ${CONVERSATIONS_SCHEMA}.messages ORDER BY id LIMIT 1)`;
const PROFILE_SQL = `SELECT username, first_name, last_name, current_level, last_active
  FROM ${PROFILE_SCHEMA}.user_profile LIMIT 1`;

type FiguresRow = [string | null, string | null, number, unknown, number, unknown];
type ProfileRow = [unknown, unknown, unknown, unknown, unknown];

/** The row as an object, built here: better-sqlite3's generic row builder cost more than the query. */
function profileRowOf(row: ProfileRow | undefined): Record<string, unknown> | undefined {
  if (!row) return undefined;
  const [username, first_name, last_name, current_level, last_active] = row;
  return { username, first_name, last_name, current_level, last_active };
}

interface Host {
  conn: Database.Database;
  attachProfile: Database.Statement;
  attachConversations: Database.Statement;
  begin: Database.Statement;
  commit: Database.Statement;
  detachProfile: Database.Statement;
  detachConversations: Database.Statement;
  /** Prepared once both files are attached (they name the attached schemas' tables). */
  reads: {
    profileCheck: Database.Statement;
    conversationsCheck: Database.Statement;
    figures: Database.Statement;
    profile: Database.Statement;
  } | null;
}

let host: Host | null = null;

/** Shapes by file and the exact DDL of the whole file: every chat of a root shares one or two. */
const shapes = new Map<string, SchemaShape>();
const SHAPES_MAX = 256;
const lastShape: Partial<Record<DbFile, { ddl: string | null; shape: SchemaShape }>> = {};

function hostConnection(): Host {
  if (host) return host;
  // Busy timeout 0: a file another program holds locked is not waited for here; the general path
  // waits the check's own timeout and reports `locked`.
  const conn = openAttachHost(0);
  // Each file's shared lock is taken once, when ATTACH reads its schema, and held until DETACH: the
  // schema and the reads are one consistent view, and a chat costs 16 fewer system calls (lock, unlock,
  // journal and WAL probes again at BEGIN). A read-only connection never takes more than a shared lock.
  conn.pragma('locking_mode = EXCLUSIVE');
  host = {
    conn,
    attachProfile: conn.prepare(`ATTACH ? AS ${PROFILE_SCHEMA}`),
    attachConversations: conn.prepare(`ATTACH ? AS ${CONVERSATIONS_SCHEMA}`),
    begin: conn.prepare('BEGIN'),
    commit: conn.prepare('COMMIT'),
    detachProfile: conn.prepare(`DETACH ${PROFILE_SCHEMA}`),
    detachConversations: conn.prepare(`DETACH ${CONVERSATIONS_SCHEMA}`),
    reads: null,
  };
  return host;
}

/** Starts afresh after anything unexpected: a connection in an unknown state is never reused. */
function dropHost(): void {
  const h = host;
  host = null;
  try {
    h?.conn.close();
  } catch {
    // already unusable
  }
}

/** Whether anything at all exists under this name (side files make a chat not plain). */
function exists(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

const header = Buffer.alloc(HEADER_BYTES);

/** Where a plain file's header said it stood when it was attached. */
export interface Attached {
  uri: string;
  /** In WAL mode: attached immutable, so checked afterwards (stillAsAttached). */
  wal: boolean;
  /** The header's file change counter (bytes 24-27): every commit to the file in rollback mode bumps it. */
  changeCounter: number;
}

/** The header of a regular file, read without following a link (null: cannot be read). */
function readHeader(path: string): number | null {
  return readNoFollow(path, (fd) => readSync(fd, header, 0, HEADER_BYTES, 0));
}

/**
 * How to attach a plain file (no -wal, -shm or -journal beside it), or null; the same modes as the
 * integrity check's opener. A rollback-journal file `mode=ro`: the visit reads it in one transaction, under
 * one shared lock (not one per statement: that was 28 fcntl calls a chat), which meets a writer's lock, and
 * the general path then waits and reports `locked`. A WAL file `immutable` (a read-only open would create
 * -wal and -shm): nothing stops a writer meanwhile, so stillAsAttached checks afterwards that none came.
 * `size` is the visit's lstat: a file swapped since fails the header's checks.
 */
export function attachable(path: string, size: number): Attached | null {
  if (exists(`${path}-shm`) || exists(`${path}-journal`)) return null;
  const read = readHeader(path);
  if (read === null) return null;
  const verdict = headerVerdict(header, read, size);
  if (!verdict.ok) return null;
  return {
    uri: `${fileUrl(path)}?${verdict.wal ? 'immutable=1' : 'mode=ro'}`,
    wal: verdict.wal,
    changeCounter: header.readUInt32BE(24),
  };
}

/**
 * Whether a file attached immutable is still as it was before the visit (`before`, its lstat): no writer
 * came while it was read. A write in progress leaves a -wal (or a journal) beside the file; a writer that
 * has finished and checkpointed into it changed its size or mtime (a WAL checkpoint leaves the header's
 * change counter as it was; a rollback commit bumps it). A file read under a lock (rollback journal)
 * needs no check.
 */
export function stillAsAttached(path: string, attached: Attached, before: BigIntStats): boolean {
  if (!attached.wal) return true;
  if (exists(`${path}-journal`) || exists(`${path}-wal`)) return false;
  const now = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  if (!now || now.size !== before.size || now.mtimeNs !== before.mtimeNs || now.ino !== before.ino)
    return false;
  const read = readHeader(path);
  return read === HEADER_BYTES && header.readUInt32BE(24) === attached.changeCounter;
}

/**
 * The visit's outcome for a plain, healthy chat, or null when the general path must read it. `stats` are
 * the visit's lstats of profile.db, its -wal, conversations.db, its -wal, metadata.json (in that order).
 */
export function quickVisit(item: ScanItem, stats: readonly (BigIntStats | undefined)[]): ScanOutcome | null {
  const [profile, profileWal, conversations, conversationsWal, metadata] = stats;
  if (!profile?.isFile() || !conversations?.isFile() || profileWal || conversationsWal) return null;
  const profilePath = `${item.dir}/${PROFILE_DB}`;
  const conversationsPath = `${item.dir}/${CONVERSATIONS_DB}`;
  const profileFile = attachable(profilePath, Number(profile.size));
  const conversationsFile = profileFile && attachable(conversationsPath, Number(conversations.size));
  if (!profileFile || !conversationsFile) return null;

  const h = hostConnection();
  let profileCheck: unknown[];
  let conversationsCheck: unknown[];
  let figures: FiguresRow;
  let profileRow: Record<string, unknown> | undefined;
  let profileShape: SchemaShape;
  let conversationsShape: SchemaShape;
  let attached = 0;
  try {
    h.attachProfile.run(profileFile.uri);
    attached = 1;
    h.attachConversations.run(conversationsFile.uri);
    attached = 2;
    const reads = (h.reads ??= prepareReads(h.conn));
    // One read transaction: each rollback-journal file is locked once for all four statements, and they
    // all see the same state of it.
    h.begin.run();
    profileCheck = reads.profileCheck.all();
    conversationsCheck = reads.conversationsCheck.all();
    if (!isOk(profileCheck) || !isOk(conversationsCheck)) throw new Error('not ok');
    figures = reads.figures.get() as FiguresRow;
    profileRow = profileRowOf(reads.profile.get() as ProfileRow | undefined);
    h.commit.run();
    profileShape = shapeOf(h.conn, PROFILE_SCHEMA, PROFILE_DB, figures[0]);
    conversationsShape = shapeOf(h.conn, CONVERSATIONS_SCHEMA, CONVERSATIONS_DB, figures[1]);
  } catch {
    // Damage, a lock, a schema without the expected tables...: the general path says which.
    endRead(h);
    detachOrDrop(h, attached);
    return null;
  }
  if (!detachOrDrop(h, attached)) return null;
  if (
    !stillAsAttached(profilePath, profileFile, profile) ||
    !stillAsAttached(conversationsPath, conversationsFile, conversations)
  )
    return null;

  const findings: Finding[] = [];
  if (profileShape.drift) findings.push(profileShape.drift);
  if (conversationsShape.drift) findings.push(conversationsShape.drift);
  return finishSummary(
    item,
    {
      profileSize: { exists: true, bytes: Number(profile.size), walBytes: 0 },
      conversationsSize: { exists: true, bytes: Number(conversations.size), walBytes: 0 },
      meta: readMetadata(item.dir, metadata ? kindOf(metadata) : 'missing'),
      profile: profileFiguresOf(profileRow),
      conversations: conversationFiguresOf(figures[2], figures[3], figures[4], figures[5]),
    },
    findings,
  );
}

const isOk = (rows: unknown[]): boolean => rows.length === 1 && rows[0] === 'ok';

function prepareReads(conn: Database.Database): NonNullable<Host['reads']> {
  const reads = {
    profileCheck: conn.prepare(PROFILE_CHECK_SQL).pluck(),
    conversationsCheck: conn.prepare(CONVERSATIONS_CHECK_SQL).pluck(),
    figures: conn.prepare(FIGURES_SQL).raw(),
    profile: conn.prepare(PROFILE_SQL).raw(),
  };
  // Fixed text, but the rule holds here too: a reader runs read-only statements only.
  for (const statement of Object.values(reads))
    if (!statement.readonly) throw new Error(`not a read-only statement: ${statement.source}`);
  return reads;
}

/**
 * The schema's shape (tables, columns, drift) of an attached file, by its whole DDL: worked out once per
 * distinct DDL by the integrity check's own schemaShape, so drift reads the same whichever path found it.
 */
function shapeOf(conn: Database.Database, schema: string, file: DbFile, ddl: string | null): SchemaShape {
  // Nearly every chat has the DDL of the chat before: one comparison, not the hash of a 1.5 KB key.
  const last = lastShape[file];
  if (last && last.ddl === ddl) return last.shape;
  const key = `${file}\u0000${ddl ?? ''}`;
  let shape = shapes.get(key);
  if (!shape) {
    const db = readable(conn, { name: schema, pragmas: false, close: () => {} });
    shape = schemaShape(db, schema, file, EXPECTED_TABLES[file], { extraTables: true });
    if (shapes.size >= SHAPES_MAX) shapes.clear();
    shapes.set(key, shape);
  }
  lastShape[file] = { ddl, shape };
  return shape;
}

/** Ends a read transaction left open by a failed statement (a DETACH cannot run inside one). */
function endRead(h: Host): void {
  try {
    if (h.conn.inTransaction) h.commit.run();
  } catch {
    dropHost();
  }
}

/** Detaches what was attached; false (and a fresh connection next time) when that fails. */
function detachOrDrop(h: Host, attached: number): boolean {
  try {
    if (attached >= 2) h.detachConversations.run();
    if (attached >= 1) h.detachProfile.run();
    return true;
  } catch {
    dropHost();
    return false;
  }
}

/** Closes this thread's connection (tests). */
export function closeQuickVisitConnection(): void {
  dropHost();
}
