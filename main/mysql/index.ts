// MySQL and MariaDB: the Source (seed 003 messaging + the cold archive, generic schemas) and, for other
// readers of a MySQL database (the mapping of any chat-like schema), the read-only connection:
//   const db = await openMysql(url, { statementTimeoutMs });   // read-only session, time limit per dialect
//   const rows = await db.rows('SELECT … WHERE a = ? LIMIT ?', [a, 50]);   // one statement, `?` params
//   for await (const page of db.stream(sql, params, 1000)) …   // streamed, one page in memory
//   await db.close();
export { MysqlConnection, openMysql, requireReadStatement, isoFromMysql, mysqlFromIso } from './client.ts';
export type { MysqlConnectionOptions, MysqlDialect, Row } from './client.ts';
export { mysqlError } from './errors.ts';
export { MysqlSource, mysqlSourceKind } from './source.ts';
export { isMysqlUrl, parseMysqlUrl } from './url.ts';
