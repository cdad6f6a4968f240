// One person's identifiers as people write them, parsed and compared the same way everywhere: the subject
// search, redaction and the ordinary search (folding). Pure: no Node, no DOM.

import { parseCep, parseCnpj, parseCpf, parseEmail } from './documents.ts';
import { foldName, nameMatches } from './fold.ts';
import { parsePhone, samePhone, type Phone } from './phone.ts';

export * from './documents.ts';
export * from './fold.ts';
export * from './phone.ts';
export * from './scan.ts';

export type IdentifierKind = 'phone' | 'cpf' | 'cnpj' | 'cep' | 'email' | 'name';

export type Identifier =
  | { kind: 'phone'; phone: Phone }
  | { kind: 'cpf' | 'cnpj' | 'cep' | 'email'; value: string }
  | { kind: 'name'; value: string };

/**
 * What a person typed for one kind of identifier, parsed; null when it is not one (a CPF with wrong check
 * digits, a phone with letters, an empty name). A name is kept folded (accents, case, spaces).
 */
export function parseIdentifier(kind: IdentifierKind, text: string): Identifier | null {
  switch (kind) {
    case 'phone': {
      const phone = parsePhone(text);
      return phone ? { kind, phone } : null;
    }
    case 'cpf':
    case 'cnpj':
    case 'cep':
    case 'email': {
      const parse = { cpf: parseCpf, cnpj: parseCnpj, cep: parseCep, email: parseEmail }[kind];
      const value = parse(text);
      return value === null ? null : { kind, value };
    }
    case 'name': {
      const value = foldName(text);
      return value ? { kind, value } : null;
    }
  }
}

/**
 * Whether a stored identifier is the one a person asked for: phones by the rule of phone.ts, names when
 * every part asked for is a part of the stored name, the others when their compared forms are equal.
 */
export function identifierMatches(query: Identifier, stored: Identifier): boolean {
  if (query.kind !== stored.kind) return false;
  if (query.kind === 'phone' && stored.kind === 'phone') return samePhone(query.phone, stored.phone);
  if (query.kind === 'name' && stored.kind === 'name') return nameMatches(query.value, stored.value);
  return 'value' in query && 'value' in stored && query.value === stored.value;
}
