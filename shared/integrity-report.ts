import { SEVERITY_OF, type FindingCode } from './domain.ts';
import type { IntegrityReport, ReportFormat } from './contract/integrity.ts';

// The report of a check as a file a person keeps or sends: JSON (the `check --json` shape) or one
// self-contained HTML page (inline CSS, no scripts, no external assets; every text escaped).

export interface ExportedReport {
  fileName: string;
  mimeType: string;
  text: string;
}

export function exportReport(report: IntegrityReport, format: ReportFormat): ExportedReport {
  const stamp = report.finishedAt.replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  if (format === 'json') {
    return {
      fileName: `integrity-report-${stamp}.json`,
      mimeType: 'application/json',
      text: reportToJson(report),
    };
  }
  return { fileName: `integrity-report-${stamp}.html`, mimeType: 'text/html', text: reportToHtml(report) };
}

export function reportToJson(report: IntegrityReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const CSS = `
:root { color-scheme: light dark; --fg:#1d2433; --muted:#5b6477; --bg:#ffffff; --line:#d9dee8; --head:#f3f5f9;
  --ok:#1f8a4c; --warning:#b7791f; --error:#c53030; --info:#2b6cb0; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6e9ef; --muted:#a0a8b8; --bg:#161a22; --line:#323a48; --head:#1f2530; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: var(--muted); margin: 0 0 16px; word-break: break-all; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-left: 6px solid var(--c); border-radius: 6px; padding: 10px 16px; min-width: 140px; }
.card b { display: block; font-size: 24px; } .card span { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin-top: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; position: sticky; top: 0; }
td.chat { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; white-space: nowrap; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; background: var(--c); }
.ok { --c: var(--ok); } .warning { --c: var(--warning); } .error { --c: var(--error); } .info { --c: var(--info); }
details { margin-top: 8px; } .ids { font-family: ui-monospace, monospace; font-size: 12px; color: var(--muted); word-break: break-all; }
@media print { body { padding: 0; } th { position: static; } }
`;

function badge(value: string): string {
  return `<span class="badge ${escapeHtml(value)}">${escapeHtml(value)}</span>`;
}

/** A printable page: the summary, the findings per code, a table of every chat with findings, the ok ones listed. */
export function reportToHtml(report: IntegrityReport): string {
  const e = escapeHtml;
  const total = report.chats.length;
  const withFindings = report.chats.filter((c) => c.findings.length > 0);
  const clean = report.chats.filter((c) => c.findings.length === 0);
  const byCode = new Map<FindingCode, number>();
  for (const chat of report.chats)
    for (const f of chat.findings) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
  const single = report.fileKind !== undefined;

  const parts: string[] = [];
  parts.push(
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Integrity report — ${e(report.root)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<h1>Chat Inspector — integrity report</h1>',
    `<p class="meta">${e(single ? 'File' : 'Data root')}: <code>${e(report.root)}</code>${report.fileKind ? ` (${e(report.fileKind)})` : ''}<br>` +
      `Mode: ${e(report.mode)} check · started ${e(report.startedAt)} · finished ${e(report.finishedAt)} · ${total} ${single ? 'file' : total === 1 ? 'chat' : 'chats'} checked</p>`,
    '<section class="cards" aria-label="Summary">',
    ...(['ok', 'warning', 'error'] as const).map(
      (s) => `<div class="card ${s}" data-status="${s}"><b>${report.summary[s]}</b><span>${s}</span></div>`,
    ),
    '</section>',
  );

  if (byCode.size > 0) {
    parts.push(
      '<h2>Findings by kind</h2>',
      '<table><thead><tr><th>Code</th><th>Severity</th><th>Count</th></tr></thead><tbody>',
    );
    const codes = [...byCode.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    for (const [code, count] of codes) {
      parts.push(
        `<tr><td><code>${e(code)}</code></td><td>${badge(SEVERITY_OF[code])}</td><td>${count}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }

  parts.push(`<h2>${single ? 'Findings' : `Chats with findings (${withFindings.length})`}</h2>`);
  if (withFindings.length === 0) {
    parts.push('<p>No findings: every database passed the check.</p>');
  } else {
    parts.push(
      '<table><thead><tr><th>Chat</th><th>Status</th><th>Severity</th><th>Code</th><th>File</th><th>What is wrong and what to do</th></tr></thead><tbody>',
    );
    for (const chat of withFindings) {
      chat.findings.forEach((f, i) => {
        const head =
          i === 0
            ? `<td class="chat" rowspan="${chat.findings.length}" id="chat-${e(chat.chatId)}">${e(chat.chatId)}${chat.tree !== undefined ? ` <small>${e(chat.tree)}</small>` : ''}</td>` +
              `<td rowspan="${chat.findings.length}">${badge(chat.status)}</td>`
            : '';
        parts.push(
          `<tr data-chat="${e(chat.chatId)}">${head}<td>${badge(f.severity)}</td><td><code>${e(f.code)}</code></td>` +
            `<td><code>${e(f.file)}</code></td><td>${e(f.message)}</td></tr>`,
        );
      });
    }
    parts.push('</tbody></table>');
  }

  if (clean.length > 0 && !single) {
    parts.push(
      `<details><summary>${clean.length} ${clean.length === 1 ? 'chat' : 'chats'} without findings</summary>`,
      `<p class="ids">${clean.map((c) => e(c.chatId)).join(', ')}</p></details>`,
    );
  }
  if (report.skipped.length > 0) {
    parts.push(
      `<h2>Not checked (${report.skipped.length})</h2>`,
      '<table><thead><tr><th>Path</th><th>Why</th></tr></thead><tbody>',
      ...report.skipped.map((s) => `<tr><td><code>${e(s.path)}</code></td><td>${e(s.reason)}</td></tr>`),
      '</tbody></table>',
    );
  }
  parts.push('</body>', '</html>', '');
  return parts.join('\n');
}

/** The worst status of a report as the CLI's exit code: 0 all ok, 1 warnings, 2 errors. */
export function exitCodeOf(report: Pick<IntegrityReport, 'summary'>): 0 | 1 | 2 {
  if (report.summary.error > 0) return 2;
  if (report.summary.warning > 0) return 1;
  return 0;
}
