import type { IntegrityReport } from '../../../shared/contract/integrity.ts';
import type { Formatters } from './types.ts';

/** A root with more than one chat tree: how many of the results are a chat's copy in another tree. */
function copiesNote(report: IntegrityReport): string {
  const ids = new Set(report.chats.map((c) => c.chatId));
  const copies = report.chats.length - ids.size;
  return copies > 0 ? ` (of them ${copies} another tree's copy of a chat, checked too)` : '';
}

/** One line per finding, grouped by chat; the summary line last, where a terminal leaves it in view. */
export function formatHumanReport(report: IntegrityReport): string {
  const lines: string[] = [];
  const single = report.fileKind !== undefined;
  for (const chat of report.chats) {
    if (chat.findings.length === 0) continue;
    lines.push(
      `${single ? 'file' : 'chat'} ${chat.chatId}${chat.tree !== undefined ? ` (${chat.tree})` : ''}  ${chat.status}`,
    );
    for (const f of chat.findings) {
      lines.push(`  ${f.severity.padEnd(7)}  ${f.code.padEnd(18)}  ${f.file.padEnd(16)}  ${f.message}`);
    }
  }
  for (const s of report.skipped) lines.push(`skipped ${s.path}: ${s.reason}`);
  if (lines.length > 0) lines.push('');
  const { ok, warning, error } = report.summary;
  const what = single
    ? `${report.root}${report.fileKind ? ` (${report.fileKind})` : ''}`
    : `${report.chats.length} chats in ${report.root}${copiesNote(report)}`;
  lines.push(`Checked ${what} (${report.mode}): ${ok} ok, ${warning} warning, ${error} error`);
  return lines.join('\n');
}

/** `check` prints the report: its findings for a person, the report itself with --json. */
const reportFormat = {
  json: ({ result }: { result: IntegrityReport }) => result,
  human: ({ result }: { result: IntegrityReport }) => console.log(formatHumanReport(result)),
};

export const integrityFormats = {
  'integrity.check': reportFormat,
  'integrity.checkFile': reportFormat,
} satisfies Formatters;
