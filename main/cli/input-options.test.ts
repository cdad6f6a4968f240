import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PathInput } from '../../shared/contract/primitives.ts';
import {
  addInputArguments,
  addInputOptions,
  checkDerivedInput,
  expectedOf,
  inputFrom,
} from './input-options.ts';

// Options derived from an operation's zod input: what a value must be is said by the schema, once.

const Input = z.object({
  root: PathInput,
  query: z.string().min(1).max(200),
  role: z.enum(['user', 'bot']).optional(),
  limit: z.number().int().min(1).max(100_000).default(1000),
  chatIds: z.array(z.string().regex(/^-?\d{1,20}$/, 'a chat id is a number')).optional(),
  full: z.boolean().default(false),
  thresholds: z.object({ slowMs: z.number().positive().max(600_000).default(100) }).default({ slowMs: 100 }),
  waitSeconds: z.number().min(0).max(3600).meta({ noun: 'a number of seconds' }).default(0),
  chatId: z.string().regex(/^-?\d{1,20}$/, 'a chat id is a number'),
});

function parse(args: string[]): Command {
  const command = new Command('try').exitOverride().configureOutput({ writeErr: () => {} });
  addInputArguments(command, Input, { root: 'data root', query: 'the text' });
  addInputOptions(command, Input, {
    role: {},
    limit: {},
    chatIds: { flag: 'chat' },
    full: {},
    'thresholds.slowMs': {},
    waitSeconds: { flag: 'wait' },
    chatId: { flag: 'the-chat' },
  });
  command.hook('preAction', (_program, action) => checkDerivedInput(action));
  command.action(() => {});
  command.parse(args, { from: 'user' });
  return command;
}

const errorOf = (args: string[]): string => {
  try {
    parse(args);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
};

describe('options derived from a zod input', () => {
  it('hands the operation its input: numbers as numbers, arrays, flags, nested fields', () => {
    const command = parse([
      '/r',
      'hello',
      '--role',
      'bot',
      '--limit',
      '5',
      '--chat',
      '1',
      '2',
      '--full',
      '--slow-ms',
      '2.5',
      '--the-chat',
      '7',
    ]);
    expect(Input.parse(inputFrom(command))).toEqual({
      root: '/r',
      query: 'hello',
      role: 'bot',
      limit: 5,
      chatIds: ['1', '2'],
      full: true,
      thresholds: { slowMs: 2.5 },
      waitSeconds: 0,
      chatId: '7',
    });
  });

  it('leaves absent options to the contract, with defaults shown in the help', () => {
    const command = parse(['/r', 'q', '--the-chat', '1']);
    const input = Input.parse(inputFrom(command));
    expect(input.limit).toBe(1000);
    expect(input.role).toBeUndefined();
    expect(command.helpInformation()).toMatch(/--limit <n>\s+\(default: 1000\)/);
    expect(command.helpInformation()).toMatch(/--role <value>\s+\(user\|bot\)/);
  });

  it('refuses a bad value in one line that says what a good one looks like', () => {
    const base = ['/r', 'q', '--the-chat', '1'];
    expect(errorOf([...base, '--limit', 'abc'])).toBe(
      '--limit: expected a whole number from 1 to 100000, not "abc"',
    );
    expect(errorOf([...base, '--limit', '1.5'])).toMatch(/^--limit: expected a whole number/);
    expect(errorOf([...base, '--role', 'system'])).toBe('--role: expected user, bot, not "system"');
    expect(errorOf([...base, '--chat', '1', 'x'])).toBe(
      '--chat: expected a chat id (the number in chat_<id>), not "x"',
    );
    expect(errorOf([...base, '--slow-ms', '0'])).toBe(
      '--slow-ms: expected a number > 0 and ≤ 600000, not "0"',
    );
    expect(errorOf([...base, '--wait', 'soon'])).toBe(
      '--wait: expected a number of seconds from 0 to 3600, not "soon"',
    );
  });

  it('makes a field the operation requires a mandatory option', () => {
    expect(errorOf(['/r', 'q'])).toMatch(/required option '--the-chat <value>' not specified/);
  });

  it('words the bounds of a number schema', () => {
    expect(expectedOf(z.number().int().min(1))).toBe('a whole number ≥ 1');
    expect(expectedOf(z.number().int().min(0).max(64))).toBe('a whole number from 0 to 64');
    expect(expectedOf(PathInput.optional())).toBe('a path (not empty)');
  });
});
