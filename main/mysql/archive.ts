import { closeSync, fstatSync, openSync, readdirSync, createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { AppError } from '../../shared/errors.ts';
import { describeKind, entryAt, guardInsideRoot, NO_FOLLOW_READ_FLAGS } from '../fs/entry.ts';
import { RESPONSE_BUCKETS, responseBucket } from './tiers.ts';

// Seed 003's cold tier: gzipped JSON Lines files, one per company and month, under a folder the person
// points at — ARCHIVE/<companyId>/<YYYY-MM>.jsonl.gz. Reading follows main/fs/entry.ts: no link is followed
// (guardInsideRoot on every path, O_NOFOLLOW on open), only regular files are opened. A request streams the
// one file of the month it needs (gunzip stream, split into lines); a damaged or truncated file is reported
// as a warning with the file and the line, and what could be read before the damage still shows.
// The first read of a file also notes, per conversation, how many messages it holds and their first and last
// keys, and per day the counts and response times: later pages and figures skip files without reading them.

export interface ColdRecord {
  id: string;
  conversationId: string;
  clientId: string | null;
  companyId: string;
  role: string;
  content: string | null;
  responseTimeMs: number | null;
  /** ISO 8601 with milliseconds, UTC. */
  createdAt: string;
  /** The line in its file (1-based). */
  line: number;
}

export interface ArchiveWarning {
  file: string;
  line: number | null;
  message: string;
}

/** A message's place in a thread: time, then id (numeric ids numerically). */
export type Key = readonly [time: string, id: string];

export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareKeys(a: Key, b: Key): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : compareIds(a[1], b[1]);
}

interface ConversationSpan {
  count: number;
  first: Key;
  last: Key;
}

export interface FileIndex {
  conversations: Map<string, ConversationSpan>;
  /** day → messages */
  perDay: Map<string, number>;
  responseSum: number;
  responseCount: number;
  responseBuckets: number[];
  records: number;
  /** Lines in (time, id) order, as the archive job writes them. */
  sorted: boolean;
  warnings: ArchiveWarning[];
}

const MONTH_FILE = /^(\d{4}-(0[1-9]|1[0-2]))\.jsonl\.gz$/;
/** A company id becomes one path component: nothing that could climb or hide. */
const SAFE_COMPONENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function toIso(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const t = typeof value === 'number' ? value : Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export class ColdArchive {
  readonly root: string;
  private readonly indexes = new Map<string, { stamp: string; index: FileIndex }>();

  constructor(root: string) {
    const absolute = resolve(root);
    const entry = entryAt(absolute);
    if (entry.kind === 'missing') throw new AppError('not_found', `${root}: no such archive folder`);
    if (entry.kind !== 'directory')
      throw new AppError(
        'invalid_input',
        `${root}: is ${describeKind(entry.kind)}, not a folder; the cold archive is a folder of <company>/<YYYY-MM>.jsonl.gz files`,
      );
    this.root = absolute;
  }

  /** The file of a company's month, or null when there is none (or it is not a regular file: a warning). */
  private fileOf(companyId: string, month: string, warnings: ArchiveWarning[]): string | null {
    if (!SAFE_COMPONENT.test(companyId) || !/^\d{4}-\d{2}$/.test(month)) return null;
    let path: string;
    try {
      path = guardInsideRoot(this.root, join(companyId, `${month}.jsonl.gz`));
    } catch (error) {
      // A link in the archive (the company folder or the file): reported, never followed.
      warnings.push({
        file: join(this.root, companyId, `${month}.jsonl.gz`),
        line: null,
        message: (error as Error).message,
      });
      return null;
    }
    const entry = entryAt(path);
    if (entry.kind === 'missing') return null;
    if (entry.kind !== 'file') {
      warnings.push({
        file: path,
        line: null,
        message: `${path}: is ${describeKind(entry.kind)}, not a regular file; it was not read`,
      });
      return null;
    }
    return path;
  }

  /** The months a company has files for, oldest first. */
  months(companyId: string): string[] {
    if (!SAFE_COMPONENT.test(companyId)) return [];
    const dir = join(this.root, companyId);
    if (entryAt(dir).kind !== 'directory') return [];
    return readdirSync(dir)
      .map((name) => MONTH_FILE.exec(name)?.[1])
      .filter((m): m is string => m !== undefined)
      .sort();
  }

  private stampOf(path: string): string {
    const stats = entryAt(path).stats;
    return stats ? `${stats.size}:${stats.mtimeMs}` : '';
  }

  /** What a file holds per conversation and per day (read once per change of the file). */
  async index(companyId: string, month: string): Promise<FileIndex | null> {
    const warnings: ArchiveWarning[] = [];
    const path = this.fileOf(companyId, month, warnings);
    if (!path) return warnings.length ? emptyIndex(warnings) : null;
    const cached = this.indexes.get(path);
    if (cached && cached.stamp === this.stampOf(path)) return cached.index;
    await this.scan(companyId, month, () => {});
    return this.indexes.get(path)?.index ?? null;
  }

  /**
   * Streams one file, calling `visit` for each message line in file order; builds the file's index on the
   * way. Damage ends nothing but that file: it becomes a warning (file and line).
   */
  async scan(
    companyId: string,
    month: string,
    visit: (record: ColdRecord) => void | 'stop',
    options: { mustContain?: string } = {},
  ): Promise<ArchiveWarning[]> {
    const warnings: ArchiveWarning[] = [];
    outer: for await (const batch of this.records(companyId, month, warnings, options)) {
      for (const record of batch) if (visit(record) === 'stop') break outer;
    }
    return warnings;
  }

  /**
   * One file's message lines in file order, a chunk's worth at a time (the caller may stop early: the file is
   * closed). Problems are pushed to `warnings`. The first full read of a file records its index.
   */
  async *records(
    companyId: string,
    month: string,
    warnings: ArchiveWarning[],
    options: { mustContain?: string } = {},
  ): AsyncGenerator<ColdRecord[]> {
    const path = this.fileOf(companyId, month, warnings);
    if (!path) return;
    const stamp = this.stampOf(path);
    const building = this.indexes.get(path)?.stamp === stamp ? null : emptyIndex([]);
    const fileWarnings: ArchiveWarning[] = [];
    let fd: number;
    try {
      fd = openSync(path, NO_FOLLOW_READ_FLAGS);
    } catch (error) {
      warnings.push({
        file: path,
        line: null,
        message: `${path}: cannot be opened (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      });
      return;
    }
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      warnings.push({ file: path, line: null, message: `${path}: is not a regular file; it was not read` });
      return;
    }
    const lines = pipeline(createReadStream('', { fd, autoClose: true }), createGunzip(), () => {});
    const decoder = new StringDecoder('utf8');
    // Once the file's index is built, lines that cannot be the conversation asked for are not parsed.
    const needle = building ? undefined : options.mustContain;
    let pending = '';
    let lineNo = 0;
    let previous: Key | null = null;
    let batch: ColdRecord[] = [];
    const handle = (text: string): void => {
      lineNo++;
      if (text.trim() === '') return;
      if (needle !== undefined && !text.includes(needle)) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        fileWarnings.push({
          file: path,
          line: lineNo,
          message: `${path} line ${lineNo}: not valid JSON; that line is skipped`,
        });
        return;
      }
      const record = asRecord(parsed, companyId, lineNo);
      if (!record) {
        fileWarnings.push({
          file: path,
          line: lineNo,
          message: `${path} line ${lineNo}: not a message (needs id, conversationId and createdAt); that line is skipped`,
        });
        return;
      }
      if (building) {
        note(building, record);
        const key: Key = [record.createdAt, record.id];
        if (previous && compareKeys(key, previous) < 0) building.sorted = false;
        previous = key;
      }
      batch.push(record);
    };
    let complete = false;
    try {
      try {
        for await (const chunk of lines) {
          pending += decoder.write(chunk as Buffer);
          let at: number;
          while ((at = pending.indexOf('\n')) !== -1) {
            handle(pending.slice(0, at));
            pending = pending.slice(at + 1);
          }
          if (batch.length > 0) {
            const out = batch;
            batch = [];
            yield out;
          }
        }
        pending += decoder.end();
        if (pending !== '') handle(pending);
      } catch (error) {
        const reason = (error as Error).message || String(error);
        fileWarnings.push({
          file: path,
          line: lineNo + 1,
          message: `${path}: damaged or truncated gzip at line ${lineNo + 1} (${reason}); the ${lineNo} line(s) before it are shown, the rest of the file is not`,
        });
      }
      if (batch.length > 0) yield batch;
      complete = true;
    } finally {
      lines.destroy();
      warnings.push(...fileWarnings);
      if (building && complete) {
        building.warnings = fileWarnings.slice();
        this.indexes.set(path, { stamp, index: building });
      }
    }
  }
}

function emptyIndex(warnings: ArchiveWarning[]): FileIndex {
  return {
    conversations: new Map(),
    perDay: new Map(),
    responseSum: 0,
    responseCount: 0,
    responseBuckets: RESPONSE_BUCKETS.map(() => 0).concat(0),
    records: 0,
    sorted: true,
    warnings,
  };
}

function note(index: FileIndex, r: ColdRecord): void {
  const key: Key = [r.createdAt, r.id];
  const span = index.conversations.get(r.conversationId);
  if (!span) index.conversations.set(r.conversationId, { count: 1, first: key, last: key });
  else {
    span.count++;
    if (compareKeys(key, span.first) < 0) span.first = key;
    if (compareKeys(key, span.last) > 0) span.last = key;
  }
  const day = r.createdAt.slice(0, 10);
  index.perDay.set(day, (index.perDay.get(day) ?? 0) + 1);
  if (r.responseTimeMs !== null) {
    index.responseSum += r.responseTimeMs;
    index.responseCount++;
    index.responseBuckets[responseBucket(r.responseTimeMs)]!++;
  }
  index.records++;
}

function asRecord(value: unknown, companyId: string, line: number): ColdRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const id = typeof v.id === 'string' || typeof v.id === 'number' ? String(v.id) : null;
  const conversationId = typeof v.conversationId === 'string' ? v.conversationId : null;
  const createdAt = toIso(v.createdAt);
  if (!id || !conversationId || !createdAt) return null;
  return {
    id,
    conversationId,
    clientId: typeof v.clientId === 'string' ? v.clientId : null,
    companyId: typeof v.companyId === 'string' ? v.companyId : companyId,
    role: typeof v.role === 'string' ? v.role : 'user',
    content: typeof v.content === 'string' ? v.content : null,
    responseTimeMs: typeof v.responseTimeMs === 'number' ? v.responseTimeMs : null,
    createdAt,
    line,
  };
}
