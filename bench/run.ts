import { existsSync } from 'node:fs';
import { argValue } from './common.ts';
import { runScanBench } from './scan.ts';

// `npm run bench`: every benchmark of the project, each against its baseline in the same run.
// Speed is measured here as ratios, never as timed assertions inside tests.
const chats = argValue('--chats', 10_000);
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const results: Record<string, Record<string, number>> = {};
if (!only || only === 'scan') results.scan = await runScanBench({ chats });
for (const [name, file, fn] of [
  ['integrity', './integrity.ts', 'runIntegrityBench'],
  ['backup', './backup.ts', 'runBackupBench'],
  ['fleet', './fleet.ts', 'runFleetBench'],
  ['command', './command.ts', 'runCommandBench'],
  ['conversations', './conversations.ts', 'runConversationsBench'],
] as const) {
  if (only && only !== name) continue;
  if (!existsSync(new URL(file, import.meta.url))) continue;
  const mod = (await import(file)) as Record<
    string,
    (o: { chats: number }) => Promise<Record<string, number>>
  >;
  results[name] = await mod[fn]!({ chats });
}
console.log(JSON.stringify(results));
