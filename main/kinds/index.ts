import { applyChatMapping } from '../mapping/open.ts';
import { mysqlSourceKind } from '../mysql/source.ts';
import { postgresSourceKind } from '../pg/source.ts';
import { registerSourceKind, registerSourceWrapper } from '../sources/registry.ts';
import { perChatRootSourceKind } from '../sources/root-source.ts';
import { sqliteFileSourceKind } from '../sources/sqlite-source.ts';

// The composition root of the store kinds: every kind registers here, once, and nowhere else. The Source
// model (main/sources/) knows none of them; an entry point (the operation table, the CLI, a test that opens
// sources directly) imports this module once. Order matters: URL kinds first, then folders, then files.
// Adding a kind: docs/adding-a-source.md.

registerSourceKind(postgresSourceKind);
registerSourceKind(mysqlSourceKind);
registerSourceKind(perChatRootSourceKind);
registerSourceKind(sqliteFileSourceKind);
// After every open: `--map`, the mapped kinds recognised by shape (LangChain, Rasa...), remembered mappings.
registerSourceWrapper(applyChatMapping);
