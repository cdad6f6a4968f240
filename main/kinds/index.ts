import { recogniseFile } from '../adapters/file-kinds.ts';
import { registerMappedKind } from '../mapping/kinds.ts';
import { applyChatMapping } from '../mapping/open.ts';
import { mysqlSourceKind } from '../mysql/source.ts';
import { postgresSourceKind } from '../pg/source.ts';
import { registerSourceKind, registerSourceWrapper } from '../sources/registry.ts';
import { perChatRootSourceKind } from './per-chat-root.ts';
import { registerSqliteFileKinds, sqliteFileSourceKind } from '../sources/sqlite-source.ts';
import { langchainKind } from './langchain.ts';
import { rasaKind } from './rasa.ts';

// The composition root of the store kinds: every kind registers here, once, and nowhere else. The Source
// model (main/sources/) knows none of them; an entry point (the operation table, the CLI, a test that opens
// sources directly) imports this module once. Order matters: URL kinds first, then folders, then files.
// Adding a kind: docs/adding-a-source.md.

registerSourceKind(postgresSourceKind);
registerSourceKind(mysqlSourceKind);
registerSourceKind(perChatRootSourceKind);
registerSourceKind(sqliteFileSourceKind);
// A single SQLite file's own kinds (user_history, DuilioCode, clinic, a chat's file): main/adapters/file-kinds.ts.
registerSqliteFileKinds(recogniseFile);
// After every open: `--map`, the mapped kinds recognised by shape (LangChain, Rasa...), remembered mappings.
registerSourceWrapper(applyChatMapping);

// Mapped kinds: a chat schema recognised by shape in a store of no known kind, read through its mapping on
// any engine. The more specific shape first.
registerMappedKind(rasaKind);
registerMappedKind(langchainKind);
