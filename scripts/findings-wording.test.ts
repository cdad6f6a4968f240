import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import i18next from 'i18next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertKind } from '../shared/contract/maintenance.ts';
import { FindingCode, type Finding, type FindingParams } from '../shared/domain.ts';
import { generateRoot, type GeneratedRoot } from '../main/fixtures/index.ts';
import { closeCheckConnection } from '../main/integrity/attach.ts';
import { checkChatTask } from '../main/integrity/chat.ts';
import { initI18n } from '../renderer/i18n/index.ts';
import {
  wordAlert,
  wordFinding,
  wordFleetAlert,
  wordMismatch,
  wordSkipped,
  type Worded,
} from '../renderer/i18n/findings.ts';

// Every coded message main/ sends is worded in both languages from its code and params: findings of a
// real generated root (every broken kind the fixture generator makes), every FindingCode and alert kind
// with the params of the shared shapes, and the shapes of an older main (no params) too.

const NOW = new Date('2026-12-01T12:00:00Z');
const LIMITS = { dbMaxMb: 10, inactiveDays: 90, slowMs: 100, backupMaxDays: 2 };
/** English words that never occur in Portuguese UI text (as the walk spec's list). */
const ENGLISH =
  /\b(the|is|are|could|not|with|from|days|rows|has|have|this|that|of|and|to|over|missing|sessions|messages)\b/i;

/** One sample of the params each code's wording uses (as main/ makes them). */
const SAMPLE_PARAMS: Record<FindingCode, FindingParams> = {
  not_sqlite: { file: 'conversations.db', detail: 'the header has an impossible page size (3)' },
  empty_file: { file: 'profile.db' },
  truncated: { file: 'conversations.db', bytes: 28192, expectedBytes: 45056, pageSize: null },
  corrupt: { file: 'conversations.db', check: 'quick', problems: 3, capped: 0, detail: '"x"' },
  fk_violation: { file: 'profile.db', rows: 2, detail: 'learning_progress → user_profile: 2' },
  schema_drift: {
    file: 'conversations.db',
    missingTables: 0,
    missingColumns: 1,
    extraTables: 1,
    extraColumns: 0,
  },
  metadata_missing: { file: 'metadata.json' },
  metadata_malformed: { file: 'metadata.json', detail: 'is not valid JSON' },
  metadata_mismatch: {
    file: 'metadata.json',
    fields: 'total_sessions',
    total_sessions: 1,
    total_sessions_actual: 4,
  },
  orphan_rows: { file: 'conversations.db', rows: 1, detail: 'messages: 1' },
  wal_pending: { file: 'conversations.db', walBytes: 4096 },
  db_large: { file: 'conversations.db', mb: 30.3, limitMb: 10 },
  inactive: { file: 'profile.db', days: 130, limitDays: 90 },
  missing_file: { file: 'conversations.db' },
  locked: { file: 'conversations.db', detail: 'database is locked' },
  clock_skew: { file: 'conversations.db', before: null, ahead: '2062-03-01' },
  not_a_file: { file: 'conversations.db', entry: 'conversations.db-wal', kind: 'fifo' },
};

function inBoth<T>(word: () => T): { en: T; pt: T } {
  void i18next.changeLanguage('en');
  const en = word();
  void i18next.changeLanguage('pt-BR');
  const pt = word();
  void i18next.changeLanguage('en');
  return { en, pt };
}

/** A worded text is a sentence: no key, no placeholder left; pt-BR is not the English one. */
function expectWorded({ en, pt }: { en: Worded; pt: Worded }, what: string) {
  for (const text of [en.text, pt.text]) {
    expect(text, what).not.toMatch(/\b(finding|alert|fleetAlert|skippedEntry)\.\w/);
    expect(text, what).not.toMatch(/\{\{|\}\}|undefined|NaN/);
    expect(text.length, what).toBeGreaterThan(8);
  }
  expect(pt.text, what).not.toEqual(en.text);
  // File names and dates aside, no English word in the Portuguese sentence.
  expect(pt.text.replace(/\S*[._]\S*/g, ''), what).not.toMatch(ENGLISH);
}

beforeAll(() => {
  initI18n('en');
});

describe('findings of a generated root, worded', () => {
  let dir: string;
  let root: GeneratedRoot;
  const findings: Finding[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'words-findings-'));
    root = generateRoot(join(dir, 'root'), { chats: 2, broken: 'all', seed: 23, now: NOW });
    for (const chat of root.chats) {
      const outcome = checkChatTask({ chatId: chat.chatId, dir: chat.dir, nowMs: NOW.getTime(), full: true });
      closeCheckConnection();
      if (outcome.kind === 'chat') findings.push(...outcome.check.findings);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every finding carries its file in params, and the figures its wording needs', () => {
    expect(findings.length).toBeGreaterThan(10);
    for (const f of findings) expect(f.params.file, f.code).toBe(f.file);
    const byCode = (code: FindingCode) => findings.find((f) => f.code === code)?.params;
    expect(byCode('db_large')).toMatchObject({ mb: expect.any(Number), limitMb: 10 });
    expect(byCode('inactive')).toMatchObject({ days: expect.any(Number), limitDays: 90 });
    expect(byCode('truncated')).toMatchObject({ bytes: expect.any(Number) });
    expect(byCode('metadata_mismatch')?.fields).toEqual(expect.any(String));
    expect(byCode('fk_violation')).toMatchObject({ rows: expect.any(Number) });
    expect(byCode('orphan_rows')).toMatchObject({ rows: expect.any(Number) });
  });

  it('every finding is worded in en and pt-BR, with its figures', () => {
    for (const f of findings) {
      const worded = inBoth(() => wordFinding(f));
      expectWorded(worded, `${f.code}: ${f.message}`);
      if (typeof f.params.days === 'number') expect(worded.pt.text).toContain(String(f.params.days));
    }
  });
});

describe('wording of every code and kind', () => {
  for (const code of FindingCode.options) {
    it(`finding ${code}: worded from its params, and without them (an older main)`, () => {
      const file = String(SAMPLE_PARAMS[code].file);
      expectWorded(
        inBoth(() => wordFinding({ code, file, params: SAMPLE_PARAMS[code] })),
        code,
      );
      expectWorded(
        inBoth(() => wordFinding({ code, file, params: {} })),
        `${code} without params`,
      );
    });
  }

  it('plurals: one day, one row, one session; never "1 days" or "(s)"', () => {
    const oneDay = inBoth(() =>
      wordFinding({ code: 'inactive', file: 'profile.db', params: { days: 1, limitDays: 0 } }),
    );
    expect(oneDay.en.text).toContain('1 day ');
    expect(oneDay.pt.text).toContain('1 dia ');
    const oneRow = inBoth(() =>
      wordFinding({ code: 'fk_violation', file: 'profile.db', params: { rows: 1 } }),
    );
    expect(oneRow.en.text).toContain('1 row ');
    expect(oneRow.pt.text).toContain('1 linha ');
    const oneSession = inBoth(() => wordMismatch({ field: 'total_sessions', metadata: 1, actual: 4 }));
    expect(oneSession.en).toContain('1 session,');
    expect(oneSession.pt).toContain('1 sessão,');
    for (const text of [oneDay.en.text, oneDay.pt.text, oneRow.en.text, oneRow.pt.text])
      expect(text).not.toMatch(/\(s\)/);
  });

  const alertParams: Record<AlertKind, FindingParams> = {
    db_large: { file: 'conversations.db', mb: 30.3, limitMb: 10 },
    inactive: { days: 130, limitDays: 90 },
    slow: { ms: 250, limitMs: 100 },
    not_backed_up: { days: 12, limitDays: 2, source: 'metadata', archive: null },
    integrity: { file: 'conversations.db', detail: 'database disk image is malformed' },
  };
  for (const kind of AlertKind.options) {
    it(`Maintenance alert ${kind}: worded from its params, and from an older main's shape`, () => {
      const code = kind === 'integrity' ? 'corrupt' : undefined;
      const alert = { kind, file: 'conversations.db', value: 12, code, params: alertParams[kind] };
      expectWorded(
        inBoth(() => wordAlert(alert, LIMITS)),
        kind,
      );
      expectWorded(
        inBoth(() => wordAlert({ kind, file: 'conversations.db', value: 12 }, LIMITS)),
        `${kind} old`,
      );
    });
  }

  it('a chat never backed up, and one backed up into a named archive', () => {
    const never = inBoth(() =>
      wordAlert(
        {
          kind: 'not_backed_up',
          file: null,
          value: null,
          params: { days: null, limitDays: 2, source: null, archive: null },
        },
        LIMITS,
      ),
    );
    expectWorded(never, 'never backed up');
    const archived = inBoth(() =>
      wordAlert(
        {
          kind: 'not_backed_up',
          file: null,
          value: 5,
          params: { days: 5, limitDays: 2, source: 'archive', archive: 'root-2026-11-26.tar.gz' },
        },
        LIMITS,
      ),
    );
    expect(archived.pt.text).toContain('root-2026-11-26.tar.gz');
  });

  const fleetParams: Record<string, FindingParams> = {
    db_large: { mb: 10.9, limitMb: 10 },
    inactive: { days: 130, limitDays: 90 },
    health: { code: 'corrupt', file: 'conversations.db' },
    clock_skew: { first: '2062-03-01', last: '2062-03-04' },
  };
  for (const [kind, params] of Object.entries(fleetParams)) {
    it(`fleet alert ${kind}: worded from its params, and without them`, () => {
      expectWorded(
        inBoth(() => wordFleetAlert({ kind, params })),
        kind,
      );
      expectWorded(
        inBoth(() => wordFleetAlert({ kind })),
        `${kind} without params`,
      );
    });
  }

  it('skipped entries: every code worded, and the English reason of an older main', () => {
    for (const code of ['link', 'not_a_folder', 'bad_name', 'hidden']) {
      const { en, pt } = inBoth(() => wordSkipped({ code, reason: 'x' }));
      expect(en).not.toMatch(/skippedEntry/);
      expect(pt).not.toEqual(en);
    }
    const old = inBoth(() => wordSkipped({ reason: 'symbolic link: not followed' }));
    expect(old.pt).toBe('um link simbólico: não seguido');
  });
});
