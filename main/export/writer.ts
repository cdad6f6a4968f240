import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/**
 * A text file written through one reusable 1 MB buffer: pieces are encoded into it and it is written out
 * whenever it fills, so an export of any size holds one page of rows plus this buffer in memory, and the
 * disk sets the pace (each write returns only when the kernel has the bytes: natural backpressure).
 */
export class TextOutput {
  private fd: number | null;
  private readonly buffer = Buffer.allocUnsafe(1024 * 1024);
  private used = 0;
  bytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w', 0o644);
  }

  /** Appends text; yields to the event loop after each full buffer so a cancel request is seen. */
  async write(text: string): Promise<void> {
    if (this.fd === null) throw new Error('the export file is closed');
    const length = Buffer.byteLength(text);
    if (length > this.buffer.length - this.used) {
      this.flushSync();
      if (length > this.buffer.length) {
        this.writeAll(Buffer.from(text, 'utf8'));
        await new Promise((r) => setImmediate(r));
        return;
      }
      await new Promise((r) => setImmediate(r));
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  private writeAll(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) offset += writeSync(this.fd!, data, offset, data.length - offset);
    this.bytes += data.length;
  }

  private flushSync(): void {
    if (this.used === 0) return;
    this.writeAll(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  async flush(): Promise<void> {
    this.flushSync();
  }

  /** Writes what is left, fsyncs and closes. */
  async close(): Promise<void> {
    if (this.fd === null) return;
    this.flushSync();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }

  destroy(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = null;
  }
}
