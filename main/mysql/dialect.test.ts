import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { isoFromMysql, mysqlFromIso, requireReadStatement, statementTimeLimitSql } from './client.ts';
import { mysqlError } from './errors.ts';
import { isMysqlUrl, parseMysqlUrl } from './url.ts';

// What needs no server: the dialect's time-limit statement (MySQL is not installable here, so its branch is
// checked as text), the read-only statement guard, the error lines for both servers' codes, and URLs.

describe('MySQL and MariaDB dialects', () => {
  it("sets the statement time limit in each dialect's own variable and unit", () => {
    expect(statementTimeLimitSql('mariadb', 1500)).toBe('SET SESSION max_statement_time = 1.500');
    expect(statementTimeLimitSql('mysql', 1500)).toBe('SET SESSION max_execution_time = 1500');
  });

  it('converts DATETIME text to ISO 8601 and back, in UTC', () => {
    expect(isoFromMysql('2026-10-01 08:30:00.120')).toBe('2026-10-01T08:30:00.120Z');
    expect(isoFromMysql('2026-10-01 08:30:00')).toBe('2026-10-01T08:30:00.000Z');
    expect(mysqlFromIso('2026-10-01T10:30:00.120+02:00')).toBe('2026-10-01 08:30:00.120');
    expect(() => mysqlFromIso('yesterday')).toThrow(AppError);
  });
});

describe('only reading statements reach the server from the SQL console', () => {
  const refused = (sql: string) => {
    try {
      requireReadStatement(sql);
      return 'sent';
    } catch (error) {
      return (error as AppError).code;
    }
  };

  it.each([
    'SELECT 1',
    '  select * from messages where content = "DELETE FROM x";',
    '/* why */ WITH t AS (SELECT 1) SELECT * FROM t',
    'SHOW TABLES',
    'EXPLAIN SELECT * FROM messages',
    'DESCRIBE messages',
    '(SELECT 1) UNION (SELECT 2)',
  ])('sends %s', (sql) => expect(refused(sql)).toBe('sent'));

  it.each([
    'DELETE FROM messages',
    'update messages set content = 1',
    'DROP TABLE conversations',
    'SET SESSION TRANSACTION READ WRITE',
    "SELECT * FROM messages INTO OUTFILE '/tmp/x'",
    'SELECT * INTO DUMPFILE "/tmp/y" FROM messages',
    'WITH gone AS (SELECT id FROM messages) DELETE FROM messages WHERE id IN (SELECT id FROM gone)',
    'CALL ArchiveOldMessages()',
    'LOAD DATA LOCAL INFILE "/etc/passwd" INTO TABLE x',
    '-- comment\nINSERT INTO messages VALUES (1)',
    '',
  ])('refuses %s', (sql) => expect(refused(sql)).toBe('read_only'));
});

describe('errors are one line, for either server', () => {
  const target = parseMysqlUrl('mysql://reader:S3cret-pw@db.example.com:3307/chatbot');
  const line = (error: unknown) => mysqlError(error, target, 1000);

  it('names the cause', () => {
    expect(line({ code: 'ECONNREFUSED' }).message).toBe(
      'cannot reach the MySQL server at db.example.com:3307 (connection refused: is it running, on that port?)',
    );
    expect(line({ code: 'ER_ACCESS_DENIED_ERROR', errno: 1045 }).code).toBe('unauthorized');
    expect(line({ code: 'ER_BAD_DB_ERROR', errno: 1049 }).message).toBe(
      'database "chatbot" does not exist on db.example.com:3307',
    );
    for (const errno of [1969, 3024]) {
      const e = line({ errno, message: 'Query execution was interrupted' });
      expect(e.code).toBe('timeout');
      expect(e.message).toMatch(/1 s statement time limit/);
    }
    expect(
      line({ errno: 1142, sqlMessage: "SELECT command denied to user 'r'@'h' for table `chatbot`.`secret`" })
        .message,
    ).toBe('permission denied for table secret: the user "reader" needs SELECT on it');
    expect(
      line({ errno: 1792, sqlMessage: 'Cannot execute statement in a READ ONLY transaction' }).code,
    ).toBe('read_only');
    expect(line({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }).code).toBe('connection_lost');
  });

  it('never carries the password, nor a line break', () => {
    const e = line(new Error('failed for mysql://reader:S3cret-pw@db.example.com/chatbot\nat somewhere'));
    expect(e.message).not.toContain('S3cret-pw');
    expect(e.message).not.toContain('\n');
  });
});

describe('URLs', () => {
  const saved = process.env.MYSQL_PWD;
  afterEach(() => {
    if (saved === undefined) delete process.env.MYSQL_PWD;
    else process.env.MYSQL_PWD = saved;
  });

  it('mysql:// and mariadb://, masked for display, MYSQL_PWD when the URL has no password', () => {
    expect(isMysqlUrl('mariadb://u@h/db')).toBe(true);
    expect(isMysqlUrl('postgres://u@h/db')).toBe(false);
    const t = parseMysqlUrl('mysql://reader:p%40ss@127.0.0.1/chat?socket=/run/mysqld/mysqld.sock');
    expect(t).toMatchObject({
      host: '127.0.0.1',
      port: 3306,
      database: 'chat',
      user: 'reader',
      password: 'p@ss',
    });
    expect(t.socketPath).toBe('/run/mysqld/mysqld.sock');
    expect(t.display).toBe('mysql://reader:***@127.0.0.1/chat?socket=/run/mysqld/mysqld.sock');
    process.env.MYSQL_PWD = 'from-env';
    expect(parseMysqlUrl('mysql://reader@h/db').password).toBe('from-env');
    expect(() => parseMysqlUrl('mysql://reader@h/')).toThrow(/name the database/);
  });
});
