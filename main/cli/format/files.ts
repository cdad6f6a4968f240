import type { Formatters } from './types.ts';
import { formatBytes, table } from '../output.ts';

const KIND_LABEL: Record<string, string> = {
  'per-chat': "one chat's file (per-chat layout)",
  user_history: 'unified legacy user_history.db (English-teacher bot)',
  duiliocode: 'DuilioCode assistant database',
  clinic: 'WhatsApp clinic bot database (SQLite fallback)',
  generic: 'SQLite database (no known chatbot schema)',
};

/** Table names come from the file: control characters are shown escaped, never sent to the terminal. */
function printable(name: string): string {
  let out = '';
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

/** A path as the person would type it in a shell (quoted when it holds a space). */
const asTyped = (path: string): string => (/\s/.test(path) ? JSON.stringify(path) : path);

export const filesFormats = {
  'file.open': {
    human: (info) => {
      console.log(`File      ${info.path}`);
      console.log(
        `Kind      ${info.kind} — ${KIND_LABEL[info.kind] ?? info.kind}${info.hasConversations ? ' (has conversations)' : ''}`,
      );
      const framework = info.framework;
      if (framework)
        console.log(
          `Holds     a ${framework.kind === 'langchain' ? 'LangChain chat history' : 'Rasa tracker store'} (table ${framework.table}): chat-inspector conversations ${asTyped(info.path)}`,
        );
      console.log(
        `Size      ${formatBytes(info.sizeBytes)}  journal ${info.journalMode}  page size ${info.pageSize}`,
      );
      console.log('');
      if (info.tables.length === 0) {
        console.log('No tables.');
        return;
      }
      console.log(
        table(
          ['TABLE', 'TYPE', 'COLUMNS', 'ROWS'],
          info.tables.map((t) => [
            printable(t.name),
            t.type,
            String(t.columns.length),
            t.rowCountCapped ? `>${t.rowCount}` : String(t.rowCount),
          ]),
        ),
      );
    },
  },
} satisfies Formatters;
