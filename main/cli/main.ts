import { readFileSync } from 'node:fs';
import { runCli } from './program.ts';

// Entry point of `chat-inspector` (dist/cli.js checks the Node version, then runs the built copy of this file).

// `chat-inspector scan ROOT | head -1`: the reader left, so there is no one to tell anything to. Stop
// quietly (exit 0, tracked temp files removed by the exit handler) instead of dying with an EPIPE stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
if (process.env.CHAT_INSPECTOR_REPORT_RSS === '1') {
  // For benchmarks: peak resident memory of the whole process (all threads), in KB. On Linux, VmHWM of
  // this program's own image: getrusage's maxRSS also counts the parent's memory, copied by the fork
  // before this program was loaded (a benchmark process of 700 MB made every child report 700 MB).
  process.on('exit', () => {
    const m = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1048576);
    let peakKb = process.resourceUsage().maxRSS;
    try {
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
      if (hwm) peakKb = Number(hwm[1]);
    } catch {
      // not Linux: getrusage's figure
    }
    process.stderr.write(
      `maxRss=${peakKb} rss=${mb(m.rss)}MB heapTotal=${mb(m.heapTotal)}MB heapUsed=${mb(m.heapUsed)}MB external=${mb(m.external)}MB\n`,
    );
  });
}
