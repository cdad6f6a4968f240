// What a record of a table must look like, read from its CREATE TABLE statement: the stored columns in
// order, their affinity (SQLite's rules, https://www.sqlite.org/datatype3.html#affname), NOT NULL, and the
// INTEGER PRIMARY KEY that is the rowid itself (stored as NULL in the record).

export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

export interface ColumnDef {
  name: string;
  declaredType: string;
  affinity: Affinity;
  notNull: boolean;
  /** The column is the rowid (INTEGER PRIMARY KEY of a rowid table). */
  rowidAlias: boolean;
  /** A VIRTUAL generated column: not stored in the record. */
  virtual: boolean;
  /** A generated column (VIRTUAL or STORED): never inserted. */
  generated: boolean;
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  /** Columns stored in the record, in record order. */
  stored: ColumnDef[];
  withoutRowid: boolean;
  autoincrement: boolean;
}

export function affinityOf(declaredType: string): Affinity {
  const t = declaredType.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t === '' || t.includes('BLOB')) return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

type Token = { kind: 'word' | 'ident' | 'string' | 'punct' | 'number'; text: string };

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '"' || c === '`' || c === "'" || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      let text = '';
      while (j < sql.length) {
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) {
            text += close;
            j += 2;
            continue;
          }
          break;
        }
        text += sql[j];
        j++;
      }
      out.push({ kind: c === "'" ? 'string' : 'ident', text });
      i = j + 1;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j]!)) j++;
      out.push({ kind: 'word', text: sql.slice(i, j) });
      i = j;
    } else if (/[0-9.]/.test(c)) {
      let j = i;
      while (j < sql.length && /[0-9.eExX+a-fA-F]/.test(sql[j]!)) j++;
      out.push({ kind: 'number', text: sql.slice(i, j) });
      i = j;
    } else {
      out.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return out;
}

const CONSTRAINT_WORDS = new Set([
  'CONSTRAINT',
  'PRIMARY',
  'NOT',
  'NULL',
  'UNIQUE',
  'CHECK',
  'DEFAULT',
  'COLLATE',
  'REFERENCES',
  'GENERATED',
  'AS',
]);
const TABLE_CONSTRAINT_WORDS = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']);

function upper(t: Token | undefined): string {
  return t && t.kind === 'word' ? t.text.toUpperCase() : '';
}

/** Parses a CREATE TABLE statement; null when it is not one this reader understands (virtual tables...). */
export function parseCreateTable(name: string, sql: string): TableDef | null {
  const tokens = tokenize(sql);
  const open = tokens.findIndex((t) => t.kind === 'punct' && t.text === '(');
  if (open < 0 || upper(tokens[0]) !== 'CREATE') return null;
  if (tokens.slice(0, open).some((t) => upper(t) === 'VIRTUAL')) return null;
  // Split the definitions at top-level commas.
  const defs: Token[][] = [];
  let depth = 0;
  let current: Token[] = [];
  let close = -1;
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') {
      if (depth === 0) {
        close = i;
        break;
      }
      depth--;
    }
    if (depth === 0 && t.kind === 'punct' && t.text === ',') {
      defs.push(current);
      current = [];
    } else current.push(t);
  }
  if (close < 0) return null;
  defs.push(current);
  const tail = tokens.slice(close + 1).map(upper);
  const withoutRowid = tail.includes('WITHOUT') && tail.includes('ROWID');
  const columns: ColumnDef[] = [];
  let tablePk: string[] | null = null;
  let autoincrement = false;
  for (const def of defs) {
    if (def.length === 0) return null;
    if (TABLE_CONSTRAINT_WORDS.has(upper(def[0])) && def[0]!.kind === 'word') {
      const pk = def.findIndex((t) => upper(t) === 'PRIMARY');
      if (pk >= 0 && upper(def[pk + 1]) === 'KEY') {
        const names: string[] = [];
        let d = 0;
        for (let i = pk + 2; i < def.length; i++) {
          const t = def[i]!;
          if (t.kind === 'punct' && t.text === '(') {
            d++;
            if (d === 1) continue;
          }
          if (t.kind === 'punct' && t.text === ')') {
            d--;
            if (d === 0) break;
          }
          if (
            d === 1 &&
            (t.kind === 'word' || t.kind === 'ident') &&
            (def[i - 1]?.text === '(' || def[i - 1]?.text === ',')
          )
            names.push(t.text);
        }
        tablePk = names;
        if (def.some((t) => upper(t) === 'AUTOINCREMENT')) autoincrement = true;
      }
      continue;
    }
    const colName = def[0]!.text;
    let i = 1;
    const typeParts: string[] = [];
    while (i < def.length && !(def[i]!.kind === 'word' && CONSTRAINT_WORDS.has(upper(def[i])))) {
      const t = def[i]!;
      if (t.kind === 'punct' && t.text === '(') {
        // (size) or (precision, scale)
        let d = 0;
        let text = '';
        for (; i < def.length; i++) {
          const u = def[i]!;
          if (u.text === '(') d++;
          if (u.text === ')') d--;
          text += u.text;
          if (d === 0) break;
        }
        typeParts[typeParts.length - 1] = `${typeParts[typeParts.length - 1] ?? ''}${text}`;
        i++;
        continue;
      }
      typeParts.push(t.text);
      i++;
    }
    const declaredType = typeParts.join(' ');
    const rest = def.slice(i).map(upper);
    let notNull = false;
    let pk = false;
    let pkDesc = false;
    for (let k = 0; k < rest.length; k++) {
      if (rest[k] === 'NOT' && rest[k + 1] === 'NULL') notNull = true;
      if (rest[k] === 'PRIMARY' && rest[k + 1] === 'KEY') {
        pk = true;
        if (rest[k + 2] === 'DESC') pkDesc = true;
      }
      if (rest[k] === 'AUTOINCREMENT') autoincrement = true;
    }
    const generated = rest.includes('AS') && def.slice(i).some((t) => t.kind === 'punct' && t.text === '(');
    const virtual = generated && !rest.includes('STORED');
    columns.push({
      name: colName,
      declaredType,
      affinity: affinityOf(declaredType),
      notNull,
      rowidAlias: !withoutRowid && pk && !pkDesc && declaredType.toUpperCase() === 'INTEGER',
      virtual,
      generated,
    });
  }
  if (tablePk && tablePk.length === 1 && !withoutRowid) {
    const col = columns.find((c) => c.name.toLowerCase() === tablePk![0]!.toLowerCase());
    if (col && col.declaredType.toUpperCase() === 'INTEGER') col.rowidAlias = true;
  }
  if (columns.length === 0) return null;
  return { name, columns, stored: columns.filter((c) => !c.virtual), withoutRowid, autoincrement };
}
