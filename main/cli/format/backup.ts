import type { VerifyResult } from '../../../shared/contract/backup.ts';
import type { Formatters } from './index.ts';

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

export const backupFormats = {
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
