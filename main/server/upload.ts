import { randomBytes } from 'node:crypto';
import { createWriteStream, realpathSync, unlinkSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { AppError, type ErrorCode } from '../../shared/errors.ts';
import type { Reply } from '../../shared/transport.ts';
import { DEFAULT_MAX_UPLOAD_BYTES, type UploadedArchive } from '../../shared/upload.ts';
import { leftoversIn } from '../fs/files.ts';
import { ensureOwnDir, formatBytes, isOwnDir } from '../fs/own-file.ts';
import { removeTemp, trackTemp } from '../fs/temp.ts';
import { SECURITY_HEADERS, STATUS_OF } from './headers.ts';

/** At most this many uploads are kept at once; a new one beyond it removes the oldest. */
const MAX_KEPT = 4;
/** At most this many uploads are received at once; one more is refused at once (503), writing nothing. */
export const MAX_UPLOADS_IN_FLIGHT = 4;
/** `upload-<pid>-<random>.tar.gz`: the pid tells a dead server's leftover from a live one's upload. */
const UPLOAD_NAME = /^upload-(\d+)-[0-9a-f]{18}\.tar\.gz$/;

/**
 * Archives uploaded in browser mode (the route `UPLOAD_ARCHIVE_PATH`). The server checks Host, Origin and
 * the token before it hands a request here. Each upload is streamed into a tracked temp file in
 * `<userDataDir>/uploads/` (removed on exit and on SIGINT/SIGTERM/SIGHUP), refused past `maxBytes`, and its
 * real path is put in `paths`: the handlers of backup.verify and backup.restore accept it as an archive for
 * this run of the server only. Nothing else reads it, and it is never a place to browse. `uploads/` must be
 * a real folder of ours (a link there is set aside, never followed); at most `MAX_UPLOADS_IN_FLIGHT` are
 * received at once; a killed server's leftovers are removed when the next one starts.
 */
export class ArchiveUploads {
  /** Real paths of the uploads kept now (the context's `uploadedArchives`). */
  readonly paths = new Set<string>();
  private readonly untrack = new Map<string, () => void>();
  /** Temp files of the uploads being received now. */
  private readonly receiving = new Set<string>();
  private stopped = false;

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
    if (this.stopped || this.receiving.size >= MAX_UPLOADS_IN_FLIGHT) {
      req.resume();
      res.setHeader('Connection', 'close');
      res.setHeader('Retry-After', '5');
      return fail(
        res,
        new AppError(
          'conflict',
          `${MAX_UPLOADS_IN_FLIGHT} archives are being uploaded already, the most browser mode receives at once; upload this one when one of them has finished`,
        ),
        503,
      );
    }
    const name = displayName(url.searchParams.get('name'));
    const dir = join(this.userDataDir(), 'uploads');
    try {
      ensureOwnDir(dir);
    } catch (error) {
      req.resume();
      return fail(res, error as AppError);
    }
    const path = join(realpathSync(dir), `upload-${process.pid}-${randomBytes(9).toString('hex')}.tar.gz`);
    const untrack = trackTemp(path);
    this.receiving.add(path);
    let received: Received;
    try {
      received = await receive(req, path, this.maxBytes);
    } finally {
      this.receiving.delete(path);
    }
    if (this.stopped && received.outcome === 'done') {
      // The server stopped while this one was arriving: nothing is kept.
      removeTemp(path);
      return fail(res, new AppError('cancelled', 'the server is stopping; nothing was kept'), 503);
    }
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

  /** Removes every upload, those still arriving too, and refuses new ones (the server stops). */
  removeAll(): void {
    this.stopped = true;
    for (const path of [...this.paths]) this.remove(path);
    for (const path of this.receiving) removeTemp(path);
  }

  /**
   * Removes the uploads a server that is gone left behind (killed with SIGKILL: nothing of it could clean
   * up): only regular files named by a process no longer running; a live server's uploads stay.
   */
  removeLeftovers(): number {
    const dir = join(this.userDataDir(), 'uploads');
    // Not a folder of ours (a link): never listed; the first upload sets it aside.
    if (!isOwnDir(dir)) return 0;
    const pidOf = (name: string): number | null => {
      const m = UPLOAD_NAME.exec(name);
      return m ? Number(m[1]) : null;
    };
    let removed = 0;
    // A live server's upload stays; so does anything not a plain file. A later server that got the dead
    // one's pid (every run may get the same pid in a container) did not write a file older than itself.
    for (const { path, stat } of leftoversIn(dir, pidOf)) {
      if (!stat.isFile()) continue;
      try {
        unlinkSync(path);
        removed++;
      } catch {
        // best effort: the next start tries again
      }
    }
    return removed;
  }

  private tooBig(req: IncomingMessage, res: ServerResponse): void {
    // Read and drop the rest, so the browser gets the answer rather than a reset connection.
    req.resume();
    res.setHeader('Connection', 'close');
    fail(
      res,
      new AppError(
        'invalid_input',
        `the file is larger than ${formatBytes(this.maxBytes)}, the largest archive browser mode accepts; verify or restore it with the command line`,
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
