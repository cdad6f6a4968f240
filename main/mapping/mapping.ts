import type { ChatMapping } from '../../shared/contract/mapping.ts';
import type { MessageRole } from '../../shared/domain.ts';
import { AppError } from '../../shared/errors.ts';
import type { SourceMessage } from '../sources/types.ts';
import {
  requirePathSegment,
  type ColumnMeta,
  type SqlEngine,
  type TableMeta,
} from '../sources/sql-engine.ts';

// A mapping checked against the schema: each field a column, or a column plus a path into its JSON. The
// frameworks Chat Inspector knows by name (LangChain, Rasa) are mappings too, with a few extras of their own.

export interface FieldRef {
  column: string;
  /** Keys into the column's JSON; empty for the column itself. */
  path: string[];
}

/** How a time column's values are spelled: compared and printed accordingly. */
export type TimeMode = 'native' | 'epoch-s' | 'epoch-ms' | 'text';

export interface ResolvedMapping {
  kind: string;
  table: string;
  /** The unique order key; null = SQLite's rowid. */
  id: string | null;
  conversation: FieldRef;
  conversationClass: ColumnMeta['typeClass'];
  time: FieldRef | null;
  timeMode: TimeMode;
  /** For text times: a sample value, whose spelling (separator, fraction, zone) a jump target copies. */
  timeSample: string | null;
  role: FieldRef | null;
  text: FieldRef;
  /** More fields read with each message, by the name they get in `extra`. */
  extras: Record<string, FieldRef>;
  roleOf(raw: string | null): MessageRole;
  /** Framework-specific touches on a message built from its row (Rasa: intent, folded events). */
  finish?(message: SourceMessage, extras: Record<string, unknown>): void;
  /**
   * The role column's values that are messages (Rasa: `user` and `bot` events): a conversation's message
   * count counts only those, and its other rows are counted apart as `events`. Absent: every row is one.
   */
  turnRoles?: readonly string[];
  /** The mapping as a person would write it (shown by `open`, remembered). */
  spec: ChatMapping;
}

const USER_ROLES = new Set([
  'human',
  'user',
  'customer',
  'client',
  'cliente',
  'usuario',
  'usuário',
  'patient',
  'paciente',
  'visitor',
  'contact',
  'lead',
  'inbound',
  'incoming',
  'in',
  'me',
]);
const BOT_ROLES = new Set([
  'ai',
  'bot',
  'assistant',
  'agent',
  'model',
  'aimessage',
  'aimessagechunk',
  'outbound',
  'outgoing',
  'out',
  'atendente',
  'assistente',
  'operator',
  'support',
  'staff',
]);

/** Human/user/customer/client → user; ai/bot/assistant/agent → bot; anything else (system, tool...) → system. */
export function defaultRoleOf(raw: string | null): MessageRole {
  if (raw === null) return 'system';
  const word = raw.trim().toLowerCase();
  if (USER_ROLES.has(word) || word === 'humanmessage') return 'user';
  if (BOT_ROLES.has(word)) return 'bot';
  return 'system';
}

function tableNamed(tables: TableMeta[], name: string): TableMeta {
  const table =
    tables.find((t) => t.name === name) ?? tables.find((t) => t.name.toLowerCase() === name.toLowerCase());
  if (!table) {
    const names = tables.map((t) => t.name);
    throw new AppError(
      'invalid_input',
      `--map: no table ${JSON.stringify(name)} in this source (tables: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''})`,
    );
  }
  return table;
}

function columnNamed(table: TableMeta, name: string): ColumnMeta | undefined {
  return (
    table.columns.find((c) => c.name === name) ??
    table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase())
  );
}

/** `col` or `col.path.in.json`: a column whose own name has dots wins over a path. */
export function resolveField(table: TableMeta, field: string, what: string): FieldRef {
  const whole = columnNamed(table, field);
  if (whole) return { column: whole.name, path: [] };
  const parts = field.split('.');
  for (let cut = parts.length - 1; cut >= 1; cut--) {
    const column = columnNamed(table, parts.slice(0, cut).join('.'));
    if (column) return { column: column.name, path: parts.slice(cut).map(requirePathSegment) };
  }
  throw new AppError(
    'invalid_input',
    `--map ${what}=${field}: table ${table.name} has no column ${JSON.stringify(parts[0])} (columns: ${table.columns.map((c) => c.name).join(', ')})`,
  );
}

export const fieldText = (ref: FieldRef): string => [ref.column, ...ref.path].join('.');

function classOf(table: TableMeta, ref: FieldRef): ColumnMeta['typeClass'] {
  if (ref.path.length > 0) return 'text';
  return columnNamed(table, ref.column)?.typeClass ?? 'other';
}

/** Reads a few values of the time field to tell epoch seconds, epoch milliseconds and text apart. */
async function timeModeOf(
  engine: SqlEngine,
  table: TableMeta,
  ref: FieldRef,
): Promise<{ mode: TimeMode; sample: string | null }> {
  const cls = classOf(table, ref);
  if (cls === 'time' && engine.dialect.name !== 'sqlite') return { mode: 'native', sample: null };
  const d = engine.dialect;
  const expr = ref.path.length ? d.jsonText(d.quote(ref.column), ref.path) : d.quote(ref.column);
  const rows = await engine.rows(
    `SELECT ${expr} AS v FROM ${d.quote(table.name)} WHERE ${expr} IS NOT NULL LIMIT 5`,
    [],
  );
  const value = rows[0]?.v;
  if (value instanceof Date) return { mode: 'native', sample: null };
  const numeric =
    typeof value === 'number' || typeof value === 'bigint' || /^\d+(\.\d+)?$/.test(String(value));
  if (value !== undefined && value !== null && numeric) {
    return { mode: Number(value) > 1e11 ? 'epoch-ms' : 'epoch-s', sample: null };
  }
  return { mode: 'text', sample: value === undefined || value === null ? null : String(value) };
}

export interface MappingExtras {
  kind?: string;
  extras?: Record<string, string>;
  roleOf?: (raw: string | null) => MessageRole;
  finish?: ResolvedMapping['finish'];
  turnRoles?: readonly string[];
}

/** Checks a mapping against the schema: unknown tables and columns are one clear error each. */
export async function resolveMapping(
  engine: SqlEngine,
  tables: TableMeta[],
  spec: ChatMapping,
  framework: MappingExtras = {},
): Promise<ResolvedMapping> {
  const table = tableNamed(tables, spec.table);
  const conversation = resolveField(table, spec.conversation, 'conversation');
  const text = resolveField(table, spec.text, 'text');
  const role = spec.role ? resolveField(table, spec.role, 'role') : null;
  const time = spec.time ? resolveField(table, spec.time, 'time') : null;
  let id: string | null;
  if (spec.id) {
    const ref = resolveField(table, spec.id, 'id');
    if (ref.path.length > 0)
      throw new AppError('invalid_input', `--map id=${spec.id}: the id must be a column, not a JSON path`);
    id = ref.column;
  } else {
    const key =
      table.columns.find((c) => c.primaryKey && c.typeClass === 'integer') ??
      table.columns.find((c) => c.name.toLowerCase() === 'id') ??
      table.columns.find((c) => c.primaryKey);
    if (key) id = key.name;
    else if (engine.dialect.name === 'sqlite' && table.rowid) id = null;
    else
      throw new AppError(
        'invalid_input',
        `--map: table ${table.name} has no primary key; name a unique column with id=COLUMN`,
      );
  }
  const extras: Record<string, FieldRef> = {};
  for (const [name, field] of Object.entries(framework.extras ?? {}))
    extras[name] = resolveField(table, field, name);
  const timing = time ? await timeModeOf(engine, table, time) : { mode: 'text' as const, sample: null };
  return {
    kind: framework.kind ?? 'mapped',
    table: table.name,
    id,
    conversation,
    conversationClass: classOf(table, conversation),
    time,
    timeMode: timing.mode,
    timeSample: timing.sample,
    role,
    text,
    extras,
    roleOf: framework.roleOf ?? defaultRoleOf,
    finish: framework.finish,
    ...(framework.turnRoles && role ? { turnRoles: framework.turnRoles } : {}),
    spec: {
      table: table.name,
      conversation: fieldText(conversation),
      time: time ? fieldText(time) : null,
      role: role ? fieldText(role) : null,
      text: fieldText(text),
      id,
    },
  };
}
