import type { OutputOf } from '../../../shared/contract/index.ts';
import { formatBytes, table } from '../output.ts';
import type { Formatters } from './types.ts';

// Any source named by its locator (a data root, an SQLite file, a postgres:// or mysql:// URL), and the demo
// data: open, conversations, messages, similar, a source's export, demo. Nothing printed holds a password
// (the operations name a server by its masked URL).

const shortTime = (iso: string | null): string => iso?.slice(0, 19).replace('T', ' ') ?? '—';

/** Text from the store on one line: control characters become spaces, long text ends in "…". */
function oneLine(text: string | null, width: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = (text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

type Message = OutputOf<'locator.messages'>['messages'][number];

/** "[sentiment 0.42, joy, intent greet]": what the store knows about a message beyond its text. */
function figuresOf(m: Message): string[] {
  const a = m.analysis;
  const figures = a
    ? [
        a.sentiment !== null && a.sentiment !== undefined ? `sentiment ${a.sentiment.toFixed(2)}` : null,
        a.emotion ? a.emotion : null,
        a.satisfaction !== null && a.satisfaction !== undefined ? `satisfaction ${a.satisfaction}` : null,
        a.tone ? `tone ${a.tone}` : null,
      ].filter((figure) => figure !== null)
    : [];
  // Bot frameworks (main/mapping): Rasa's intent beside a user turn, its other events marked.
  if (typeof m.extra?.intent === 'string') figures.push(`intent ${m.extra.intent}`);
  if (m.extra?.folded === true) figures.push(`event ${String(m.extra.event)}`);
  return figures;
}

export const locatorFormats = {
  'locator.info': {
    human: (info) => {
      console.log(`Source    ${info.source}`);
      console.log(
        `Kind      ${info.kind} (${info.engine})${info.hasConversations ? ' — has conversations' : ''}`,
      );
      if (info.tenants?.length) {
        console.log(`\nTenants (${info.tenants.length})`);
        console.log(
          table(
            ['TENANT', 'NAME', 'PLAN'],
            info.tenants.map((t) => [t.id, t.name, t.plan ?? '—']),
          ),
        );
      }
      console.log('');
      if (info.tables.length === 0) return void console.log('No tables.');
      console.log(
        table(
          ['TABLE', 'TYPE', 'COLUMNS', 'ROWS'],
          info.tables.map((t) => [
            oneLine(t.name, 80),
            t.type,
            String(t.columns),
            t.rows === null ? '—' : `${t.rowsEstimated ? '~' : ''}${t.rows}`,
          ]),
        ),
      );
    },
  },
  'locator.conversations': {
    json: (page) => ({
      source: page.summary.source,
      kind: page.summary.kind,
      conversations: page.conversations.map((c) => ({
        id: c.id,
        title: c.title,
        messages: c.messages,
        lastActivity: c.lastActivity,
      })),
      next: page.next,
    }),
    human: (page) => {
      if (page.conversations.length === 0) console.log('No conversations.');
      else
        console.log(
          table(
            ['ID', 'TITLE', 'MESSAGES', 'LAST ACTIVITY'],
            page.conversations.map((c) => [
              oneLine(c.id, 60),
              oneLine(c.title, 40),
              c.messages === null ? 'could not be read' : String(c.messages),
              shortTime(c.lastActivity),
            ]),
          ),
        );
      if (page.next) console.log(`\nmore: --after ${page.next}`);
    },
  },
  'locator.messages': {
    json: (page) => ({
      messages: page.messages.map((m) => ({
        id: m.id,
        timestamp: m.timestamp,
        role: m.role,
        text: m.text,
        ...(m.extra?.intent !== undefined ? { intent: m.extra.intent } : {}),
        ...(m.extra?.event !== undefined ? { event: m.extra.event } : {}),
      })),
      next: page.older,
    }),
    human: (page) => {
      for (const m of page.messages) {
        const figures = figuresOf(m);
        console.log(
          `${shortTime(m.timestamp)}  ${m.role.padEnd(6)} #${m.id}  ${oneLine(m.text, 160)}${figures.length ? `  [${figures.join(', ')}]` : ''}`,
        );
      }
      if (page.messages.length === 0) console.log('No messages.');
      if (page.older) console.log(`\nolder: --before ${page.older}`);
      if (page.newer) console.log(`newer: --after ${page.newer}`);
    },
  },
  'locator.similar': {
    human: ({ similar }) => {
      if (similar.length === 0) return void console.log('No other message of this tenant has an embedding.');
      console.log(
        table(
          ['DISTANCE', 'MESSAGE', 'CONVERSATION', 'TIME', 'TEXT'],
          similar.map((s) => [
            s.distance.toFixed(4),
            s.messageId,
            oneLine(s.conversationId, 40),
            shortTime(s.timestamp),
            oneLine(s.text, 80),
          ]),
        ),
      );
    },
  },
  'export.source': {
    json: ({ result }) => result,
    human: ({ result }) =>
      console.log(
        `Exported ${result.messages} messages as ${result.format.toUpperCase()}${result.redacted ? ' (redacted)' : ''} to ${result.out} (${formatBytes(result.bytes)})`,
      ),
  },
  'demo.root': {
    human: ({ root }) => {
      console.log(`Demo data root written to ${root}`);
      console.log(`  chats:  ${root}/chats   (healthy chats, one of each damaged kind, stray entries)`);
      console.log(`  legacy: ${root}/legacy  (user_history.db, duiliocode.db, clinic.db)`);
    },
  },
  'demo.postgres': {
    human: (result) => {
      console.log(
        `EvoSense demo data written to ${result.source}: ${result.messages} messages in ${result.tenants.length} tenants`,
      );
      console.log(
        table(
          ['TENANT', 'NAME', 'PLAN', 'MESSAGES'],
          result.tenants.map((t) => [t.id, t.name, t.plan, String(t.messages)]),
        ),
      );
      console.log(`Try: chat-inspector conversations '${result.source}' --tenant ${result.tenants[0]!.id}`);
    },
  },
  'demo.mysql': {
    human: (result) => {
      console.log(
        `Messaging demo written to ${result.source}: ${result.messages.hot} hot, ${result.messages.warm} warm messages; ${result.messages.cold} cold in ${result.archive}`,
      );
      console.log(
        table(
          ['COMPANY', 'NAME', 'CONVERSATIONS', 'MESSAGES'],
          result.companies.map((c) => [c.id, c.name, String(c.conversations), String(c.messages)]),
        ),
      );
      console.log(
        `Try: chat-inspector conversations '${result.source}' --archive ${result.archive} --tenant ${result.companies[0]!.id}`,
      );
    },
  },
} satisfies Formatters;
