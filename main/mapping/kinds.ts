import type { ChatMapping } from '../../shared/contract/mapping.ts';
import type { SqlEngine, TableMeta } from '../sources/sql-engine.ts';
import type { MappingExtras } from './mapping.ts';

// A mapped kind: a chat schema recognised by its tables and read through a mapping by the one SQL layer
// (main/mapping/source.ts), on SQLite, PostgreSQL and MySQL alike. A kind is declared, never coded: how to
// recognise it and which table and columns are the conversation, time, role and text. The kinds register
// at the composition root (main/kinds/index.ts); docs/adding-a-source.md walks through adding one.

export interface MappedKindMatch {
  mapping: ChatMapping;
  /** What the plain mapping cannot say: role words, more fields per message, the rows that are turns. */
  extras?: Omit<MappingExtras, 'kind'>;
  /** What decided it (table and columns), for `open` and the tests. */
  signals: string[];
}

export interface MappedKind {
  /** The `kind` its Sources report ('rasa', 'langchain', ...). */
  name: string;
  /** What it is, in a few words a person reads (`open FILE`). */
  label: string;
  /** This kind's match among the store's tables (it may read a few values), or null when it is not this kind. */
  detect(engine: SqlEngine, tables: TableMeta[]): Promise<MappedKindMatch | null>;
}

export interface DetectedMappedKind extends MappedKindMatch {
  kind: string;
  label: string;
  table: string;
}

const kinds: MappedKind[] = [];

/** Registers a mapped kind; earlier registrations are tried first (register the more specific shape first). */
export function registerMappedKind(kind: MappedKind): void {
  if (kinds.some((k) => k.name === kind.name)) return;
  kinds.push(kind);
}

/** The first registered mapped kind whose shape the store has, or null. */
export async function detectMappedKind(
  engine: SqlEngine,
  tables: TableMeta[],
): Promise<DetectedMappedKind | null> {
  for (const kind of kinds) {
    const match = await kind.detect(engine, tables);
    if (match) return { ...match, kind: kind.name, label: kind.label, table: match.mapping.table };
  }
  return null;
}

/** Helpers for a kind's `detect`: a table's columns by lower-case name, and a column's own spelling. */
export const columnsOf = (table: TableMeta): Set<string> =>
  new Set(table.columns.map((c) => c.name.toLowerCase()));
export const columnNamed = (table: TableMeta, lowerName: string): string =>
  table.columns.find((c) => c.name.toLowerCase() === lowerName)?.name ?? lowerName;
