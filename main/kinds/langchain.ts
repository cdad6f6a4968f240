import type { MessageRole } from '../../shared/domain.ts';
import { columnNamed, columnsOf, type MappedKind } from '../mapping/kinds.ts';
import { defaultRoleOf } from '../mapping/mapping.ts';

// LangChain's SQLChatMessageHistory: message_store(id, session_id, message), `message` being JSON such as
// {"type": "human", "data": {"content": "…"}}; no time column: a thread is ordered by id. Recognised by
// shape (a renamed table still counts) and by a few `message` values, on any engine.

function looksLikeLangChainMessage(value: unknown): boolean {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return false;
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  const m = parsed as { type?: unknown; data?: unknown };
  return typeof m.type === 'string' && typeof m.data === 'object' && m.data !== null;
}

/** LangChain's message types (HumanMessage.type is "human", AIMessage "ai", ...). */
function langchainRole(raw: string | null): MessageRole {
  const word = raw?.toLowerCase() ?? null;
  if (word === 'human') return 'user';
  if (word === 'ai') return 'bot';
  return defaultRoleOf(raw);
}

export const langchainKind: MappedKind = {
  name: 'langchain',
  label: 'LangChain chat history',
  async detect(engine, tables) {
    const d = engine.dialect;
    const candidates = tables
      .filter((t) => ['session_id', 'message'].every((c) => columnsOf(t).has(c)))
      .sort(
        (a, b) =>
          Number(b.name.toLowerCase() === 'message_store') - Number(a.name.toLowerCase() === 'message_store'),
      );
    for (const table of candidates) {
      const message = columnNamed(table, 'message');
      const sample = await engine.rows(
        `SELECT ${d.quote(message)} AS m FROM ${d.quote(table.name)} WHERE ${d.quote(message)} IS NOT NULL LIMIT 5`,
        [],
      );
      if (sample.length === 0 || !sample.every((r) => looksLikeLangChainMessage(r.m))) continue;
      return {
        mapping: {
          table: table.name,
          conversation: columnNamed(table, 'session_id'),
          time: null,
          role: `${message}.type`,
          text: `${message}.data.content`,
          id: columnsOf(table).has('id') ? columnNamed(table, 'id') : null,
        },
        extras: { roleOf: langchainRole },
        signals: [`${table.name}(session_id, message JSON {type, data.content})`],
      };
    }
    return null;
  },
};
