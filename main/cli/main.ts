import { runCli } from './program.ts';

// Entry point of `chat-inspector` (bin/chat-inspector.js runs the built copy of this file).
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
if (process.env.CHAT_INSPECTOR_REPORT_RSS === '1') {
  // For benchmarks: peak resident memory of the whole process (all threads), in KB.
  process.on('exit', () => process.stderr.write(`maxRss=${process.resourceUsage().maxRSS}\n`));
}
