import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { maskSecrets, redactError, redactSecrets } from '../../shared/secrets.ts';

// Every URL in every message is masked: the userinfo password of any scheme, secret parameters of an
// address and password pairs of key/value connection strings; nothing else of the text changes.

describe('redactSecrets', () => {
  it.each([
    [
      'postgres://user:PASSWORD@127.0.0.1:5432/db: not a place you opened',
      'postgres://user:***@127.0.0.1:5432/db: not a place you opened',
    ],
    [
      '/home/x/postgres:/user:PASSWORD@host/db: no such file or folder',
      '/home/x/postgres:/user:***@host/db: no such file or folder',
    ],
    ['postgres://user:p@ssPASSWORD@host/db?sslmode=require', 'postgres://user:***@host/db?sslmode=require'],
    [
      'postgres://user@host/db?password=PASSWORD&sslmode=require',
      'postgres://user@host/db?password=***&sslmode=require',
    ],
    ['mysql://root:PASSWORD@h:3306/x?sslpassword=PASSWORD#y', 'mysql://root:***@h:3306/x?sslpassword=***#y'],
    ['mariadb://u@h/x?pass=PASSWORD;secret=PASSWORD', 'mariadb://u@h/x?pass=***;secret=***'],
    ['http://127.0.0.1:8080/?token=PASSWORD', 'http://127.0.0.1:8080/?token=***'],
    ['host=h password=PASSWORD dbname=x', 'host=h password=*** dbname=x'],
    ["host=h password='PASS WORD' dbname=x", 'host=h password=*** dbname=x'],
  ])('%s', (text, masked) => {
    expect(redactSecrets(text)).toBe(masked);
    expect(redactSecrets(text)).not.toContain('PASSWORD');
  });

  it('leaves a text without secrets as it is', () => {
    for (const text of ['postgres://host:5432/db is fine', 'a passport=1 b', '/data/chat_5/conversations.db'])
      expect(redactSecrets(text)).toBe(text);
  });

  it('redactError keeps the code and masks the message; anything else becomes internal', () => {
    const masked = redactError(new AppError('forbidden_path', 'postgres://u:PASSWORD@h/db: no'));
    expect(masked.toShape()).toEqual({ code: 'forbidden_path', message: 'postgres://u:***@h/db: no' });
    expect(redactError(new Error('mysql://u:PASSWORD@h/db')).toShape()).toEqual({
      code: 'internal',
      message: 'mysql://u:***@h/db',
    });
  });

  it('maskSecrets keeps an unexpected error unexpected (same object, message and stack masked)', () => {
    const error = new Error('postgres://u:PASSWORD@h/db');
    expect(maskSecrets(error)).toBe(error);
    expect(error.message).toBe('postgres://u:***@h/db');
    expect(error.stack).not.toContain('PASSWORD');
    expect(maskSecrets(new AppError('not_found', 'mysql://u:PASSWORD@h/db'))).toBeInstanceOf(AppError);
  });
});
