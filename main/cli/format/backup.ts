import { join } from 'node:path';
import type {
  MigrateResult,
  RecoverResult,
  RestoreResult,
  VerifyResult,
} from '../../../shared/contract/backup.ts';
import { treeRank } from '../../../shared/chat-layout.ts';
import { formatBytes, table } from '../output.ts';
import type { Formatters } from './types.ts';

/** verify's report: what is wrong goes to stderr (`errors`), the rest to stdout (`report`). */
export function formatVerify(result: VerifyResult): { report: string; errors: string } {
  const errors: string[] = [];
  const report: string[] = [];
  for (const p of result.problems) errors.push(`problem: ${p}`);
  for (const f of result.files)
    if (f.damagedAtBackup) for (const p of f.problems) report.push(`${f.path}: ${p}`);
  const m = result.manifest;
  if (m?.kind === 'file')
    report.push(
      `Archive of one SQLite file (${result.files[0]?.name ?? '?'}), made ${m.createdAt} by chat-inspector ${m.toolVersion} from ${m.sourceRoot}`,
    );
  else if (m)
    report.push(
      `Archive of ${m.chats} chat(s), ${m.files} file(s), made ${m.createdAt} by chat-inspector ${m.toolVersion} from ${m.sourceRoot}`,
    );
  const bare = result.withoutManifest;
  if (bare) {
    report.push(
      `Archive without a manifest (an operator's own tar): ${bare.chats} chat(s), ${bare.files} file(s)`,
    );
    for (const f of result.files)
      if (!f.damagedAtBackup) for (const p of f.problems) report.push(`${f.path}: ${p}`);
    report.push(
      'manifest: absent — checksums and row counts cannot be proven; every DB checked (header, quick_check, schema)',
    );
  }
  if (!result.restorable)
    errors.push(`REFUSED: ${result.archive} has problems; restore would refuse it and write nothing`);
  else if (!result.ok)
    report.push(
      `OK with damaged files: every checksum matches; the files above were already damaged when backed up and are never restored (${result.archive})`,
    );
  else if (bare)
    report.push(
      `CHECKED, NOT PROVEN: every DB passes quick_check; without a manifest nothing proves they are what was archived (${result.archive})`,
    );
  else report.push(`OK: every checksum matches and every DB passes quick_check (${result.archive})`);
  return { report: report.join('\n'), errors: errors.join('\n') };
}

function formatCounts(rows: { table: string; old: number | null; new: number | null }[]): string {
  return rows
    .map((r) => {
      const o = r.old === null ? '—' : String(r.old);
      const n = r.new === null ? '—' : String(r.new);
      return r.old === r.new ? `${r.table} ${n}` : `${r.table} ${o} → ${n}`;
    })
    .join(', ');
}

export function formatRestore(result: RestoreResult): string {
  const lines: string[] = [];
  if (result.file !== undefined) {
    const f = result.chats[0]?.files[0];
    const counts = f?.rowCounts.length ? `  (${formatCounts(f.rowCounts)})` : '';
    const bak = f?.backup ? `  [old kept as ${f.backup}]` : '';
    const why = f?.reason ? `  — ${f.reason}` : '';
    return `${result.dryRun ? 'Would restore' : 'Restored'} ${result.file}: ${f?.action ?? '?'}${counts}${why}${bak}${result.dryRun ? ' (dry run: nothing was written)' : ''}`;
  }
  for (const chat of result.chats) {
    lines.push(`chat ${chat.chatId}: ${chat.action}${chat.tree !== undefined ? ` (in ${chat.tree})` : ''}`);
    for (const f of chat.files) {
      const counts = f.rowCounts.length ? `  (${formatCounts(f.rowCounts)})` : '';
      const why = f.reason ? `  — ${f.reason}` : '';
      const bak = f.backup ? `  [old kept as ${f.backup}]` : '';
      lines.push(`  ${f.action.padEnd(9)} ${f.name}${counts}${why}${bak}`);
    }
  }
  const s = result.summary;
  const verb = result.dryRun ? 'Would restore' : 'Restored';
  const filesSkipped = skippedFiles(result);
  lines.push(
    `${lines.length ? '\n' : ''}${verb} into ${restoredInto(result)}: ${s.add} chat(s) added, ${s.replace} replaced, ${s.unchanged} unchanged, ${s.skip} skipped` +
      (filesSkipped > 0 ? `; ${filesSkipped} file(s) left out (damaged when backed up)` : '') +
      (result.dryRun ? ' (dry run: nothing was written)' : ''),
  );
  if (result.withoutManifest)
    lines.push(
      'manifest: absent — checksums and row counts cannot be proven; every DB checked (header, quick_check, schema)',
    );
  return lines.join('\n');
}

/**
 * Where the chats went: the chats folder, or for a root with more than one chat tree whose chats went into
 * more than the current one, the root and how many chats each tree received.
 */
function restoredInto(result: RestoreResult): string {
  const perTree = new Map<string, number>();
  for (const chat of result.chats)
    if (chat.tree !== undefined) perTree.set(chat.tree, (perTree.get(chat.tree) ?? 0) + 1);
  if (
    perTree.size === 0 ||
    (perTree.size === 1 && join(result.root, [...perTree.keys()][0]!) === result.chatsDir)
  )
    return result.chatsDir;
  return `${result.root} (${[...perTree]
    .sort(([a], [b]) => treeRank(a) - treeRank(b))
    .map(([tree, n]) => `${n} chat(s) in ${tree}`)
    .join(', ')})`;
}

export function skippedFiles(result: RestoreResult): number {
  return result.chats.reduce((n, c) => n + c.files.filter((f) => f.action === 'skip').length, 0);
}

function lostCell(t: RecoverResult['tables'][number]): string {
  if (t.lost === null) return 'unknown';
  return t.lostBasis === 'upper_bound' ? `<= ${t.lost}` : String(t.lost);
}

/** The per-table account of a recovery, for people (the --json output carries the same facts). */
export function formatRecover(result: RecoverResult): string {
  const lines: string[] = [
    table(
      ['TABLE', 'RECOVERED', 'LOST_AND_FOUND', 'LOST', 'HOW LOST IS KNOWN'],
      result.tables.map((t) => [
        t.table,
        String(t.recovered),
        String(t.lostAndFound),
        lostCell(t),
        t.lostBasis === 'unknown' ? 'cannot be known' : `${t.lostBasis.replace('_', ' ')}: ${t.lostSource}`,
      ]),
    ),
  ];
  for (const t of result.tables) {
    if (t.note) lines.push(`${t.table}: ${t.note}`);
    for (const r of t.reasons) lines.push(`${t.table}: ${r.count} row(s) not kept: ${r.reason}`);
  }
  if (result.lostAndFound > 0)
    lines.push(
      `${result.lostAndFound} row(s) that fit no table are in the new file's ${result.lostAndFoundTable} table`,
    );
  for (const note of result.notes) lines.push(`note: ${note}`);
  const p = result.pages;
  if (p)
    lines.push(
      `Pages: ${p.total} (${p.tableLeaf} table leaf, ${p.tableInterior} interior, ${p.indexPages} index, ${p.overflow} overflow, ${p.freelist} free, ${p.orphan} reached by no tree, ${p.unreadable} unreadable, ${p.missing} missing)`,
    );
  lines.push(
    `\nMethod: ${result.method === 'pages' ? 'read page by page (the file fails quick_check)' : 'a clean copy (the file passes quick_check)'}; the new file passes quick_check: ${result.integrity}; ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  if (result.out) lines.push(`Recovered DB written to ${result.out}`);
  if (result.placedInto)
    lines.push(`Put in place at ${result.placedInto}; the damaged file was kept as ${result.backup}`);
  return lines.join('\n');
}

export function formatMigrationSummary(result: MigrateResult, language: 'en' | 'pt' = 'en'): string {
  const t = result.totals;
  const pt = language === 'pt';
  const ok = result.dryRun || result.integrityPercent === 100 ? '✅' : '❌';
  const lines = result.dryRun
    ? [
        pt
          ? `Simulação (nada foi gravado) em ${result.root}:`
          : `Dry run (nothing was written) into ${result.root}:`,
        `${pt ? 'Usuários a migrar' : 'Users to migrate'}: ${t.users}`,
        `${pt ? 'Mensagens a migrar' : 'Messages to migrate'}: ${t.messages}`,
        `${pt ? 'Sessões a migrar' : 'Sessions to migrate'}: ${t.sessions}`,
      ]
    : [
        `✅ ${pt ? 'Usuários migrados' : 'Users migrated'}: ${t.users}`,
        `✅ ${pt ? 'Mensagens migradas' : 'Messages migrated'}: ${t.messages}`,
        `✅ ${pt ? 'Sessões migradas' : 'Sessions migrated'}: ${t.sessions}`,
        `${ok} ${pt ? 'Integridade dos dados' : 'Data integrity'}: ${formatPercent(result.integrityPercent)}`,
      ];
  lines.push(
    result.dryRun
      ? `${pt ? 'As pastas dos chats iriam para' : 'Chat folders would go to'} ${result.chatsDir}`
      : `${pt ? 'Pastas dos chats gravadas em' : 'Chat folders written to'} ${result.chatsDir}`,
  );
  const conflicts = result.chats.filter((c) => c.action === 'conflict').map((c) => c.chatId);
  if (conflicts.length > 0) {
    lines.push(
      pt
        ? `⚠️  Já existem em ${result.root}: ${conflicts.slice(0, 10).join(', ')} (use --force para substituir)`
        : `⚠️  Already in ${result.root}: ${conflicts.slice(0, 10).join(', ')} (use --force to replace them)`,
    );
  }
  for (const chat of result.chats) {
    for (const table of chat.tables) {
      if (table.checksumOk === false)
        lines.push(
          `❌ chat ${chat.chatId} ${table.table}: ${table.source} rows in the source, ${table.migrated ?? 0} migrated or different`,
        );
    }
  }
  return lines.join('\n');
}

function formatPercent(p: number): string {
  return Number.isInteger(p) ? `${p}%` : `${p.toFixed(2)}%`;
}

export const backupFormats = {
  'backup.create': {
    json: ({ result }) => result,
    human: ({ result }) => {
      console.log(
        result.file !== undefined
          ? `Backed up ${result.file} (${formatBytes(result.dataBytes)}) into ${result.out} (${formatBytes(result.archiveBytes)}) in ${(result.durationMs / 1000).toFixed(1)} s`
          : `Backed up ${result.chats} chat(s), ${result.files} file(s), ${formatBytes(result.dataBytes)} into ${result.out} (${formatBytes(result.archiveBytes)}) in ${(result.durationMs / 1000).toFixed(1)} s`,
      );
      for (const d of result.damaged)
        console.log(`damaged: ${d.path}: ${d.integrity} (kept as it is; it will not be restored)`);
      for (const s of result.skipped) console.log(`skipped ${s.path}: ${s.reason}`);
      for (const n of result.notBackedUp) process.stderr.write(`NOT BACKED UP ${n.path}: ${n.reason}\n`);
      for (const f of result.failed)
        process.stderr.write(`FAILED chat ${f.chatId}: ${f.reason} (not in the archive)\n`);
    },
  },
  'backup.restore': {
    json: ({ result }) => result,
    human: ({ result }) => console.log(formatRestore(result)),
  },
  'recover.run': {
    json: ({ result }) => result,
    human: ({ result }) => console.log(formatRecover(result)),
  },
  'export.run': {
    json: ({ result }) => result,
    human: ({ result }) =>
      console.log(
        `Exported ${result.chats} chat(s), ${result.messages} messages, ${result.sessions} sessions as ${result.format.toUpperCase()}${result.redacted ? ' (redacted)' : ''} to ${result.out} (${formatBytes(result.bytes)})`,
      ),
  },
  'backup.verify': {
    json: ({ result }) => result,
    human: ({ result }) => {
      const { report, errors } = formatVerify(result);
      if (report) console.log(report);
      if (errors) process.stderr.write(`${errors}\n`);
    },
  },
  'metadata.rebuild': {
    human: (result) =>
      console.log(
        `Rebuilt ${result.path} (it was ${result.previousState})${result.backup ? `; the old one is kept as ${result.backup}` : ''}`,
      ),
  },
} satisfies Formatters;
