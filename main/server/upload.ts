import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, realpathSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { AppError, type ErrorCode } from '../../shared/errors.ts';
import type { Reply } from '../../shared/transport.ts';
import { DEFAULT_MAX_UPLOAD_BYTES, type UploadedArchive } from '../../shared/upload.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { SECURITY_HEADERS, STATUS_OF } from './headers.ts';

/** At most this many uploads are kept at once; a new one beyond it removes the oldest. */
const MAX_KEPT = 4;

/**
 * Archives uploaded in browser mode (the route `UPLOAD_ARCHIVE_PATH`). The server checks Host, Origin and
 * the token before it hands a request here. Each upload is streamed into a tracked temp file in
 * `<userDataDir>/uploads/` (removed on exit and on SIGINT/SIGTERM/SIGHUP), refused past `maxBytes`, and its
 * real path is put in `paths`: the handlers of backup.verify and backup.restore accept it as an archive for
 * this run of the server only. Nothing else reads it, and it is never a place to browse.
 */
export class ArchiveUploads {
  /** Real paths of the uploads kept now (the context's `uploadedArchives`). */
  readonly paths = new Set<string>();
  private readonly untrack = new Map<string, () => void>();

  private readonly userDataDir: () => string;
  private readonly maxBytes: number;

  constructor(userDataDir: () => string, maxBytes: number = DEFAULT_MAX_UPLOAD_BYTES) {
    this.userDataDir = userDataDir;
    this.maxBytes = maxBytes;
  }

  /** POST: receive one archive; DELETE `?path=`: remove one. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'DELETE') {
      req.resume();
      const path = url.searchParams.get('path') ?? '';
      if (!this.paths.has(path))
        return fail(res, new AppError('not_found', 'no such uploaded archive (it may have been removed)'));
      this.remove(path);
      return send(res, 200, { ok: true, value: null });
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'POST, DELETE');
      return fail(res, new AppError('invalid_input', 'upload an archive with POST'), 405);
    }
    // Only raw bytes: a form of another site cannot send this type without a preflight, which is not answered.
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/octet-stream') {
      req.resume();
      return fail(
        res,
        new AppError(
          'invalid_input',
          'send the archive as the body (Content-Type: application/octet-stream)',
        ),
        415,
      );
    }
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > this.maxBytes) return this.tooBig(req, res);
    const name = displayName(url.searchParams.get('name'));
    const dir = join(this.userDataDir(), 'uploads');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(realpathSync(dir), `upload-${randomBytes(9).toString('hex')}.tar.gz`);
    const untrack = trackTemp(path);
    const received = await receive(req, path, this.maxBytes);
    if (received.outcome !== 'done') {
      removeTemp(path);
      if (received.outcome === 'too-big') return this.tooBig(req, res);
      if (received.outcome === 'failed') throw received.error;
      return; // aborted: the person went away, nothing to answer
    }
    const size = received.size;
    if (size === 0) {
      removeTemp(path);
      return fail(res, new AppError('empty_file', `${name}: the uploaded file is empty`));
    }
    this.paths.add(path);
    this.untrack.set(path, untrack);
    while (this.paths.size > MAX_KEPT) this.remove(this.paths.values().next().value as string);
    const value: UploadedArchive = { path, name, size };
    send(res, 200, { ok: true, value });
  }

  /** Removes one upload (after use, or when the person picks another). */
  remove(path: string): void {
    if (!this.paths.delete(path)) return;
    this.untrack.get(path)?.();
    this.untrack.delete(path);
    removeTemp(path);
  }

  /** Removes every upload (the server stops). */
  removeAll(): void {
    for (const path of [...this.paths]) this.remove(path);
  }

  private tooBig(req: IncomingMessage, res: ServerResponse): void {
    // Read and drop the rest, so the browser gets the answer rather than a reset connection.
    req.resume();
    res.setHeader('Connection', 'close');
    fail(
      res,
      new AppError(
        'invalid_input',
        `the file is larger than ${formatLimit(this.maxBytes)}, the largest archive browser mode accepts; verify or restore it with the command line`,
      ),
      413,
    );
  }
}

type Received =
  | { outcome: 'done'; size: number }
  | { outcome: 'too-big' | 'aborted' }
  | { outcome: 'failed'; error: unknown };

/**
 * Streams the body into a new file at `path`, with backpressure. Past `limit` bytes it stops writing (the
 * caller removes the file and answers; the rest of the body is read and dropped, not stored).
 */
function receive(req: IncomingMessage, path: string, limit: number): Promise<Received> {
  return new Promise((resolve) => {
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    let size = 0;
    let settled = false;
    const finish = (result: Received): void => {
      if (settled) return;
      settled = true;
      if (result.outcome === 'done' || out.closed) return resolve(result);
      // Only once the file is closed (its open may still be pending) can the caller remove it for good.
      out.once('close', () => resolve(result));
      out.destroy();
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) return finish({ outcome: 'too-big' });
      if (!out.write(chunk)) {
        req.pause();
        out.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      if (!settled) out.end(() => finish({ outcome: 'done', size }));
    });
    req.on('close', () => {
      if (!req.complete) finish({ outcome: 'aborted' });
    });
    req.on('error', () => finish({ outcome: 'aborted' }));
    out.on('error', (error) => finish({ outcome: 'failed', error }));
  });
}

function formatLimit(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${+(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${+(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/** The file's own name, for display: no path, no control characters, at most 200 characters. */
function displayName(raw: string | null): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200);
  return clean || 'archive.tar.gz';
}

function fail(res: ServerResponse, error: AppError, status?: number): void {
  send(res, status ?? STATUS_OF[error.code as ErrorCode], { ok: false, error: error.toShape() });
}

function send(res: ServerResponse, status: number, reply: Reply): void {
  const body = JSON.stringify(reply);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
