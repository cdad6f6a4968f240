// A small, strict tar (ustar) writer and streaming reader for backup archives.
//
// Why not node-tar's extract: restore must see every entry *before* anything touches the disk, refuse links,
// special files and paths outside the per-chat layout, and stop reading the moment an archive expands beyond
// a limit (a gzip bomb must not fill the disk). This reader hands each entry's bytes to the caller as they
// are decompressed, counts every decompressed byte, and knows only the entry types a backup may hold.
// Archives are still standard: `tar -tzf` and node-tar read them (tests check that).

import { createReadStream, createWriteStream, statfsSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { AppError } from '../../shared/errors.ts';

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

// ---------------------------------------------------------------------------------------------------
// Writing

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new Error(`value ${value} does not fit a ${length}-byte tar field`);
  buf.write(`${text}\0`, offset, length, 'ascii');
}

function writeSize(buf: Buffer, value: number): void {
  if (value < 8 ** 11) return writeOctal(buf, 124, 12, value);
  // GNU base-256 for sizes of 8 GiB and more: high bit set, big-endian number in the rest.
  buf[124] = 0x80;
  let v = BigInt(value);
  for (let i = 135; i > 124; i--) {
    buf[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

export function encodeHeader(entry: {
  path: string;
  type: 'file' | 'dir';
  size: number;
  mtime: Date;
  mode?: number;
}): Buffer {
  const name = Buffer.from(entry.path, 'utf8');
  if (name.length > 100) throw new Error(`tar path too long for a ustar header: ${entry.path}`);
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0);
  writeOctal(h, 100, 8, entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644));
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeSize(h, entry.type === 'dir' ? 0 : entry.size);
  writeOctal(h, 136, 12, Math.max(0, Math.floor(entry.mtime.getTime() / 1000)));
  h.fill(0x20, 148, 156);
  h[156] = entry.type === 'dir' ? 0x35 : 0x30;
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/**
 * Writes a .tar.gz one entry at a time, waiting for the gzip stream to drain (memory does not grow with
 * the archive). `finish()` writes the end-of-archive blocks, flushes and fsyncs the file.
 */
export class TarGzWriter {
  private readonly gzip: Gzip;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;
  private failure: Error | null = null;
  bytesIn = 0;

  constructor(path: string, level: number) {
    this.out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.gzip = createGzip({ level, chunkSize: 256 * 1024 });
    this.gzip.pipe(this.out);
    const onError = (error: Error): void => {
      this.failure ??= error;
    };
    this.gzip.on('error', onError);
    this.out.on('error', onError);
    this.done = new Promise((resolve, reject) => {
      this.out.on('close', () => (this.failure ? reject(this.failure) : resolve()));
      this.out.on('error', reject);
    });
    this.done.catch(() => {});
  }

  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /**
   * Small pieces (headers, padding, small files) are gathered and handed to gzip in 256 KB writes: every
   * write to a zlib stream is one job for the thread pool, and thousands of tiny jobs cost more than the
   * compression itself.
   */
  private async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.bytesIn += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= 256 * 1024) await this.flushPending();
  }

  private async flushPending(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const data =
      this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.gzip.write(data)) await once(this.gzip, 'drain');
    if (this.failure) throw this.failure;
  }

  async addDir(path: string, mtime: Date): Promise<void> {
    await this.write(
      encodeHeader({ path: path.endsWith('/') ? path : `${path}/`, type: 'dir', size: 0, mtime }),
    );
  }

  async addBuffer(path: string, data: Buffer, mtime: Date): Promise<void> {
    await this.write(encodeHeader({ path, type: 'file', size: data.length, mtime }));
    if (data.length > 0) await this.write(data);
    await this.pad(data.length);
  }

  /** Streams a file into the archive; it must not change while it is read (callers pass private copies). */
  async addFile(path: string, source: string, size: number, mtime: Date): Promise<void> {
    await this.addStream(path, createReadStream(source, { highWaterMark: 256 * 1024 }), size, mtime, source);
  }

  /** Streams `size` bytes into one entry (another archive's entry, a file): exactly `size` must come. */
  async addStream(
    path: string,
    chunks: AsyncIterable<Buffer | Uint8Array | string>,
    size: number,
    mtime: Date,
    source: string = path,
  ): Promise<void> {
    await this.write(encodeHeader({ path, type: 'file', size, mtime }));
    let written = 0;
    for await (const chunk of chunks) {
      const buf = chunk as Buffer;
      written += buf.length;
      if (written > size) throw new AppError('internal', `${source} grew while it was archived`);
      await this.write(buf);
    }
    if (written !== size) throw new AppError('internal', `${source} changed size while it was archived`);
    await this.pad(size);
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest !== 0) await this.write(ZERO_BLOCK.subarray(0, BLOCK - rest));
  }

  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
    await this.flushPending();
    this.gzip.end();
    await this.done;
  }

  /** Stops writing (cancel or error); the caller removes the partial file. */
  async abort(): Promise<void> {
    this.gzip.destroy();
    this.out.destroy();
    await this.done.catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading

export interface TarLimits {
  /** Largest total of expanded bytes the archive may hold. */
  maxTotalBytes: number;
  /** Largest single entry. */
  maxFileBytes: number;
  /** Most entries (files and folders). */
  maxEntries: number;
  /**
   * Largest expansion ratio (bytes out of gzip per byte in), checked once RATIO_GRACE_BYTES came out. A
   * backup of SQLite pages expands 2-20:1; a gzip bomb ~1000:1: it is stopped within its first megabytes.
   */
  maxRatio: number;
  /** Why maxTotalBytes / maxFileBytes are what they are, when it is not the fixed default (for messages). */
  totalReason?: string;
  fileReason?: string;
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
export const DEFAULT_LIMITS: TarLimits = {
  maxTotalBytes: 20 * GiB,
  maxFileBytes: 2 * GiB,
  maxEntries: 3_000_000,
  maxRatio: 200,
};
/** The ratio is judged only after this much came out (headers and small files alone can exceed it). */
export const RATIO_GRACE_BYTES = 32 * MiB;

/** Bytes that may still be written on the file system of `dir` (null when it cannot be known). */
export function freeBytes(dir: string): number | null {
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return null;
  }
}

/**
 * The limits, lowered to what the disks can take: what is written to the temp folder (one entry at a time)
 * must fit its free space, and with `targetDir` (restore) so must the whole archive's content.
 */
export function limitsForDisk(limits: TarLimits, tempDir: string, targetDir?: string): TarLimits {
  const out = { ...limits };
  const tempFree = freeBytes(tempDir);
  if (tempFree !== null && tempFree < out.maxFileBytes) {
    out.maxFileBytes = tempFree;
    out.fileReason = `the free space in ${tempDir}`;
  }
  if (targetDir !== undefined) {
    const targetFree = freeBytes(targetDir);
    if (targetFree !== null && targetFree < out.maxTotalBytes) {
      out.maxTotalBytes = targetFree;
      out.totalReason = `the free space in ${targetDir}`;
    }
  }
  return out;
}

function limitText(bytes: number, reason: string | undefined): string {
  return reason ? `${formatLimit(bytes)} (${reason})` : formatLimit(bytes);
}

export interface TarEntry {
  path: string;
  type: 'file' | 'dir';
  size: number;
  mtime: Date;
}

const TYPE_NAMES: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  '7': 'a contiguous file',
  L: 'a GNU long name',
  K: 'a GNU long link name',
  S: 'a GNU sparse file',
  V: 'a volume label',
  M: 'a multi-volume continuation',
};

function hostile(message: string): AppError {
  return new AppError('hostile_archive', message);
}

function readString(buf: Buffer, offset: number, length: number): string {
  const end = buf.indexOf(0, offset);
  return buf.toString('utf8', offset, end === -1 || end > offset + length ? offset + length : end);
}

function readNumber(buf: Buffer, offset: number, length: number, field: string): number {
  if ((buf[offset]! & 0x80) !== 0) {
    // base-256
    if (buf[offset] === 0xff) throw hostile(`a tar header has a negative ${field}`);
    let v = BigInt(buf[offset]! & 0x7f);
    for (let i = offset + 1; i < offset + length; i++) v = (v << 8n) | BigInt(buf[i]!);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw hostile(`a tar header has an impossible ${field}`);
    return Number(v);
  }
  const text = readString(buf, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw hostile(`a tar header has an unreadable ${field} (${JSON.stringify(text.slice(0, 20))})`);
  return parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = readNumber(h, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Pulls exact byte counts out of a stream of chunks. */
class ByteSource {
  private readonly iterator: AsyncIterator<Buffer>;
  private pending: Buffer | null = null;
  constructor(iterable: AsyncIterable<Buffer>) {
    this.iterator = iterable[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes (at least 1), or null at the end of the stream. */
  async chunk(max: number): Promise<Buffer | null> {
    if (!this.pending || this.pending.length === 0) {
      const next = await this.iterator.next();
      if (next.done) return null;
      this.pending = next.value;
    }
    const buf = this.pending;
    if (buf.length <= max) {
      this.pending = null;
      return buf;
    }
    this.pending = buf.subarray(max);
    return buf.subarray(0, max);
  }

  async exact(n: number): Promise<Buffer | null> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const c = await this.chunk(n - have);
      if (!c) {
        if (have === 0) return null;
        throw hostile('the archive ends in the middle of an entry (it is cut short)');
      }
      parts.push(c);
      have += c.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const c = await this.chunk(left);
      if (!c) throw hostile('the archive ends in the middle of an entry (it is cut short)');
      left -= c.length;
    }
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

/**
 * Reads a .tar.gz entry by entry. For each entry `onEntry` gets its header and a `read` function that
 * yields its bytes chunk by chunk; whatever is not read is skipped. Refuses (AppError 'hostile_archive')
 * links, devices and any entry type a backup never holds, sizes beyond the limits (declared or actual),
 * and archives that do not end properly. Stops reading at the end-of-archive marker.
 */
export async function readTarGz(
  archivePath: string,
  limits: TarLimits,
  onEntry: (entry: TarEntry, read: () => AsyncIterable<Buffer>) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const input = createReadStream(archivePath, { highWaterMark: 256 * 1024 });
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  // Everything that comes out of gunzip is counted: a stream that expands beyond the total limit (plus the
  // headers' share) is stopped there, whatever the entries claim.
  const rawLimit = limits.maxTotalBytes + Math.min(limits.maxEntries, 1_000_000) * 1024 + 64 * 1024 * 1024;
  let expanded = 0;
  let compressed = 0;
  input.on('data', (chunk) => {
    compressed += chunk.length;
  });
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  async function* counted(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of gunzip) {
        const buf = chunk as Buffer;
        expanded += buf.length;
        if (expanded > rawLimit) {
          throw hostile(
            `the archive expands beyond the limit of ${limitText(limits.maxTotalBytes, limits.totalReason)}: refused`,
          );
        }
        if (expanded > RATIO_GRACE_BYTES && expanded > compressed * limits.maxRatio) {
          throw hostile(
            `the archive expands more than ${limits.maxRatio}:1 (${formatLimit(expanded)} out of the first ${formatLimit(compressed)}): a gzip bomb, refused`,
          );
        }
        yield buf;
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'ENOENT') throw new AppError('not_found', `${archivePath}: no such file`);
      if (code.startsWith('Z_'))
        throw new AppError(
          'invalid_input',
          `${archivePath} is not a readable .tar.gz (${(error as Error).message})`,
        );
      throw error;
    }
  }
  const src = new ByteSource(counted());
  let declaredTotal = 0;
  let entries = 0;
  let pax: Record<string, string> = {};
  try {
    for (;;) {
      if (signal?.aborted) throw new AppError('cancelled', 'the operation was cancelled');
      const header = await src.exact(BLOCK);
      if (!header) throw hostile('the archive ends without its end-of-archive marker (it is cut short)');
      if (header.equals(ZERO_BLOCK)) return;
      if (!checksumOk(header))
        throw hostile('a tar header is damaged (bad checksum): the archive is not a backup or is corrupt');
      const flag = String.fromCharCode(header[156]!);
      const size = readNumber(header, 124, 12, 'size');
      if (++entries > limits.maxEntries)
        throw hostile(`the archive has more than ${limits.maxEntries} entries: refused`);
      const magic = header.toString('ascii', 257, 262);
      let path = readString(header, 0, 100);
      const prefix = magic === 'ustar' ? readString(header, 345, 155) : '';
      if (prefix) path = `${prefix}/${path}`;
      const padded = Math.ceil(size / BLOCK) * BLOCK;

      if (flag === 'x' || flag === 'g') {
        // pax extended header: only `path` and `size` matter here; the rest (mtime, uid...) is ignored.
        if (size > 1024 * 1024) throw hostile('a pax header is larger than 1 MB: refused');
        const data = (await src.exact(padded)) ?? Buffer.alloc(0);
        if (flag === 'x') pax = parsePax(data.subarray(0, size));
        continue;
      }
      if (pax.path !== undefined) path = pax.path;
      const realSize = pax.size !== undefined ? Number(pax.size) : size;
      const paxSize = pax.size !== undefined;
      pax = {};
      if (flag !== '0' && flag !== '\0' && flag !== '5') {
        throw hostile(
          `entry ${JSON.stringify(path)} is ${TYPE_NAMES[flag] ?? `an unknown kind of entry (type ${JSON.stringify(flag)})`}: backups hold only files and folders`,
        );
      }
      if (!Number.isSafeInteger(realSize) || realSize < 0)
        throw hostile(`entry ${JSON.stringify(path)} has an impossible size`);
      if (paxSize && realSize !== size && size !== 0)
        throw hostile(`entry ${JSON.stringify(path)} declares two different sizes`);
      const type = flag === '5' ? 'dir' : 'file';
      if (type === 'file' && realSize > limits.maxFileBytes) {
        throw hostile(
          `entry ${JSON.stringify(path)} would expand to ${formatLimit(realSize)}, beyond the ${limitText(limits.maxFileBytes, limits.fileReason)} per-file limit: refused`,
        );
      }
      declaredTotal += type === 'file' ? realSize : 0;
      if (declaredTotal > limits.maxTotalBytes) {
        throw hostile(
          `the archive would expand beyond the limit of ${limitText(limits.maxTotalBytes, limits.totalReason)}: refused`,
        );
      }
      const dataSize = type === 'dir' ? 0 : realSize;
      let left = dataSize;
      const read = async function* (): AsyncGenerator<Buffer> {
        while (left > 0) {
          const c = await src.chunk(Math.min(left, 1024 * 1024));
          if (!c) throw hostile('the archive ends in the middle of an entry (it is cut short)');
          left -= c.length;
          yield c;
        }
      };
      const mtime = new Date(readNumber(header, 136, 12, 'mtime') * 1000);
      await onEntry({ path, type, size: dataSize, mtime }, read);
      if (left > 0) await src.skip(left);
      const pad = (BLOCK - (dataSize % BLOCK)) % BLOCK;
      if (pad > 0) await src.skip(pad);
    }
  } finally {
    await src.close().catch(() => {});
    input.destroy();
    gunzip.destroy();
  }
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space === -1) break;
    const len = Number(data.toString('ascii', i, space));
    if (!Number.isSafeInteger(len) || len <= 0 || i + len > data.length)
      throw hostile('a pax header is malformed');
    const record = data.toString('utf8', space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

export function formatLimit(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(bytes % GiB === 0 ? 0 : 1)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1048576).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
