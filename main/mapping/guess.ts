import type { ChatMapping, MappingGuessOut } from '../../shared/contract/mapping.ts';
import type { ColumnMeta, SqlEngine, TableMeta } from '../sources/sql-engine.ts';

// The guess a person corrects: which table holds messages and which of its columns are the conversation,
// time, role and text — from names and types, and for JSON columns from a few values (their keys become
// paths such as message.data.content). Bounded work: a handful of rows from the few likeliest tables.

const CONVERSATION_NAMES = [
  'conversation_id',
  'conversationid',
  'conv_id',
  'thread_id',
  'threadid',
  'session_id',
  'sessionid',
  'chat_id',
  'chatid',
  'dialog_id',
  'dialogue_id',
  'sender_id',
  'room_id',
  'ticket_id',
  'channel_id',
  'conversation',
  'session',
  'thread',
  'chat',
  'user_id',
  'userid',
  'client_id',
  'clientid',
  'customer_id',
  'contact_id',
  'phone',
  'phone_number',
];
const TIME_NAMES = [
  'created_at',
  'createdat',
  'timestamp',
  'sent_at',
  'sentat',
  'time',
  'ts',
  'created',
  'date',
  'datetime',
  'inserted_at',
  'message_time',
  'received_at',
  'updated_at',
];
const ROLE_NAMES = [
  'role',
  'sender',
  'sender_type',
  'author',
  'author_role',
  'speaker',
  'from',
  'who',
  'actor',
  'direction',
  'message_type',
  'type',
  'origin',
  'source',
];
const TEXT_NAMES = [
  'text',
  'content',
  'body',
  'message',
  'message_text',
  'msg',
  'content_text',
  'utterance',
  'question',
  'payload',
  'data',
];
/** Inside a JSON value, in order of preference. */
const JSON_TEXT_PATHS = ['data.content', 'content', 'text', 'data.text', 'body', 'message', 'msg'];
const JSON_ROLE_PATHS = ['type', 'role', 'sender', 'data.type', 'data.role', 'author'];
const TABLE_WORDS = /messages?|chat|conversation|history|dialog|transcript|logs?|turns?|events?|store/i;

function rank(names: readonly string[], column: string): number {
  const i = names.indexOf(column.toLowerCase());
  return i < 0 ? -1 : names.length - i;
}

function best(columns: ColumnMeta[], names: readonly string[], skip: Set<string>): ColumnMeta | null {
  let chosen: ColumnMeta | null = null;
  let score = 0;
  for (const c of columns) {
    if (skip.has(c.name)) continue;
    const s = rank(names, c.name);
    if (s > score) {
      score = s;
      chosen = c;
    }
  }
  return chosen;
}

function keysOf(value: unknown, prefix: string, out: Set<string>, depth: number): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > 3) return;
  for (const [k, v] of Object.entries(value)) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(k)) continue;
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string' || typeof v === 'number') out.add(path);
    else keysOf(v, path, out, depth + 1);
  }
}

/** Paths to scalar values seen in a few of a column's values (empty when they are not JSON objects). */
async function jsonPathsOf(engine: SqlEngine, table: TableMeta, column: ColumnMeta): Promise<string[]> {
  if (column.typeClass !== 'json' && column.typeClass !== 'text') return [];
  const d = engine.dialect;
  const q = d.quote(column.name);
  const rows = await engine.rows(
    `SELECT ${column.typeClass === 'json' ? d.castText(q) : q} AS v FROM ${d.quote(table.name)} WHERE ${q} IS NOT NULL LIMIT 8`,
    [],
  );
  const paths = new Set<string>();
  for (const r of rows) {
    const v = r.v;
    if (typeof v === 'object' && v !== null) keysOf(v, '', paths, 0);
    else if (typeof v === 'string' && v.trimStart().startsWith('{')) {
      try {
        keysOf(JSON.parse(v), '', paths, 0);
      } catch {
        // not JSON: no paths
      }
    }
  }
  return [...paths];
}

interface Candidate {
  table: TableMeta;
  score: number;
  mapping: ChatMapping | null;
}

function candidate(table: TableMeta, jsonPaths: Map<string, string[]>): Candidate {
  const used = new Set<string>();
  const conversation = best(table.columns, CONVERSATION_NAMES, used);
  if (conversation) used.add(conversation.name);
  let text: string | null = null;
  let role: string | null = null;
  // A JSON column holding the text (and maybe the role) wins when its values have the right keys.
  for (const c of table.columns) {
    const paths = jsonPaths.get(c.name) ?? [];
    const textPath = JSON_TEXT_PATHS.find((p) => paths.includes(p));
    if (!textPath || used.has(c.name) || rank(TEXT_NAMES, c.name) < 0) continue;
    text = `${c.name}.${textPath}`;
    const rolePath = JSON_ROLE_PATHS.find((p) => paths.includes(p));
    if (rolePath) role = `${c.name}.${rolePath}`;
    used.add(c.name);
    break;
  }
  if (!text) {
    const column = best(
      table.columns.filter(
        (c) => c.typeClass === 'text' || c.typeClass === 'json' || c.typeClass === 'other',
      ),
      TEXT_NAMES,
      used,
    );
    if (column) {
      text = column.name;
      used.add(column.name);
    }
  }
  const time =
    best(table.columns, TIME_NAMES, used) ??
    table.columns.find((c) => c.typeClass === 'time' && !used.has(c.name)) ??
    null;
  if (time) used.add(time.name);
  if (!role) {
    const column = best(table.columns, ROLE_NAMES, used);
    if (column) role = column.name;
  }
  const id =
    table.columns.find((c) => c.primaryKey && c.typeClass === 'integer') ??
    table.columns.find((c) => c.name.toLowerCase() === 'id') ??
    null;
  let score = 0;
  if (conversation) score += 3;
  if (text) score += 3;
  if (time) score += 2;
  if (role) score += 2;
  if (TABLE_WORDS.test(table.name)) score += 1;
  if (!conversation || !text) return { table, score: 0, mapping: null };
  return {
    table,
    score,
    mapping: {
      table: table.name,
      conversation: conversation.name,
      time: time?.name ?? null,
      role,
      text,
      id: id?.name ?? null,
    },
  };
}

/** Every table with its columns (JSON paths read for the likeliest tables) and the best guess. */
export async function guessMapping(
  engine: SqlEngine,
  tables: TableMeta[],
): Promise<{ tables: MappingGuessOut['tables']; guess: ChatMapping | null }> {
  const jsonPaths = new Map<string, Map<string, string[]>>();
  // JSON values are sampled only in tables that could be messages (a conversation-like column, or the name).
  const likely = tables
    .filter((t) => best(t.columns, CONVERSATION_NAMES, new Set()) || TABLE_WORDS.test(t.name))
    .slice(0, 12);
  for (const table of likely) {
    const paths = new Map<string, string[]>();
    for (const column of table.columns) {
      if (rank(TEXT_NAMES, column.name) < 0 && column.typeClass !== 'json') continue;
      try {
        paths.set(column.name, await jsonPathsOf(engine, table, column));
      } catch {
        paths.set(column.name, []);
      }
    }
    jsonPaths.set(table.name, paths);
  }
  const ranked = tables
    .map((t) => candidate(t, jsonPaths.get(t.name) ?? new Map()))
    .filter((c) => c.mapping !== null)
    .sort((a, b) => b.score - a.score || a.table.name.localeCompare(b.table.name));
  return {
    tables: tables.map((t) => ({
      name: t.name,
      columns: t.columns.map((c) => ({
        name: c.name,
        type: c.type,
        typeClass: c.typeClass,
        primaryKey: c.primaryKey,
        jsonPaths: jsonPaths.get(t.name)?.get(c.name) ?? [],
      })),
    })),
    guess: ranked[0]?.mapping ?? null,
  };
}
