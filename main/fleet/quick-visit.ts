import { closeSync, lstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import type { Finding } from '../../shared/domain.ts';
import { fileUrl } from '../integrity/attach.ts';
import { schemaShape, type SchemaShape } from '../integrity/checks.ts';
import type Database from '../sqlite/driver.ts';
import { HEADER_BYTES, headerVerdict, type HeaderVerdict } from '../sqlite/header.ts';
import { NO_FOLLOW_READ_FLAGS } from '../fs/entry.ts';
import { openAttachHost, readable } from '../sqlite/readable.ts';
import { readMetadata } from '../store/metadata.ts';
import { CONVERSATIONS_DB, EXPECTED_TABLES, PROFILE_DB } from '../store/schema.ts';
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
// timeout 0). Anything else returns null, and the general path (summarizeChatTask with the integrity
// inspector) reads the chat and names what is wrong. Both end in finishSummary, and quick-visit.test.ts
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

interface Host {
  conn: Database.Database;
  attachProfile: Database.Statement;
  attachConversations: Database.Statement;
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

function hostConnection(): Host {
  if (host) return host;
  // Busy timeout 0: a file another program holds locked is not waited for here; the general path
  // waits the check's own timeout and reports `locked`.
  const conn = openAttachHost(0);
  host = {
    conn,
    attachProfile: conn.prepare(`ATTACH ? AS ${PROFILE_SCHEMA}`),
    attachConversations: conn.prepare(`ATTACH ? AS ${CONVERSATIONS_SCHEMA}`),
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

/**
 * The ATTACH URI of a plain file (no -shm or -journal, its -wal already known absent), or null; the same
 * modes as the integrity check's opener: a WAL file `immutable` (a read-only open would create -wal/-shm),
 * a rollback-journal file `mode=ro`, whose shared lock meets a writer's lock (then the general path waits
 * and reports `locked`). `size` is the visit's lstat: a file swapped since fails the header's checks.
 */
function attachUri(path: string, size: number): string | null {
  if (exists(`${path}-shm`) || exists(`${path}-journal`)) return null;
  let fd: number;
  try {
    fd = openSync(path, NO_FOLLOW_READ_FLAGS);
  } catch {
    return null;
  }
  let verdict: HeaderVerdict;
  try {
    verdict = headerVerdict(header, readSync(fd, header, 0, HEADER_BYTES, 0), size);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
  if (!verdict.ok) return null;
  return `${fileUrl(path)}?${verdict.wal ? 'immutable=1' : 'mode=ro'}`;
}

/**
 * The visit's outcome for a plain, healthy chat, or null when the general path must read it. `stats` are
 * the visit's lstats of profile.db, its -wal, conversations.db, its -wal (in that order).
 */
export function quickVisit(item: ScanItem, stats: readonly (BigIntStats | undefined)[]): ScanOutcome | null {
  const [profile, profileWal, conversations, conversationsWal] = stats;
  if (!profile?.isFile() || !conversations?.isFile() || profileWal || conversationsWal) return null;
  const profilePath = `${item.dir}/${PROFILE_DB}`;
  const conversationsPath = `${item.dir}/${CONVERSATIONS_DB}`;
  const profileUri = attachUri(profilePath, Number(profile.size));
  const conversationsUri = profileUri && attachUri(conversationsPath, Number(conversations.size));
  if (!profileUri || !conversationsUri) return null;

  const h = hostConnection();
  let profileCheck: unknown[];
  let conversationsCheck: unknown[];
  let figures: FiguresRow;
  let profileRow: Record<string, unknown> | undefined;
  let profileShape: SchemaShape;
  let conversationsShape: SchemaShape;
  let attached = 0;
  try {
    h.attachProfile.run(profileUri);
    attached = 1;
    h.attachConversations.run(conversationsUri);
    attached = 2;
    const reads = (h.reads ??= prepareReads(h.conn));
    profileCheck = reads.profileCheck.all();
    conversationsCheck = reads.conversationsCheck.all();
    if (!isOk(profileCheck) || !isOk(conversationsCheck)) throw new Error('not ok');
    figures = reads.figures.get() as FiguresRow;
    profileRow = reads.profile.get() as Record<string, unknown> | undefined;
    profileShape = shapeOf(h.conn, PROFILE_SCHEMA, PROFILE_DB, figures[0]);
    conversationsShape = shapeOf(h.conn, CONVERSATIONS_SCHEMA, CONVERSATIONS_DB, figures[1]);
  } catch {
    // Damage, a lock, a schema without the expected tables...: the general path says which.
    detachOrDrop(h, attached);
    return null;
  }
  if (!detachOrDrop(h, attached)) return null;

  const findings: Finding[] = [];
  if (profileShape.drift) findings.push(profileShape.drift);
  if (conversationsShape.drift) findings.push(conversationsShape.drift);
  return finishSummary(
    item,
    {
      profileSize: { exists: true, bytes: Number(profile.size), walBytes: 0 },
      conversationsSize: { exists: true, bytes: Number(conversations.size), walBytes: 0 },
      meta: readMetadata(item.dir),
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
    profile: conn.prepare(PROFILE_SQL),
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
  const key = `${file}\u0000${ddl ?? ''}`;
  let shape = shapes.get(key);
  if (!shape) {
    const db = readable(conn, { name: schema, pragmas: false, close: () => {} });
    shape = schemaShape(db, schema, file, EXPECTED_TABLES[file], { extraTables: true });
    if (shapes.size >= SHAPES_MAX) shapes.clear();
    shapes.set(key, shape);
  }
  return shape;
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
