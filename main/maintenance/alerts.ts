// `alerts`: the seed's automatic alerts (a DB over 10 MB, a user inactive over 90 days, an integrity error
// in any DB, queries slower than 100 ms) from one read-only pass over the root, with settable thresholds,
// and the exit code cron mails on: 0 no alert, 1 warnings only, 2 at least one error.
// `alertsFromFigures` is pure: the figures may come from this pass or, later, from a persistent fleet index.

import { resolve } from 'node:path';
import type { Alert, AlertsResult, AlertThresholds } from '../../shared/contract/maintenance.ts';
import { fleetTotalsOf, type Finding } from '../../shared/domain.ts';
import type { JobContext } from '../jobs/job.ts';
import { inactiveDays } from '../store/activity.ts';
import { daysBetween } from '../sources/time.ts';
import type { WorkerPool } from '../workers/pool.ts';
import { collectChatFigures, type ChatFigures } from './figures.ts';
import {
  indexVerifiedArchives,
  lastBackupOf,
  notBackedUpFor,
  type LastBackup,
} from '../backup/last-backup.ts';

const MB = 1024 * 1024;

type Params = Alert['params'];

/** A finding's params (the renderer words an integrity alert from them), its file at least. */
export function findingParams(f: Finding): Params {
  const own = (f as Finding & { params?: Params }).params;
  return { file: f.file, ...(own ?? {}) };
}

export function alertsFromFigures(
  figures: readonly ChatFigures[],
  thresholds: AlertThresholds,
  now: Date,
): Alert[] {
  const alerts: Alert[] = [];
  for (const chat of figures) {
    for (const f of chat.errors) {
      alerts.push({
        kind: 'integrity',
        severity: 'error',
        chatId: chat.chatId,
        file: f.file,
        message: f.message,
        value: null,
        code: f.code,
        params: findingParams(f),
      });
    }
    for (const db of chat.dbs) {
      if (db.bytes > thresholds.dbMaxMb * MB) {
        const mb = Math.round((db.bytes / MB) * 10) / 10;
        alerts.push({
          kind: 'db_large',
          severity: 'warning',
          chatId: chat.chatId,
          file: db.file,
          message: `${db.file} is ${mb} MB (over ${thresholds.dbMaxMb} MB): review its history or archive it.`,
          value: mb,
          params: { file: db.file, mb, limitMb: thresholds.dbMaxMb },
        });
      }
    }
    const days = inactiveDays(chat.lastActive, now.getTime(), thresholds.inactiveDays);
    if (days !== null) {
      alerts.push({
        kind: 'inactive',
        severity: 'warning',
        chatId: chat.chatId,
        file: null,
        message: `No activity for ${days} days (over ${thresholds.inactiveDays}): a candidate for archiving.`,
        value: days,
        params: { days, limitDays: thresholds.inactiveDays },
      });
    }
    if (chat.newestPageMs !== null && chat.newestPageMs > thresholds.slowMs) {
      alerts.push({
        kind: 'slow',
        severity: 'warning',
        chatId: chat.chatId,
        file: 'conversations.db',
        message: `The newest page of messages took ${chat.newestPageMs} ms (over ${thresholds.slowMs} ms).`,
        value: chat.newestPageMs,
        params: { ms: chat.newestPageMs, limitMs: thresholds.slowMs },
      });
    }
  }
  const rank = { error: 0, warning: 1 } as const;
  return alerts.sort((a, b) => rank[a.severity] - rank[b.severity]);
}

export function alertsExitCode(alerts: readonly Alert[]): 0 | 1 | 2 {
  if (alerts.some((a) => a.severity === 'error')) return 2;
  return alerts.length > 0 ? 1 : 0;
}

export interface AlertsOptions {
  root: string;
  thresholds: AlertThresholds;
  pool: WorkerPool;
  now?: Date;
  /** Folders of verified archives (`backup --out-dir`) that tell when each chat was last backed up. */
  backupDirs?: readonly string[];
}

/** A chat not backed up for more than `maxDays` (or never, as far as anything says): a warning. */
export function backupAlert(
  chatId: string,
  last: LastBackup | null,
  maxDays: number,
  now: Date,
): Alert | null {
  if (last === null)
    return {
      kind: 'not_backed_up',
      severity: 'warning',
      chatId,
      file: null,
      message:
        'No backup known: no verified archive in the folders given holds it and metadata.json has no last_backup.',
      value: null,
      params: { days: null, limitDays: maxDays, source: null, archive: null },
    };
  // The chat list's "not backed up for N days" filter follows the same rule.
  if (!notBackedUpFor(last, maxDays, now)) return null;
  const days = Math.floor(daysBetween(last.at, now));
  const source =
    last.source === 'archive' ? `the verified archive ${last.archive}` : "metadata.json's last_backup";
  return {
    kind: 'not_backed_up',
    severity: 'warning',
    chatId,
    file: null,
    message: `Last backed up ${days} days ago (over ${maxDays}), according to ${source}.`,
    value: days,
    params: { days, limitDays: maxDays, source: last.source, archive: last.archive },
  };
}

export async function runAlerts(options: AlertsOptions, ctx: JobContext<Alert>): Promise<AlertsResult> {
  const root = resolve(options.root);
  const now = options.now ?? new Date();
  const figures = await collectChatFigures(root, options.pool, ctx, {
    timeQuery: true,
    now,
  });
  const alerts = alertsFromFigures(figures, options.thresholds, now);
  const index = indexVerifiedArchives(options.backupDirs ?? []);
  for (const chat of figures) {
    const alert = backupAlert(
      chat.chatId,
      lastBackupOf(index, chat.chatId, chat.dir),
      options.thresholds.backupMaxDays,
      now,
    );
    if (alert) alerts.push(alert);
  }
  for (const a of alerts) ctx.emit(a);
  return {
    root,
    thresholds: options.thresholds,
    checkedAt: now.toISOString(),
    chats: figures.length,
    ...fleetTotalsOf(
      figures.map((f) => ({
        sizeBytes: f.dbs.reduce((sum, db) => sum + db.bytes, 0),
        queryMs: f.newestPageMs,
      })),
    ),
    alerts,
    exitCode: alertsExitCode(alerts),
  };
}
