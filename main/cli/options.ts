import type { Command } from 'commander';
import { z } from 'zod';
import { PathInput } from '../../shared/contract/primitives.ts';
import { AppError } from '../../shared/errors.ts';
import { checkDerivedInput, isDerivedOption } from './input-options.ts';

// Every option and argument of every command is checked here, before any command runs: a bad value is one
// error line and exit 2, and nothing is opened or written (no 0-byte FILE.partial, no hanging pool). One
// mechanism: an option is either derived from its operation's zod input (addInputOptions) or a CLI knob
// declared with its own zod schema beside the command that owns it (addCliOption); both are checked by
// their schema (input-options.ts). The knobs several commands share are declared below.

/** `--workers N`: threads for the per-chat fan-out (0 = this thread). */
export const WorkersOption = z.number().int().min(0).max(64);

/** A file or folder the command writes or reads besides its operation's input (`--html`, `--out-dir`). */
export const PathOption = PathInput;

/** `--max-total`, `--max-file`: an archive's refusal limits, as a size. */
export const SizeOption = z
  .string()
  .regex(/^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i)
  .meta({ expected: 'a size such as 500M, 2G or 20G' });

/**
 * Checks the options and arguments `command` was given (a commander `preAction` hook): every value with a
 * schema must satisfy it, and no argument may be an empty string (`scan ""` would otherwise mean the
 * current folder).
 */
export function validateCommandInput(command: Command): void {
  const values = command.opts<Record<string, unknown>>();
  for (const option of command.options) {
    const long = option.long;
    if (!long) continue;
    const value = values[option.attributeName()];
    if (value === undefined || typeof value === 'boolean') continue;
    // An option with a schema (derived, or a knob's own) is checked by it (input-options.ts).
    if (isDerivedOption(command, option.attributeName())) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string' && item.trim() === '')
        throw new AppError('invalid_input', `${long}: must not be empty`);
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
