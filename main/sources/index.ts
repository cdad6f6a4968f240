import { applyChatMapping } from '../mapping/open.ts';
import { mysqlSourceKind } from '../mysql/source.ts';
import { postgresSourceKind } from '../pg/source.ts';
import { registerSourceKind, registerSourceWrapper } from './registry.ts';
import { perChatRootSourceKind } from './root-source.ts';
import { sqliteFileSourceKind } from './sqlite-source.ts';

// Every kind of Source, registered once, URL kinds first. A new engine adds one line here.
registerSourceKind(postgresSourceKind);
registerSourceKind(mysqlSourceKind);
registerSourceKind(perChatRootSourceKind);
registerSourceKind(sqliteFileSourceKind);
registerSourceWrapper(applyChatMapping);

export { displayLocator, openSource, withSource, registeredSourceKinds } from './registry.ts';
export type * from './types.ts';
