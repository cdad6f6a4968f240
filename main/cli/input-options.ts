import { Option, type Command } from 'commander';
import { z } from 'zod';
import { ChatId, PathInput } from '../../shared/contract/primitives.ts';
import { AppError } from '../../shared/errors.ts';

// A command's options and arguments derived from its operation's zod input: the contract says what a value
// must be (a whole number from 1 to 100000, one of user|bot, a path), so the CLI neither repeats the rule
// nor words it differently. Values are checked before the command runs (a commander `preAction` hook): one
// error line, exit 2, nothing opened or written.

/** How one input field appears on the command line. */
export interface FieldUse {
  /** The long flag without dashes (default: the field's name in kebab-case). */
  flag?: string;
  /** The value's placeholder in the help (default: `value`, `n` for numbers). */
  placeholder?: string;
  /** Help text when the schema carries none (`.describe()` / `.meta({ description })`). */
  help?: string;
}

interface DerivedField {
  field: string;
  schema: z.ZodType;
  /** `--limit`, or `<query>` for an argument. */
  label: string;
}

/** What the derived options of each command stand for, by commander attribute name. */
const derivedOptions = new WeakMap<Command, Map<string, DerivedField>>();
/** The derived arguments of each command, by position. */
const derivedArguments = new WeakMap<Command, Map<number, DerivedField>>();

/**
 * A string schema's rule (lengths and patterns), so that the same rule declared in two places of the
 * contract is recognised as one.
 */
function ruleOf(schema: z.ZodType): string | null {
  if (!(schema instanceof z.ZodString)) return null;
  const patterns = (schema.def.checks ?? [])
    .map((check) => (check._zod.def as { pattern?: RegExp }).pattern?.source)
    .filter((source) => source !== undefined);
  return JSON.stringify([schema.minLength, schema.maxLength, patterns]);
}

/** Values whose wording a person knows better than the schema's message, by rule. */
const KNOWN_VALUES = new Map<string | null, string>([
  [ruleOf(PathInput), 'a path (not empty)'],
  [ruleOf(ChatId), 'a chat id (the number in chat_<id>)'],
]);
KNOWN_VALUES.delete(null);

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The schema under `.optional()`, `.default()` and `.nullable()`, and its default if it has one. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; defaultValue?: unknown } {
  let inner = schema;
  let defaultValue: unknown;
  for (;;) {
    if (inner instanceof z.ZodDefault) {
      defaultValue = inner.def.defaultValue;
      inner = inner.def.innerType as z.ZodType;
    } else if (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) {
      inner = inner.def.innerType as z.ZodType;
    } else return { inner, defaultValue };
  }
}

function descriptionOf(schema: z.ZodType): string | undefined {
  return schema.description ?? unwrap(schema).inner.description;
}

/** "a whole number from 1 to 100000", "user, bot", "a path (not empty)": what a valid value looks like. */
export function expectedOf(schema: z.ZodType): string | undefined {
  const { inner } = unwrap(schema);
  // `.meta({ expected: 'a size such as 500M, 2G or 20G' })`: a rule no schema check words well.
  const said = (inner.meta() as { expected?: unknown } | undefined)?.expected;
  if (typeof said === 'string') return said;
  const known = KNOWN_VALUES.get(ruleOf(inner));
  if (known) return known;
  if (inner instanceof z.ZodEnum) return (inner.options as string[]).join(', ');
  if (inner instanceof z.ZodNumber) return numberRule(inner);
  return undefined;
}

/** "a whole number from 1 to 100000", "a number > 0 and ≤ 600000": a number schema's bounds in words. */
function numberRule(schema: z.ZodNumber): string {
  // `.meta({ noun: 'a number of seconds' })` names what the number counts.
  const noun = (schema.meta() as { noun?: unknown } | undefined)?.noun;
  const what = typeof noun === 'string' ? noun : schema.isInt ? 'a whole number' : 'a number';
  let low: { value: number; inclusive: boolean } | null = null;
  let high: { value: number; inclusive: boolean } | null = null;
  for (const check of schema.def.checks ?? []) {
    const def = check._zod.def as { check: string; value?: unknown; inclusive?: boolean };
    if (typeof def.value !== 'number' || Math.abs(def.value) >= Number.MAX_SAFE_INTEGER) continue;
    const bound = { value: def.value, inclusive: def.inclusive !== false };
    if (def.check === 'greater_than' && (!low || bound.value >= low.value)) low = bound;
    if (def.check === 'less_than' && (!high || bound.value <= high.value)) high = bound;
  }
  if (low?.inclusive && high?.inclusive) return `${what} from ${low.value} to ${high.value}`;
  const parts = [
    low ? `${low.inclusive ? '≥' : '>'} ${low.value}` : null,
    high ? `${high.inclusive ? '≤' : '<'} ${high.value}` : null,
  ].filter((part) => part !== null);
  return parts.length > 0 ? `${what} ${parts.join(' and ')}` : what;
}

function isNumeric(schema: z.ZodType): boolean {
  return unwrap(schema).inner instanceof z.ZodNumber;
}

/** The value a field's schema is given for the text typed: a number only when the text is one. */
function valueOf(schema: z.ZodType, text: string): unknown {
  if (!isNumeric(schema)) return text;
  const trimmed = text.trim();
  return NUMBER_TEXT.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** Throws the one-line error when `text` is not a value `derived.schema` accepts. */
function check(derived: DerivedField, text: string): void {
  const parsed = derived.schema.safeParse(valueOf(derived.schema, text));
  if (parsed.success) return;
  const expected = expectedOf(derived.schema);
  if (expected) {
    throw new AppError(
      'invalid_input',
      `${derived.label}: expected ${expected}, not ${JSON.stringify(text)}`,
    );
  }
  if (text.trim() === '') throw new AppError('invalid_input', `${derived.label}: must not be empty`);
  const issue = parsed.error.issues[0];
  throw new AppError(
    'invalid_input',
    `${derived.label}: ${issue?.message ?? 'not a valid value'}, not ${JSON.stringify(text)}`,
  );
}

/** What one value typed for the field must satisfy: an array's element for an option taking several. */
function itemSchema(schema: z.ZodType): z.ZodType {
  const { inner } = unwrap(schema);
  return inner instanceof z.ZodArray ? (inner.element as z.ZodType) : schema;
}

/** The schema of one field of an operation's input object; `thresholds.slowMs` for a nested one. */
function fieldOf(input: z.ZodType, field: string): z.ZodType {
  let schema: z.ZodType | undefined = input;
  for (const key of field.split('.')) {
    const object: z.ZodType | undefined = schema ? unwrap(schema).inner : undefined;
    const shape: Record<string, z.ZodType> | undefined =
      object instanceof z.ZodObject ? (object.shape as Record<string, z.ZodType>) : undefined;
    schema = shape?.[key];
  }
  if (!schema) throw new Error(`the input has no field ${field}`);
  return schema;
}

/** Sets `input[field]`, `thresholds.slowMs` under `input.thresholds`. */
function setField(input: Record<string, unknown>, field: string, value: unknown): void {
  const keys = field.split('.');
  let at = input;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]!] = value;
}

/**
 * Adds `<field>` arguments and `--field` options for the named fields of `input` (an operation's zod
 * input object): enums list their choices, defaults show in the help, booleans are flags, arrays take
 * several values. The CLI-only knobs (`--json`, `--workers`) are the command's own options.
 */
export function addInputArguments(
  command: Command,
  input: z.ZodType,
  fields: Record<string, string>,
): Command {
  const derived = derivedArguments.get(command) ?? new Map<number, DerivedField>();
  derivedArguments.set(command, derived);
  for (const [field, help] of Object.entries(fields)) {
    const schema = fieldOf(input, field);
    const required = !(schema instanceof z.ZodOptional || schema instanceof z.ZodDefault);
    const name = required ? `<${field}>` : `[${field}]`;
    derived.set(command.registeredArguments.length, { field, schema, label: `<${field}>` });
    command.argument(name, descriptionOf(schema) ?? help);
  }
  return command;
}

export function addInputOptions(
  command: Command,
  input: z.ZodType,
  fields: Record<string, FieldUse>,
): Command {
  const derived = derivedOptions.get(command) ?? new Map<string, DerivedField>();
  derivedOptions.set(command, derived);
  for (const [field, use] of Object.entries(fields)) {
    const schema = fieldOf(input, field);
    const { inner, defaultValue } = unwrap(schema);
    const flag = use.flag ?? kebab(field.split('.').pop()!);
    let help = descriptionOf(schema) ?? use.help ?? '';
    let option: Option;
    if (inner instanceof z.ZodBoolean) {
      option = new Option(`--${flag}`, help);
    } else {
      const placeholder = use.placeholder ?? (inner instanceof z.ZodNumber ? 'n' : 'value');
      const many = inner instanceof z.ZodArray;
      if (inner instanceof z.ZodEnum) help = `${help} (${(inner.options as string[]).join('|')})`;
      option = new Option(`--${flag} <${placeholder}${many ? '...' : ''}>`, help);
      if (defaultValue !== undefined) option.default(defaultValue);
      // A field the operation cannot do without is an option the command cannot do without.
      else if (!(schema instanceof z.ZodOptional)) option.makeOptionMandatory();
    }
    command.addOption(option);
    derived.set(option.attributeName(), { field, schema: itemSchema(schema), label: `--${flag}` });
  }
  return command;
}

/** The schemas of the CLI's own knobs (`--workers`, `--port`...), by their commander Option. */
const knobSchemas = new WeakMap<Option, z.ZodType>();

/**
 * A CLI-only option (`--workers`, `--port`...), declared with its zod schema beside the command that owns
 * it (`.addOption(cliOption(...))`): checked before the command runs exactly as the options derived from an
 * operation's input are (one error line, exit 2), but not part of any operation's input.
 */
export function cliOption(
  flags: string,
  help: string,
  schema: z.ZodType,
  options: { required?: boolean } = {},
): Option {
  const option = new Option(flags, help);
  if (options.required) option.makeOptionMandatory();
  knobSchemas.set(option, schema);
  return option;
}

/** The CLI knobs of `command` with their schemas, by commander attribute name. */
function knobsOf(command: Command): [string, DerivedField][] {
  return command.options.flatMap((option): [string, DerivedField][] => {
    const schema = knobSchemas.get(option);
    return schema && option.long
      ? [[option.attributeName(), { field: option.attributeName(), schema, label: option.long }]]
      : [];
  });
}

/** True when `--flag` of `command` has a schema (derived from an operation's input, or a CLI knob's own). */
export function isDerivedOption(command: Command, attributeName: string): boolean {
  return (
    (derivedOptions.get(command)?.has(attributeName) ?? false) ||
    knobsOf(command).some(([attribute]) => attribute === attributeName)
  );
}

/** Checks the derived options and arguments `command` was given (see validateCommandInput). */
export function checkDerivedInput(command: Command): void {
  const values = command.opts<Record<string, unknown>>();
  for (const [attribute, derived] of [...(derivedOptions.get(command) ?? []), ...knobsOf(command)]) {
    const value = values[attribute];
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string') check(derived, item);
    }
  }
  for (const [index, derived] of derivedArguments.get(command) ?? []) {
    const value: unknown = command.processedArgs[index];
    if (typeof value === 'string' && value.trim() !== '') check(derived, value);
  }
}

/**
 * The operation input the command line gives: each derived option and argument under its field's name,
 * numbers as numbers; absent ones are left out, for the contract's defaults.
 */
export function inputFrom(command: Command): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const values = command.opts<Record<string, unknown>>();
  for (const [attribute, derived] of derivedOptions.get(command) ?? []) {
    const value = values[attribute];
    if (value === undefined) continue;
    setField(
      input,
      derived.field,
      Array.isArray(value)
        ? value.map((item: unknown) => (typeof item === 'string' ? valueOf(derived.schema, item) : item))
        : typeof value === 'string'
          ? valueOf(derived.schema, value)
          : value,
    );
  }
  for (const [index, derived] of derivedArguments.get(command) ?? []) {
    const value: unknown = command.processedArgs[index];
    if (value === undefined) continue;
    setField(input, derived.field, typeof value === 'string' ? valueOf(derived.schema, value) : value);
  }
  return input;
}
