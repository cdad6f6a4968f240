import type { Command } from 'commander';
import { z } from 'zod';
import { ExportFormat } from '../../shared/contract/backup.ts';
import { ChatId, PathInput } from '../../shared/contract/primitives.ts';
import { AppError } from '../../shared/errors.ts';
import { checkDerivedInput, isDerivedOption } from './input-options.ts';

// Every option and argument of every command is checked here, before any command runs: a bad value is one
// error line and exit 2, and nothing is opened or written (no 0-byte FILE.partial, no hanging pool).
// Options derived from an operation's input (input-options.ts) are checked by the contract's schema; the
// rules below are for the CLI-only knobs (workers, port...) and the commands that do not run through the
// contract yet (scan, show, demo, open, conversations, messages, similar, serve) and the options of the
// writing commands that are the CLI's own words (--wait, --keep, --days, --max-*, export's --chat and
// --format, shared with the Sources' export): each rule goes once its last command derives the option.

interface ValueRule {
  /** What a valid value looks like, for the error line: "a whole number from 0 to 64". */
  expected: string;
  /** Checks the value once it is read: a number for numeric rules, the string otherwise. */
  schema: z.ZodType;
  /** The text must first read as a plain decimal number. */
  numeric?: boolean;
}

function wholeNumber(min: number, max?: number): ValueRule {
  return {
    expected: max === undefined ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`,
    schema: z
      .number()
      .int()
      .min(min)
      .max(max ?? Number.MAX_SAFE_INTEGER),
    numeric: true,
  };
}

function decimal(min: number, max: number, expected: string): ValueRule {
  return { expected, schema: z.number().min(min).max(max), numeric: true };
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i;

const PATH_RULE: ValueRule = { expected: 'a path (not empty)', schema: PathInput };

/** By option, and by `command --option` where one command means something else by the same name. */
const OPTION_RULES: Record<string, ValueRule> = {
  '--workers': wholeNumber(0, 64),
  '--port': wholeNumber(0, 65535),
  '--limit': wholeNumber(1),
  '--keep': wholeNumber(1),
  '--days': wholeNumber(1),
  '--inactive-days': wholeNumber(1),
  '--slow-ms': decimal(0, Number.MAX_SAFE_INTEGER, 'a number of milliseconds ≥ 0'),
  '--db-max-mb': decimal(Number.MIN_VALUE, Number.MAX_SAFE_INTEGER, 'a number of megabytes > 0'),
  '--min-free-percent': decimal(0, 100, 'a percentage from 0 to 100'),
  '--wait': decimal(0, 86_400, 'a number of seconds from 0 to 86400'),
  '--chat': { expected: 'a chat id (the number in chat_<id>)', schema: ChatId },
  '--max-total': { expected: 'a size such as 500M, 2G or 20G', schema: z.string().regex(SIZE) },
  '--max-file': { expected: 'a size such as 500M, 2G or 20G', schema: z.string().regex(SIZE) },
  '--out': PATH_RULE,
  '--out-dir': PATH_RULE,
  '--html': PATH_RULE,
  '--archive': PATH_RULE,
  // A database source's conversation ids are not chat numbers (EvoSense: a WhatsApp chat id); a data root
  // still checks its chat ids when it exports.
  'export --chat': { expected: 'a conversation id (not empty)', schema: z.string().trim().min(1).max(512) },
  'export --format': { expected: ExportFormat.options.join(', '), schema: ExportFormat },
};

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** Throws the one-line error for `name` (an option or an argument) when `value` breaks `rule`. */
function checkValue(name: string, value: string, rule: ValueRule): void {
  const text = value.trim();
  const candidate = rule.numeric ? (NUMBER_TEXT.test(text) ? Number(text) : Number.NaN) : value;
  if (rule.schema.safeParse(candidate).success) return;
  throw new AppError('invalid_input', `${name}: expected ${rule.expected}, not ${JSON.stringify(value)}`);
}

/** The rule for one option of `command`, if any. */
export function ruleFor(command: string, option: string): ValueRule | undefined {
  return OPTION_RULES[`${command} ${option}`] ?? OPTION_RULES[option];
}

/**
 * Checks the options and arguments `command` was given (a commander `preAction` hook): every value with a
 * rule must satisfy it, and no argument may be an empty string (`scan ""` would otherwise mean the
 * current folder).
 */
export function validateCommandInput(command: Command): void {
  const values = command.opts<Record<string, unknown>>();
  for (const option of command.options) {
    const long = option.long;
    if (!long) continue;
    const value = values[option.attributeName()];
    if (value === undefined || typeof value === 'boolean') continue;
    // An option derived from an operation's input is checked by the contract's schema (input-options.ts).
    if (isDerivedOption(command, option.attributeName())) continue;
    const rule = ruleFor(command.name(), long);
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') continue;
      if (rule) checkValue(long, item, rule);
      else if (item.trim() === '') throw new AppError('invalid_input', `${long}: must not be empty`);
    }
  }
  command.registeredArguments.forEach((argument, index) => {
    const value: unknown = command.processedArgs[index];
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string' && item.trim() === '') {
        throw new AppError('invalid_input', `<${argument.name()}>: must not be empty`);
      }
    }
  });
  checkDerivedInput(command);
}

/** Installs the check on every command of `program` (present and future). */
export function validateAllCommands(program: Command): void {
  program.hook('preAction', (_program, actionCommand) => validateCommandInput(actionCommand));
}
