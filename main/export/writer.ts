import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * A text file written with backpressure: `write` waits when the stream's buffer is full, so an export of
 * any size holds at most one page of rows plus the stream's buffer in memory.
 */
export class TextOutput {
  private readonly stream: WriteStream;
  private failure: Error | null = null;
  private pending: string[] = [];
  private pendingLength = 0;
  bytes = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path, { flags: 'w', mode: 0o644, highWaterMark: 1024 * 1024 });
    this.stream.on('error', (error) => {
      this.failure ??= error;
    });
  }

  /** Buffers small pieces; flushes in ~256 KB writes. */
  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= 256 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) {
      await Promise.race([once(this.stream, 'drain'), once(this.stream, 'error')]);
      if (this.failure) throw this.failure;
    }
  }

  /** Flushes, ends and fsyncs (the stream's fd) before it closes. */
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    await new Promise<void>((resolve) => this.stream.once('close', () => resolve()).destroyed && resolve());
  }

  destroy(): void {
    this.stream.destroy();
  }
}
