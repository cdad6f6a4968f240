import type { JobName, OutputOf, QueryName } from '../../../shared/contract/index.ts';
import { printJson } from '../output.ts';
import { backupFormats } from './backup.ts';
import { chatFormats } from './chat.ts';
import { filesFormats } from './files.ts';
import { fleetFormats } from './fleet.ts';
import { integrityFormats } from './integrity.ts';
import { locatorFormats } from './locator.ts';
import { maintenanceFormats } from './maintenance.ts';

import type { Formatter, Formatters, JobOutput } from './types.ts';

export type { Formatter, Formatters, JobOutput };

/** One formatter per operation the CLI runs, grouped by capability (format/<capability>.ts). */
const formatters: Formatters = {
  ...backupFormats,
  ...chatFormats,
  ...filesFormats,
  ...fleetFormats,
  ...integrityFormats,
  ...locatorFormats,
  ...maintenanceFormats,
};

type Printable<K> = K extends QueryName ? OutputOf<K> : K extends JobName ? JobOutput<K> : never;

/** Prints an operation's output: its JSON with `--json`, else its formatter's human text. */
export async function printOutput<K extends QueryName | JobName>(
  name: K,
  value: Printable<K>,
  json: boolean,
): Promise<void> {
  const formatter = formatters[name] as Formatter<Printable<K>> | undefined;
  if (!formatter) throw new Error(`no formatter for ${name}`);
  if (json) printJson(formatter.json ? formatter.json(value) : value);
  else await formatter.human(value);
}
