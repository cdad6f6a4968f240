// What a SOURCE can be, in the help of every command that takes one: each kind registered in
// main/sources/index.ts, in plain words (help does not load the kinds themselves: pg and mysql2 load lazily).
// main/cli/source-help.test.ts checks that every registered kind is named here and in each such help text.

/** Per registered kind (SourceKind.name): the words that name it in help. */
export const SOURCE_KIND_WORDS: Readonly<Record<string, string>> = {
  root: 'data root folder',
  sqlite: 'SQLite file',
  postgres: 'postgres://',
  mysql: 'mysql://',
};

/** The argument's help where any kind of source is accepted. */
export const ANY_SOURCE_HELP =
  'a data root folder (chat_<id> folders, or the bot folder holding them), any SQLite file ' +
  '(per-chat, user_history.db, duiliocode.db, the clinic fallback, any other), a postgres:// (postgresql://) ' +
  'URL or a mysql:// (mariadb://) URL';

/** Where only a server may be named (`serve --source`). */
export const SERVER_SOURCE_HELP = 'a postgres:// (postgresql://) or mysql:// (mariadb://) URL';
