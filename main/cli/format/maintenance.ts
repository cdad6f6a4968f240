import type { FleetTotals } from '../../../shared/domain.ts';
import { formatBytes } from '../output.ts';
import type { Formatters } from './index.ts';

/** "average query time 1.23 ms (newest page of messages, 40 chats timed)", or why there is none. */
export function averageQueryText(totals: FleetTotals, query = 'newest page of messages'): string {
  return totals.averageQueryMs === null
    ? 'average query time: no chat could be timed'
    : `average query time ${totals.averageQueryMs} ms (${query}, ${totals.timedChats} chats timed)`;
}

export const maintenanceFormats = {
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
