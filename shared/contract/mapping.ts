import { z } from 'zod';
import { query } from './define.ts';
import { PathInput, SourceId, pageLimit } from './primitives.ts';
import { SourceMessageOut, SourceRef } from './sources.ts';

// Any chat-like schema as conversations: which table holds the messages and which columns (or paths into a
// JSON column, `message.data.content`) are the conversation, time, role and text. Chat Inspector guesses,
// the person corrects, and the mapping is remembered per source in Chat Inspector's own folder — an app
// setting like the recent list, never written into the data (so `writes` stays false).

const FieldPath = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .regex(/^[^\s,=]+$/, 'a column name, or column.path.into.json (no spaces, commas or =)');

export const ChatMapping = z.object({
  table: z.string().trim().min(1).max(200),
  conversation: FieldPath,
  /** Orders the thread; without it, the id (or SQLite's rowid) does. */
  time: FieldPath.nullable().optional(),
  /** Mapped to user/bot/system (human/user/customer → user; ai/bot/assistant/agent → bot). */
  role: FieldPath.nullable().optional(),
  text: FieldPath,
  /** A unique, ordered key: the integer primary key by default (SQLite: rowid). */
  id: FieldPath.nullable().optional(),
});
export type ChatMapping = z.infer<typeof ChatMapping>;

export const MappingColumn = z.object({
  name: z.string(),
  type: z.string(),
  typeClass: z.enum(['integer', 'number', 'text', 'json', 'time', 'other']),
  primaryKey: z.boolean(),
  /** Paths seen inside a JSON column's values (e.g. data.content), for the path field. */
  jsonPaths: z.array(z.string()),
});

export const MappingGuessOut = z.object({
  /** The recognised kind: 'langchain', 'rasa', 'mapped' (a mapping is in use) or the source's own. */
  kind: z.string(),
  tables: z.array(z.object({ name: z.string(), columns: z.array(MappingColumn) })),
  /** Chat Inspector's best guess; null when no table looks like messages. */
  guess: ChatMapping.nullable(),
  /** The mapping remembered for this source, if any. */
  saved: ChatMapping.nullable(),
});
export type MappingGuessOut = z.infer<typeof MappingGuessOut>;

export const mappingOperations = {
  // Runs on main: it adds the file to the session's registry (this process's memory); the file is opened
  // in a worker (main/api/steps.ts), which gives back its kind.
  'sources.openFile': query(
    'An SQLite file already opened in the app, as a source: LangChain, Rasa and mapped tables read as conversations.',
    z.object({ path: PathInput }),
    SourceRef,
    { runs: 'main' },
  ),
  'sources.mapping.guess': query(
    "A source's tables and columns, and which table and columns look like conversations (a guess to correct).",
    z.object({ id: SourceId }),
    MappingGuessOut,
  ),
  'sources.mapping.preview': query(
    'The first messages a mapping gives (nothing remembered); a table or column that does not exist is refused.',
    z.object({ id: SourceId, mapping: ChatMapping, limit: pageLimit(50, 10) }),
    z.object({ conversationId: z.string().nullable(), messages: z.array(SourceMessageOut) }),
  ),
  // Runs on main: it changes the source's options in the session's registry (this process's memory); the
  // check, the saved file and the reopening run in a worker (main/api/steps.ts).
  'sources.mapping.save': query(
    "Use a mapping for this source and remember it in Chat Inspector's own folder (null forgets it).",
    z.object({ id: SourceId, mapping: ChatMapping.nullable() }),
    z.object({ kind: z.string(), hasConversations: z.boolean() }),
    { runs: 'main' },
  ),
};
