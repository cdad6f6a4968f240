import { ChatMapping } from '../../shared/contract/mapping.ts';
import { AppError } from '../../shared/errors.ts';

// `--map table=T,conversation=C,time=T,role=R,text=X[,id=I]`: a mapping on the command line. The syntax is
// checked here (one clear line, exit 2); tables and columns are checked against the schema at open.

const KEYS = ['table', 'conversation', 'time', 'role', 'text', 'id'] as const;
export const MAP_HELP =
  'read any table as conversations: table=T,conversation=C,text=X[,time=T][,role=R][,id=I] (a column may be col.path.in.json)';

export function parseMapOption(text: string): ChatMapping {
  const fields: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!(KEYS as readonly string[]).includes(key))
      throw new AppError(
        'invalid_input',
        `--map: unknown field ${JSON.stringify(key.slice(0, 40))} (use ${KEYS.join(', ')}: e.g. table=chat_logs,conversation=conv_id,time=created_at,role=sender,text=body)`,
      );
    if (value === '') throw new AppError('invalid_input', `--map: ${key}= needs a table or column name`);
    if (fields[key] !== undefined) throw new AppError('invalid_input', `--map: ${key} is given twice`);
    fields[key] = value;
  }
  for (const required of ['table', 'conversation', 'text'] as const)
    if (fields[required] === undefined)
      throw new AppError(
        'invalid_input',
        `--map needs ${required}=… (at least table, conversation and text; time, role and id are optional)`,
      );
  const parsed = ChatMapping.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('invalid_input', `--map ${String(issue.path[0] ?? '')}: ${issue.message}`);
  }
  return parsed.data;
}
