import { redactError } from '../../shared/secrets.ts';
import { chatTrees } from '../api/host.ts';

/**
 * Writes to stdout, and when the reader is behind (a pipe to a slower program), resolves only once it
 * has caught up: a long output written in pieces then waits in the pipe, not in this process's memory.
 */
export function writeStdout(text: string): void | Promise<void> {
  if (process.stdout.write(text)) return;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Errors reach the person as one line on stderr; the stack only with --debug. */
export class CliExit extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.exitCode = exitCode;
  }
}

export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CliExit) return error.exitCode;
  // Every URL of the message (and of the stack) with its password masked.
  process.stderr.write(`chat-inspector: ${redactError(error).message}\n`);
  if (debug && error instanceof Error && error.stack)
    process.stderr.write(`${redactError(new Error(error.stack)).message}\n`);
  return 2;
}

/**
 * The progress line of a long command: a bar on stderr when it is a terminal, silence otherwise (scripts
 * and cron read stdout). `clear` removes it once the command is done.
 */
export function progressLine(label: string): {
  draw(done: number, total: number | null, current?: string | null): void;
  clear(): void;
} {
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  let drawn = false;
  return {
    draw(done, total, current) {
      if (!tty) return;
      const now = Date.now();
      if (now - lastDraw < 80 && done !== total) return;
      lastDraw = now;
      drawn = true;
      const width = 28;
      const ratio = total ? Math.min(1, done / total) : 0;
      const bar = total ? `[${'#'.repeat(Math.round(ratio * width)).padEnd(width, '.')}] ` : '';
      const counts = total ? `${done}/${total}` : `${done}`;
      process.stderr.write(`\r\x1b[2K${label} ${bar}${counts}${current ? `  ${current}` : ''}`);
    },
    clear() {
      if (drawn) process.stderr.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1048576).toFixed(1)} MB`;
  return `${(bytes / 1073741824).toFixed(2)} GB`;
}

/** A plain text table for humans (the --json output is for scripts). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * The line a write command prints (on stderr) for a root with more than one chat tree: which tree it
 * works on, so the older copy of a chat is never picked silently.
 */
export function noteChatTrees(root: string, what: string): void {
  const trees = chatTrees(root);
  if (trees.length < 2) return;
  process.stderr.write(
    `note: ${root} holds ${trees.length} chat trees: ${trees.map((t) => t.tree).join(', ')}; ${what} the current one, ${trees[0]!.dir}\n`,
  );
}
