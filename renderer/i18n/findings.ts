import i18next, { type TFunction } from 'i18next';
import type { FindingCode } from '../../shared/domain.ts';
import { formatNumber } from '../components/format.ts';

// The one place that words what main/ sends as codes with parameters (integrity findings, read problems,
// Maintenance alerts, the fleet's alerts, skipped entries), in the person's language. Screens never show
// main's English `message`: an English sentence cannot leak into pt-BR. Keys: `finding.*`, `alert.*`,
// `fleetAlert.*`, `skippedEntry.*` in renderer/i18n/{en,pt-BR}.json.

export type Params = Record<string, string | number | null | undefined>;

/** A worded message: the sentence, and the technical text it quotes (SQLite's own words, table names). */
export interface Worded {
  text: string;
  /** Computer text (shown as code, never translated), or null. */
  detail: string | null;
}

export interface CodedMessage {
  code: string;
  file?: string | null;
  params?: Params | null;
}

const t = (key: string, options?: Record<string, unknown>): string =>
  (i18next.t as unknown as TFunction)(key, options as never) as unknown as string;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The kinds of entry that are not a regular file (main/fs/entry.ts). */
const ENTRY_KINDS = ['symlink', 'directory', 'fifo', 'socket', 'device'];

/** Metadata fields a metadata_mismatch may name, in the order they are worded. */
const MISMATCH_FIELDS = ['chat_id', 'total_messages', 'total_sessions', 'current_level'] as const;

/** The schema gaps a schema_drift names (counts in params, names in `<gap>Names`). */
const SCHEMA_GAPS = ['missingTables', 'missingColumns', 'extraTables', 'extraColumns'] as const;

/** One finding (or read problem) in the person's language, from its code and params. */
export function wordFinding(f: CodedMessage): Worded {
  const p: Params = f.params ?? {};
  const file = str(p.file) ?? f.file ?? '';
  const detail = str(p.detail);
  const base = { file };
  switch (f.code as FindingCode) {
    case 'truncated': {
      const bytes = num(p.bytes);
      const expected = num(p.expectedBytes);
      const pageSize = num(p.pageSize);
      const text =
        bytes !== null && expected !== null
          ? t('finding.truncated_promised', {
              ...base,
              bytes: formatNumber(bytes),
              expected: formatNumber(expected),
            })
          : bytes !== null && pageSize !== null
            ? t('finding.truncated_pages', {
                ...base,
                bytes: formatNumber(bytes),
                pageSize: formatNumber(pageSize),
              })
            : t('finding.truncated', base);
      return { text, detail: null };
    }
    case 'corrupt': {
      const problems = num(p.problems);
      if (problems === null) return { text: t('finding.corrupt', base), detail };
      const check = t(p.check === 'full' ? 'finding.check_full' : 'finding.check_quick');
      const key = p.capped ? 'finding.corrupt_capped' : 'finding.corrupt_found';
      return { text: t(key, { ...base, check, count: problems, n: formatNumber(problems) }), detail };
    }
    case 'fk_violation':
    case 'orphan_rows': {
      const rows = num(p.rows);
      const key = rows === null ? `finding.${f.code}` : `finding.${f.code}_rows`;
      return { text: t(key, { ...base, count: rows ?? 0, n: formatNumber(rows) }), detail };
    }
    case 'schema_drift': {
      const parts = SCHEMA_GAPS.filter((g) => (num(p[g]) ?? 0) > 0).map((g) =>
        t(`finding.schema.${g}`, { count: num(p[g]), n: formatNumber(num(p[g])) }),
      );
      if (parts.length === 0) return { text: t('finding.schema_drift', base), detail };
      const names = SCHEMA_GAPS.map((g) => str(p[`${g}Names`]))
        .filter((n): n is string => n !== null)
        .join(' · ');
      const key = p.legacy ? 'finding.schema_drift_legacy' : 'finding.schema_drift_parts';
      return { text: t(key, { ...base, parts: parts.join('; ') }), detail: names || detail };
    }
    case 'metadata_mismatch': {
      const parts = MISMATCH_FIELDS.filter((field) => p[field] !== undefined && p[field] !== null).map(
        (field) => wordMismatch({ field, metadata: p[field]!, actual: p[`${field}_actual`] ?? '' }),
      );
      if (parts.length === 0) return { text: t('finding.metadata_mismatch', base), detail: null };
      return {
        text: t('finding.metadata_mismatch_parts', { ...base, parts: parts.join('; ') }),
        detail: null,
      };
    }
    case 'db_large': {
      const mb = num(p.mb);
      if (mb === null) return { text: t('finding.db_large', base), detail: null };
      return {
        text: t('finding.db_large_mb', {
          ...base,
          mb: formatNumber(mb, 1),
          limitMb: formatNumber(num(p.limitMb) ?? 10),
        }),
        detail: null,
      };
    }
    case 'inactive': {
      const days = num(p.days);
      if (days === null) return { text: t('finding.inactive'), detail: null };
      const limit = num(p.limitDays) ?? 90;
      return {
        text: t('finding.inactive_days', { count: days, n: formatNumber(days), limit: formatNumber(limit) }),
        detail: null,
      };
    }
    case 'clock_skew': {
      const before = str(p.before);
      const ahead = str(p.ahead);
      const key =
        before && ahead
          ? 'finding.clock_skew_both'
          : ahead
            ? 'finding.clock_skew_ahead'
            : before
              ? 'finding.clock_skew_before'
              : 'finding.clock_skew';
      return { text: t(key, { before, ahead }), detail: null };
    }
    case 'not_a_file': {
      const kind = str(p.kind);
      const what = t(`finding.entryKind.${kind && ENTRY_KINDS.includes(kind) ? kind : 'other'}`);
      return { text: t('finding.not_a_file', { ...base, entry: str(p.entry) ?? file, what }), detail: null };
    }
    case 'not_sqlite':
    case 'locked':
    case 'metadata_malformed':
      return { text: t(`finding.${f.code}`, base), detail };
    case 'empty_file':
    case 'missing_file':
    case 'metadata_missing':
    case 'wal_pending':
      return { text: t(`finding.${f.code}`, base), detail: null };
    default:
      // A code this version does not know (a newer main): said plainly, the code shown as computer text.
      return { text: t('finding.unknown', base), detail: f.code };
  }
}

/** One figure of metadata.json that disagrees with the DBs (ChatDetail.metadata.mismatches), worded. */
export function wordMismatch(m: {
  field: string;
  metadata: string | number;
  actual: string | number;
}): string {
  return typeof m.metadata === 'number'
    ? t(`finding.mismatch.${m.field}`, {
        count: m.metadata,
        metadata: formatNumber(m.metadata),
        actual: typeof m.actual === 'number' ? formatNumber(m.actual) : m.actual,
      })
    : t(`finding.mismatch.${m.field}`, { metadata: m.metadata, actual: m.actual });
}

/** A Maintenance alert (shared/contract/maintenance.ts), worded from its kind and params. */
export interface AlertLike {
  kind: string;
  file: string | null;
  value: number | null;
  code?: string | null;
  params?: Params | null;
}
export interface AlertLimits {
  dbMaxMb: number;
  inactiveDays: number;
  slowMs: number;
  backupMaxDays: number;
}

export function wordAlert(a: AlertLike, limits: AlertLimits): Worded {
  const p: Params = a.params ?? {};
  const file = str(p.file) ?? a.file ?? '';
  switch (a.kind) {
    case 'integrity':
      if (a.code) return wordFinding({ code: a.code, file, params: p });
      return { text: t('alert.integrity', { file }), detail: null };
    case 'db_large': {
      const mb = num(p.mb) ?? a.value;
      const limitMb = num(p.limitMb) ?? limits.dbMaxMb;
      return {
        text: t('alert.db_large', { file, mb: formatNumber(mb, 1), limitMb: formatNumber(limitMb) }),
        detail: null,
      };
    }
    case 'inactive': {
      const days = num(p.days) ?? a.value ?? 0;
      const limit = num(p.limitDays) ?? limits.inactiveDays;
      return {
        text: t('alert.inactive', { count: days, n: formatNumber(days), limit: formatNumber(limit) }),
        detail: null,
      };
    }
    case 'slow': {
      const ms = num(p.ms) ?? a.value;
      const limitMs = num(p.limitMs) ?? limits.slowMs;
      return {
        text: t('alert.slow', { ms: formatNumber(ms), limitMs: formatNumber(limitMs) }),
        detail: null,
      };
    }
    case 'not_backed_up': {
      const days = 'days' in p ? num(p.days) : a.value;
      const limit = num(p.limitDays) ?? limits.backupMaxDays;
      if (days === null) return { text: t('alert.never_backed_up'), detail: null };
      const source = p.source === 'archive' ? 'archive' : p.source === 'metadata' ? 'metadata' : 'unknown';
      return {
        text: t(`alert.not_backed_up_${source}`, {
          count: days,
          n: formatNumber(days),
          limit: formatNumber(limit),
          archive: str(p.archive) ?? '',
        }),
        detail: null,
      };
    }
    default:
      return { text: t('finding.unknown', { file }), detail: a.kind };
  }
}

/** An alert of the fleet dashboard (FleetMetrics.alerts), worded from its kind and params. */
export function wordFleetAlert(a: { kind: string; params?: Params | null }): Worded {
  const p: Params = a.params ?? {};
  switch (a.kind) {
    case 'db_large': {
      const mb = num(p.mb);
      if (mb === null) return { text: t('fleetAlert.db_large'), detail: null };
      return {
        text: t('fleetAlert.db_large_mb', {
          mb: formatNumber(mb, 1),
          limitMb: formatNumber(num(p.limitMb) ?? 10),
        }),
        detail: null,
      };
    }
    case 'inactive': {
      const days = num(p.days);
      if (days === null) return { text: t('fleetAlert.inactive'), detail: null };
      return {
        text: t('fleetAlert.inactive_days', {
          count: days,
          n: formatNumber(days),
          limit: formatNumber(num(p.limitDays) ?? 90),
        }),
        detail: null,
      };
    }
    case 'health':
      if (str(p.code)) return wordFinding({ code: String(p.code), file: str(p.file), params: p });
      return { text: t('fleetAlert.health'), detail: null };
    case 'clock_skew': {
      const first = str(p.first);
      const last = str(p.last);
      if (!first) return { text: t('fleetAlert.clock_skew'), detail: null };
      const range = last && last !== first ? `${first} … ${last}` : first;
      return { text: t('fleetAlert.clock_skew_dates', { range }), detail: null };
    }
    default:
      return { text: t('finding.unknown', { file: '' }), detail: a.kind };
  }
}

/** Why a root entry was skipped (SkippedEntry.code), worded; entries from an older main have no code. */
export function wordSkipped(s: { code?: string | null; reason: string }): string {
  const code = s.code ?? skippedCodeOf(s.reason);
  return t(`skippedEntry.${code}`);
}

function skippedCodeOf(reason: string): string {
  if (/link/.test(reason)) return 'link';
  if (/name/.test(reason)) return 'bad_name';
  if (/hidden/.test(reason)) return 'hidden';
  if (/empty/.test(reason)) return 'empty';
  return 'not_a_folder';
}
