// Who looked at a person's history: every view (opening a conversation, searching inside it, exporting, a
// subject request) is one line appended to access-log.jsonl in Chat Inspector's own folder — when, the OS
// user, the operation, the source (its locator with any password masked), the conversation and the person
// asked for; never message content. Each line carries the hash of the one before, and access-log.head.json
// the number of lines written and the last hash, so `verify` finds a line edited, deleted, reordered or a
// tail cut off, with its line number. (Anyone able to rewrite the folder can rewrite the whole chain: an
// auditor keeps the head hash `verify` prints to compare later.)
//
// Writing: one writer at a time across processes (access-log.lock, made with O_EXCL; a lock whose process
// is gone is broken), the line written with one write() on an O_APPEND descriptor and fsynced before
// append returns, so a view is shown only once its entry is on disk; then the head is replaced (temp file,
// fsync, rename). A log that cannot be written throws `access_log_unwritable`: the caller shows nothing.

import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { AppError, errorMessage } from '../../shared/errors.ts';
import {
  formatPhone,
  identifierMatches,
  parseIdentifier,
  type Identifier,
  type IdentifierKind,
} from '../../shared/identity/index.ts';
import { redactSecrets } from '../../shared/secrets.ts';
import { ownerMayBeWriting } from '../fs/files.ts';
import { ensureOwnDir, ownFileState, readOwnFile, writeOwnFile } from '../fs/own-file.ts';

export const ACCESS_LOG_FILE = 'access-log.jsonl';
export const ACCESS_LOG_HEAD = 'access-log.head.json';
const LOCK_FILE = 'access-log.lock';

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What was done with a person's data. `logging.off` / `logging.on`: the setting that stops the log. */
export const ACCESS_OPERATIONS = [
  'conversation.open',
  'conversation.search',
  'export',
  'subject.find',
  'subject.export',
  'subject.erase',
  'access-log.export',
  'logging.off',
  'logging.on',
] as const;
export type AccessOperation = (typeof ACCESS_OPERATIONS)[number];

/** The store looked into: its id when saved, its kind and its locator (a password in it is masked). */
export interface AccessSource {
  id: string | null;
  kind: string;
  locator: string;
}

/** The person a subject request asked for, as given (a phone, a CPF, …) or a chat id. */
export interface AccessSubject {
  kind: IdentifierKind | 'chat';
  value: string;
}

export interface AccessView {
  operation: AccessOperation;
  source: AccessSource | null;
  conversation?: string | null;
  subject?: AccessSubject | null;
}

export interface AccessEntry {
  seq: number;
  at: string;
  osUser: string;
  operation: AccessOperation;
  source: AccessSource | null;
  conversation: string | null;
  subject: AccessSubject | null;
  prevHash: string;
  hash: string;
}

/** Longest text kept in a field: an entry stays one short line (ids, locators, identifiers). */
const FIELD_MAX = 1024;

export interface AccessLogOptions {
  now?: () => Date;
  osUser?: string;
  /** How long to wait for another writer's lock before giving up (ms). */
  lockWaitMs?: number;
}

function logPath(dir: string): string {
  return join(dir, ACCESS_LOG_FILE);
}

function unwritable(dir: string, why: string): AppError {
  return new AppError(
    'access_log_unwritable',
    `${logPath(dir)}: the access log could not be written (${why}); nothing was shown`,
  );
}

function errno(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? errorMessage(error);
}

/** The OS account this process runs as (the person at the keyboard, for a desktop app or a CLI run). */
export function currentOsUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

function clip(text: string): string {
  return text.length > FIELD_MAX ? `${text.slice(0, FIELD_MAX - 1)}…` : text;
}

/** A subject's value in the form it is compared in (a phone as +55 11 98765-4321, a CPF as 11 digits). */
function canonicalSubject(subject: AccessSubject): AccessSubject {
  if (subject.kind === 'chat' || subject.kind === 'name')
    return { kind: subject.kind, value: clip(subject.value.trim()) };
  const parsed = parseIdentifier(subject.kind, subject.value);
  if (!parsed) return { kind: subject.kind, value: clip(subject.value.trim()) };
  return { kind: subject.kind, value: parsed.kind === 'phone' ? formatPhone(parsed.phone) : parsed.value };
}

/** The line hashed: every field but `hash`, in this order. */
function body(entry: Omit<AccessEntry, 'hash'>): string {
  const { seq, at, osUser, operation, source, conversation, subject, prevHash } = entry;
  return JSON.stringify({ seq, at, osUser, operation, source, conversation, subject, prevHash });
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function serialise(entry: AccessEntry): string {
  const { seq, at, osUser, operation, source, conversation, subject, prevHash, hash } = entry;
  return JSON.stringify({ seq, at, osUser, operation, source, conversation, subject, prevHash, hash });
}

// --- one writer at a time -------------------------------------------------------------------------

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** A lock file's owner: its pid, or null when it holds none (its writer died before writing it). */
function lockOwner(text: string): number | null {
  const pid = Number(text.split(' ')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** A lock left by a process that is gone (or unreadable and older than a few seconds): it may be broken. */
function staleLock(path: string): string | null {
  const read = readOwnFile(path, 4096);
  if (read.kind !== 'content') return null;
  const text = read.bytes.toString('utf8');
  const state = ownFileState(path);
  const mtimeMs = state.kind === 'file' ? state.stats.mtimeMs : Date.now();
  const pid = lockOwner(text);
  if (pid === null) return Date.now() - mtimeMs > 5000 ? text : null;
  return ownerMayBeWriting(pid, mtimeMs) ? null : text;
}

/**
 * Breaks a lock judged stale: renamed away (atomic, so one breaker wins), then checked to be the one judged;
 * one taken in between by a live writer is put back (a link: never over a newer lock).
 */
function breakLock(path: string, judged: string): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // another process broke it first
  }
  const read = readOwnFile(aside, 4096);
  if (read.kind === 'content' && read.bytes.toString('utf8') !== judged) {
    try {
      linkSync(aside, path);
    } catch {
      // a newer lock is there: the one moved aside was already released
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // gone already
  }
}

function withLock<T>(dir: string, waitMs: number, work: () => T): T {
  const path = join(dir, LOCK_FILE);
  const token = `${process.pid} ${threadId} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + waitMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    try {
      const fd = openSync(path, CREATE_NEW, 0o600);
      try {
        writeSync(fd, token);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw unwritable(dir, `its lock could not be made: ${errno(error)}`);
    }
    const stale = staleLock(path);
    if (stale !== null) {
      breakLock(path, stale);
      continue;
    }
    if (Date.now() > deadline) {
      const read = readOwnFile(path, 4096);
      const owner = read.kind === 'content' ? lockOwner(read.bytes.toString('utf8')) : null;
      throw unwritable(
        dir,
        `another process${owner ? ` (${owner})` : ''} has held its lock for ${waitMs} ms`,
      );
    }
    sleep(pause + Math.random() * pause);
  }
  try {
    return work();
  } finally {
    const read = readOwnFile(path, 4096);
    try {
      if (read.kind === 'content' && read.bytes.toString('utf8') === token) unlinkSync(path);
    } catch {
      // Already gone (broken as stale by a process that judged this one dead): nothing to release.
    }
  }
}

// --- reading ----------------------------------------------------------------------------------------

/** The last line of the log (null when empty), read from its end; throws when the log ends mid-line. */
function lastLine(dir: string): string | null {
  const path = logPath(dir);
  const state = ownFileState(path);
  if (state.kind === 'absent') return null;
  if (state.kind === 'unusable') throw unwritable(dir, `it ${state.reason}`);
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return null;
    for (let span = 8192; ; span *= 2) {
      const start = Math.max(0, size - span);
      const buffer = Buffer.alloc(size - start);
      readSync(fd, buffer, 0, buffer.length, start);
      const text = buffer.toString('utf8');
      if (!text.endsWith('\n'))
        throw unwritable(dir, 'its last line is cut short; `chat-inspector access-log verify` shows where');
      const from = text.lastIndexOf('\n', text.length - 2);
      if (from !== -1 || start === 0) return text.slice(from + 1, -1);
    }
  } finally {
    closeSync(fd);
  }
}

interface Head {
  count: number;
  hash: string;
}

function readHead(dir: string): Head | null | 'damaged' {
  const read = readOwnFile(join(dir, ACCESS_LOG_HEAD), 4096);
  if (read.kind === 'absent') return null;
  if (read.kind === 'unusable') return 'damaged';
  try {
    const head = JSON.parse(read.bytes.toString('utf8')) as Head;
    return Number.isInteger(head.count) && typeof head.hash === 'string' ? head : 'damaged';
  } catch {
    return 'damaged';
  }
}

// --- writing ----------------------------------------------------------------------------------------

/**
 * Appends one view to the log in `dir` (Chat Inspector's own folder) and returns the entry written. Throws
 * `access_log_unwritable` when it cannot be written: the caller must then not show the data.
 */
export function appendAccess(dir: string, view: AccessView, options: AccessLogOptions = {}): AccessEntry {
  if (!ACCESS_OPERATIONS.includes(view.operation))
    throw new AppError('invalid_input', `unknown access-log operation: ${String(view.operation)}`);
  try {
    ensureOwnDir(dir);
  } catch (error) {
    throw unwritable(dir, errorMessage(error));
  }
  return withLock(dir, options.lockWaitMs ?? 10_000, () => {
    const last = lastLine(dir);
    let prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH };
    if (last !== null) {
      try {
        const parsed = JSON.parse(last) as AccessEntry;
        prev = { seq: parsed.seq, hash: parsed.hash };
      } catch {
        throw unwritable(dir, 'its last line is damaged; `chat-inspector access-log verify` shows where');
      }
    }
    const unhashed: Omit<AccessEntry, 'hash'> = {
      seq: prev.seq + 1,
      at: (options.now?.() ?? new Date()).toISOString(),
      osUser: clip(options.osUser ?? currentOsUser()),
      operation: view.operation,
      source: view.source
        ? {
            id: view.source.id === null ? null : clip(view.source.id),
            kind: clip(view.source.kind),
            locator: clip(redactSecrets(view.source.locator)),
          }
        : null,
      conversation: view.conversation == null ? null : clip(view.conversation),
      subject: view.subject ? canonicalSubject(view.subject) : null,
      prevHash: prev.hash,
    };
    const entry: AccessEntry = { ...unhashed, hash: sha256(body(unhashed)) };
    const line = Buffer.from(`${serialise(entry)}\n`, 'utf8');
    let fd: number;
    try {
      const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);
      fd = openSync(logPath(dir), flags, 0o600);
    } catch (error) {
      throw unwritable(dir, errno(error));
    }
    try {
      if (!fstatSync(fd).isFile()) throw unwritable(dir, 'it is not a regular file');
      // One write() of the whole line: with O_APPEND it lands whole at the end, never interleaved.
      const written = writeSync(fd, line);
      if (written !== line.length)
        throw unwritable(dir, `only ${written} of ${line.length} bytes were written`);
      fsyncSync(fd);
    } catch (error) {
      throw error instanceof AppError ? error : unwritable(dir, errno(error));
    } finally {
      closeSync(fd);
    }
    try {
      writeOwnFile(join(dir, ACCESS_LOG_HEAD), `${JSON.stringify({ count: entry.seq, hash: entry.hash })}\n`);
    } catch (error) {
      throw unwritable(dir, `its head: ${errno(error)}`);
    }
    return entry;
  });
}

/** Records that access logging was turned off or on (always written, whatever the setting). */
export function recordLoggingSetting(
  dir: string,
  enabled: boolean,
  options: AccessLogOptions = {},
): AccessEntry {
  return appendAccess(dir, { operation: enabled ? 'logging.on' : 'logging.off', source: null }, options);
}

// --- verifying --------------------------------------------------------------------------------------

export type AccessLogProblem = 'edited' | 'deleted' | 'reordered' | 'truncated' | 'head_missing';

export type AccessLogVerification =
  | { ok: true; entries: number; headHash: string }
  | { ok: false; entries: number; problem: AccessLogProblem; line: number | null; message: string };

/** The log's lines; a last one without its newline is kept apart (a torn or cut write). */
function readLines(dir: string): { lines: string[]; torn: string | null } {
  const read = readOwnFile(logPath(dir), Number.MAX_SAFE_INTEGER);
  if (read.kind === 'absent') return { lines: [], torn: null };
  if (read.kind === 'unusable') throw new AppError('forbidden_path', `${logPath(dir)} ${read.reason}`);
  const text = read.bytes.toString('utf8');
  const lines = text.split('\n');
  const torn = lines.pop() ?? '';
  return { lines, torn: torn === '' ? null : torn };
}

function parseEntry(line: string): AccessEntry | null {
  try {
    const entry = JSON.parse(line) as AccessEntry;
    // Canonical form only: any byte changed (spaces too) is an edit.
    return serialise(entry) === line ? entry : null;
  } catch {
    return null;
  }
}

/**
 * Checks the whole chain and reports the first broken line (1-based): `edited` (a line whose content or
 * hash was changed, or that does not follow the one before), `deleted` (entries missing before it),
 * `reordered` (an entry out of its place), `truncated` (a last line cut short, or fewer lines than the head
 * says were written), `head_missing` (entries, but no head to check the tail against).
 */
export function verifyAccessLog(dir: string): AccessLogVerification {
  // Under the writers' lock, so a line being appended is not taken for a cut one; without it where the
  // lock cannot be made (a read-only folder, an auditor's copy): nothing writes there then.
  try {
    return withLock(dir, 2000, () => verifyChain(dir));
  } catch (error) {
    if (error instanceof AppError && error.code === 'access_log_unwritable') return verifyChain(dir);
    throw error;
  }
}

function verifyChain(dir: string): AccessLogVerification {
  const { lines, torn } = readLines(dir);
  const entries: (AccessEntry | null)[] = lines.map(parseEntry);
  const fail = (problem: AccessLogProblem, line: number | null, message: string): AccessLogVerification => ({
    ok: false,
    entries: lines.length,
    problem,
    line,
    message,
  });
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const number = i + 1;
    const entry = entries[i];
    if (!entry) return fail('edited', number, `line ${number} is not an entry as written (edited)`);
    if (entry.seq !== number) {
      const elsewhere = entries.findIndex((e) => e?.seq === number);
      return entry.seq > number && elsewhere === -1
        ? fail(
            'deleted',
            number,
            `line ${number} holds entry ${entry.seq}: entries ${number}–${entry.seq - 1} were deleted`,
          )
        : fail(
            'reordered',
            number,
            `line ${number} holds entry ${entry.seq}: entries were moved or duplicated`,
          );
    }
    if (sha256(body(entry)) !== entry.hash)
      return fail('edited', number, `line ${number} does not match its hash (edited)`);
    if (entry.prevHash !== prevHash)
      return fail(
        'edited',
        number,
        `line ${number} does not follow line ${number - 1} (one of them was replaced)`,
      );
    prevHash = entry.hash;
  }
  if (torn !== null)
    return fail('truncated', lines.length + 1, `line ${lines.length + 1} is cut short (truncated)`);
  const head = readHead(dir);
  if (head === 'damaged') return fail('edited', null, `${ACCESS_LOG_HEAD} was changed or damaged`);
  if (head === null)
    return lines.length === 0
      ? { ok: true, entries: 0, headHash: GENESIS_HASH }
      : fail('head_missing', null, `${ACCESS_LOG_HEAD} is missing: the end of the log cannot be checked`);
  if (head.count > lines.length)
    return fail(
      'truncated',
      lines.length + 1,
      `the log ends after line ${lines.length} but ${head.count} entries were written (truncated)`,
    );
  // A head behind the log by its last lines: a writer stopped between the line and the head (not an edit).
  const atHead = head.count === 0 ? GENESIS_HASH : entries[head.count - 1]!.hash;
  if (atHead !== head.hash)
    return fail('edited', head.count, `line ${head.count} is not the entry the head recorded (edited)`);
  return { ok: true, entries: lines.length, headHash: prevHash };
}

// --- for an auditor ---------------------------------------------------------------------------------

export interface AccessLogFilter {
  /** A person: entries whose subject is this identifier as people write it (phone, CPF, name, …). */
  subject?: AccessSubject;
  conversation?: string;
  from?: Date;
  to?: Date;
}

function subjectIdentifier(subject: AccessSubject): Identifier | { kind: 'chat'; value: string } | null {
  if (subject.kind === 'chat') return { kind: 'chat', value: subject.value.trim() };
  return parseIdentifier(subject.kind, subject.value);
}

function sameSubject(query: AccessSubject, stored: AccessSubject | null): boolean {
  if (!stored) return false;
  const a = subjectIdentifier(query);
  const b = subjectIdentifier(stored);
  if (!a || !b) return false;
  if (a.kind === 'chat' || b.kind === 'chat')
    return a.kind === b.kind && 'value' in a && 'value' in b && a.value === b.value;
  return identifierMatches(a, b);
}

/**
 * The entries an auditor asked for (a person, a conversation, a date range: all optional, all must hold),
 * with the chain's verification so the auditor knows whether the log can be trusted.
 */
export function exportAccessLog(
  dir: string,
  filter: AccessLogFilter = {},
): { verification: AccessLogVerification; entries: AccessEntry[] } {
  const verification = verifyAccessLog(dir);
  const entries = readLines(dir)
    .lines.map(parseEntry)
    .filter((e): e is AccessEntry => e !== null)
    .filter((e) => {
      const at = Date.parse(e.at);
      if (filter.from && at < filter.from.getTime()) return false;
      if (filter.to && at > filter.to.getTime()) return false;
      if (filter.conversation !== undefined && e.conversation !== filter.conversation) return false;
      return !filter.subject || sameSubject(filter.subject, e.subject);
    });
  return { verification, entries };
}
