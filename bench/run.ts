import { existsSync } from 'node:fs';
import { argValue, loadLine } from './common.ts';
import { runScanBench } from './scan.ts';

// `npm run bench`: every benchmark of the project, each against its baseline in the same run.
// Speed is measured here as ratios, never as timed assertions inside tests.
const chats = argValue('--chats', 10_000);
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

/** The browser benchmark opens a small root: its figures are the page's, not the reads'. */
const FIRST_ROWS_CHATS = 300;

const results: Record<string, Record<string, number>> = {};
console.log(`npm run bench: ${loadLine()} (other work on the machine makes wall times noisy)`);
if (!only || only === 'scan') results.scan = await runScanBench({ chats });
for (const [name, file, fn, size] of [
  ['integrity', './integrity.ts', 'runIntegrityBench', chats],
  ['backup', './backup.ts', 'runBackupBench', chats],
  ['fleet', './fleet.ts', 'runFleetBench', chats],
  ['command', './command.ts', 'runCommandBench', chats],
  ['conversations', './conversations.ts', 'runConversationsBench', chats],
  ['first-rows', './first-rows.ts', 'runFirstRowsBench', FIRST_ROWS_CHATS],
] as const) {
  if (only && only !== name) continue;
  if (!existsSync(new URL(file, import.meta.url))) continue;
  const mod = (await import(file)) as Record<
    string,
    (o: { chats: number }) => Promise<Record<string, number>>
  >;
  results[name] = await mod[fn]!({ chats: size });
}

// Issue 24's "no regression" figures, together at the end.
const figure = (value: number | undefined, unit: string, digits = 0) =>
  value === undefined ? 'not measured' : `${value.toFixed(digits)}${unit}`;
const { fleet, conversations } = results;
const firstRows = results['first-rows'];
console.log(`\nno-regression figures (issue 24), ${loadLine()}:`);
console.log(
  `  fleet pass / raw loop over the same threads  ${figure(fleet?.fullPassToRawParallelRatio, '×', 2)} wall, ${figure(fleet?.fullPassToRawParallelCpuRatio, '×', 2)} CPU (target ≤ 1.10×)`,
);
console.log(
  `  reopen: first page from the index           ${figure(fleet?.reopenFirstPageMs, ' ms')}; whole refresh ${figure(fleet?.reopenRefreshMs, ' ms')}; conversations source ${figure(conversations?.reopenMs, ' ms')}`,
);
console.log(
  `  first rows in browser mode (${FIRST_ROWS_CHATS} chats)       first visit ${figure(firstRows?.firstVisitFirstRowsMs, ' ms')}, reopen ${figure(firstRows?.reopenFirstRowsMs, ' ms')}`,
);
console.log(
  `  conversations page of ${chats} chats (index)  first ${figure(conversations?.firstPageMs, ' ms', 1)}, eleventh ${figure(conversations?.laterPageMs, ' ms', 1)} (target < 50 ms)`,
);
console.log(JSON.stringify(results));
