import type { FleetTotals } from '../../../shared/domain.ts';
import { formatBytes, table } from '../output.ts';
import type { Formatters } from './index.ts';

/** "average query time 1.23 ms (newest page of messages, 40 chats timed)", or why there is none. */
export function averageQueryText(totals: FleetTotals, query = 'newest page of messages'): string {
  return totals.averageQueryMs === null
    ? 'average query time: no chat could be timed'
    : `average query time ${totals.averageQueryMs} ms (${query}, ${totals.timedChats} chats timed)`;
}

export const maintenanceFormats = {
  'maintenance.vacuum': {
    json: ({ result }) => result,
    human: ({ result }) => {
      if (result.candidates.length > 0)
        console.log(
          table(
            ['CHAT', 'FILE', 'SIZE', 'FREE', 'RECLAIM', result.dryRun ? '' : 'RESULT'],
            result.candidates.map((c) => {
              const o = result.outcomes.find((x) => x.path === c.path);
              const status = !o
                ? ''
                : o.status === 'vacuumed'
                  ? `${formatBytes(o.bytesBefore)} → ${formatBytes(o.bytesAfter ?? 0)}, backup ${o.backup}${o.reason ? ` (${o.reason})` : ''}`
                  : `${o.status.toUpperCase()}: ${o.reason}`;
              return [
                c.chatId,
                c.file,
                formatBytes(c.sizeBytes),
                `${c.freePercent}%`,
                formatBytes(c.reclaimableBytes),
                status,
              ];
            }),
          ),
        );
      for (const u of result.unreadable) console.log(`not measured ${u.path}: ${u.reason}`);
      const saved = result.bytesBefore - result.bytesAfter;
      console.log(
        result.dryRun
          ? `Would vacuum ${result.candidates.length} DB(s) with at least ${result.minFreePercent}% free pages: ${formatBytes(result.bytesBefore)} → about ${formatBytes(result.bytesAfter)} (dry run: nothing was written)`
          : `Vacuumed ${result.outcomes.filter((o) => o.status === 'vacuumed').length} of ${result.candidates.length} DB(s): ${formatBytes(result.bytesBefore)} → ${formatBytes(result.bytesAfter)} (${formatBytes(saved)} reclaimed; a backup of each is kept as .bak-<time> beside it until you delete it)`,
      );
    },
  },
  'maintenance.alerts': {
    json: ({ result }) => result,
    human: ({ result }) => {
      for (const a of result.alerts)
        console.log(`${a.severity.padEnd(7)}  ${a.kind.padEnd(13)}  chat ${a.chatId}  ${a.message}`);
      const errors = result.alerts.filter((a) => a.severity === 'error').length;
      console.log(
        `${result.alerts.length === 0 ? 'No alert' : `${errors} error(s), ${result.alerts.length - errors} warning(s)`} in ${result.chats} chats of ${result.root}`,
      );
      console.log(`Total size ${formatBytes(result.totalBytes)}; ${averageQueryText(result)}`);
    },
  },
} satisfies Formatters;
