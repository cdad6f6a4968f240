import type { FleetTotals } from '../../../shared/domain.ts';
import { formatBytes, table } from '../output.ts';
import type { Formatters } from './types.ts';

/** "average query time 1.23 ms (newest page of messages, 40 chats timed)", or why there is none. */
export function averageQueryText(totals: FleetTotals, query = 'newest page of messages'): string {
  return totals.averageQueryMs === null
    ? 'average query time: no chat could be timed'
    : `average query time ${totals.averageQueryMs} ms (${query}, ${totals.timedChats} chats timed)`;
}

function day(iso: string | null): string {
  return iso ? iso.slice(0, 10) : '—';
}

export const maintenanceFormats = {
  'maintenance.archiveInactive': {
    json: ({ result }) => result,
    human: ({ result }) => {
      if (result.candidates.length > 0)
        console.log(
          table(
            ['CHAT', 'SIZE', 'LAST ACTIVE', 'DAYS'],
            result.candidates.map((c) => [
              c.chatId,
              formatBytes(c.sizeBytes),
              day(c.lastActive),
              String(c.inactiveDays ?? '—'),
            ]),
          ),
        );
      for (const n of result.notes) console.log(`note: ${n}`);
      for (const k of result.kept) console.log(`kept chat ${k.chatId}: ${k.reason}`);
      if (result.dryRun)
        console.log(
          `${result.candidates.length} chat(s) inactive for more than ${result.days} days, ${formatBytes(result.candidates.reduce((s, c) => s + c.sizeBytes, 0))} (dry run: nothing was written)`,
        );
      else
        console.log(
          result.archive
            ? `Archived ${result.archived.length} chat(s) into ${result.archive} (${formatBytes(result.archiveBytes ?? 0)}, verified twice) and removed them from the root (${formatBytes(result.freedBytes)}); bring them back with: chat-inspector restore ${result.archive} --into ${result.restoreInto}`
            : 'Nothing to archive.',
        );
    },
  },
  'maintenance.backupRotate': {
    json: ({ result }) => result,
    human: ({ result }) => {
      console.log(
        result.verified
          ? `Backed up ${result.chats} chat(s) into ${result.archive} (${formatBytes(result.archiveBytes)}), verified`
          : `FAILED verification: ${result.archive} (no older archive was removed)`,
      );
      for (const f of result.failed)
        console.log(
          `FAILED chat ${f.chatId}: ${f.reason} (not in the archive; no older archive was removed)`,
        );
      for (const r of result.removed) console.log(`removed old archive ${r.path}`);
      console.log(`Keeping ${result.kept.length} verified archive(s) in ${result.outDir}`);
      for (const u of result.unverified) console.log(`not verified (left alone): ${u}`);
      for (const d of result.damaged)
        console.log(`damaged: ${d.path}: ${d.integrity} (kept as it is; it will not be restored)`);
    },
  },
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
