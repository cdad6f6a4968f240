import { describe, expect, it } from 'vitest';
import {
  findFolded,
  foldForSearch,
  foldName,
  foldWithOrigin,
  formatCnpj,
  formatCpf,
  formatPhone,
  identifierMatches,
  isValidCpf,
  nameMatches,
  parseCep,
  parseCnpj,
  parseCpf,
  parseEmail,
  parseIdentifier,
  parsePhone,
  phoneIndexKeys,
  phoneQueryKeys,
  samePhone,
  type Phone,
} from './index.ts';

/** The Receita Federal's check digits, computed here apart from the module under test. */
function cpfWithChecks(nine: string): string {
  const digits = [...nine].map(Number);
  for (const length of [9, 10]) {
    const sum = digits.reduce((acc, d, i) => acc + d * (length + 1 - i), 0);
    digits.push(((sum * 10) % 11) % 10);
  }
  return digits.join('');
}

function phone(text: string): Phone {
  const parsed = parsePhone(text);
  if (!parsed) throw new Error(`not a phone: ${text}`);
  return parsed;
}

describe('Brazilian phones as people write them', () => {
  const sameNumber = [
    '+55 (11) 98765-4321',
    '+55 11 98765-4321',
    '+5511987654321',
    '55 11 98765 4321',
    '11987654321',
    '(11) 98765-4321',
    '(11)98765-4321',
    '11 9 8765-4321',
    '011 98765-4321',
    '0 21 11 98765-4321',
    '987654321',
    '98765-4321',
    '(11) 8765-4321',
    '8765-4321',
    'tel:+55-11-98765-4321',
  ];

  it('reads every written form of one mobile as the same number', () => {
    for (const a of sameNumber)
      for (const b of sameNumber) expect(samePhone(phone(a), phone(b)), `${a} ~ ${b}`).toBe(true);
    expect(phone('+55 (11) 98765-4321')).toEqual({
      kind: 'br',
      areaCode: '11',
      subscriber: '987654321',
      core: '87654321',
    });
    expect(phone('8765-4321')).toMatchObject({ areaCode: null, subscriber: '87654321' });
    expect(formatPhone(phone('5511987654321'))).toBe('+55 11 98765-4321');
    expect(formatPhone(phone('3456 7890'))).toBe('3456-7890');
  });

  it('another area code is another number; without an area code it matches any', () => {
    expect(samePhone(phone('(21) 98765-4321'), phone('(11) 98765-4321'))).toBe(false);
    expect(samePhone(phone('(21) 98765-4321'), phone('98765-4321'))).toBe(true);
    expect(samePhone(phone('(11) 98765-4320'), phone('(11) 98765-4321'))).toBe(false);
    // A landline (8 digits) and a mobile share their last 8 digits only by the ninth-digit rule.
    expect(samePhone(phone('(11) 3456-7890'), phone('(11) 93456-7890'))).toBe(true);
  });

  it('index and query keys meet exactly when samePhone says so', () => {
    const forms = [
      ...sameNumber,
      '(21) 98765-4321',
      '21 3456-7890',
      '3456-7890',
      '+44 20 7946 0958',
      '+442079460958',
    ];
    for (const a of forms)
      for (const b of forms) {
        const meet = phoneQueryKeys(phone(a)).some((k) => phoneIndexKeys(phone(b)).includes(k));
        expect(meet, `${a} → ${b}`).toBe(samePhone(phone(a), phone(b)));
      }
  });

  it('other countries are compared on all their digits', () => {
    expect(phone('+44 20 7946 0958')).toEqual({ kind: 'intl', digits: '442079460958' });
    expect(samePhone(phone('+44 20 7946 0958'), phone('+442079460958'))).toBe(true);
    expect(samePhone(phone('+1 415 555 2671'), phone('(41) 5555-2671'))).toBe(false);
  });

  it('refuses what is not a number a line could have', () => {
    for (const bad of [
      '',
      'abc',
      '11 98765-432a',
      '(20) 98765-4321', // no DDD 20
      '(11) 88765-43210', // 10-digit subscriber
      '1234567', // 7 digits
      '0800 123 4567', // toll-free, not a person
      '12345678', // a subscriber never starts with 1
      '98765-4321 ramal 2',
      '+55 11 8765',
      '++55 11 98765-4321',
      '(11) 18765-4321', // 9 digits must start with 9
    ])
      expect(parsePhone(bad), bad).toBeNull();
  });
});

describe('CPF, CNPJ, CEP and e-mail', () => {
  it('a CPF with or without punctuation, check digits validated', () => {
    expect(parseCpf('529.982.247-25')).toBe('52998224725');
    expect(parseCpf('52998224725')).toBe('52998224725');
    expect(parseCpf(' 111.444.777-35 ')).toBe('11144477735');
    expect(parseCpf('111 444 777 35')).toBe('11144477735');
    expect(formatCpf('52998224725')).toBe('529.982.247-25');
    for (const nine of ['123456789', '000000001', '987654321', '450021337'])
      expect(parseCpf(cpfWithChecks(nine)), nine).toBe(cpfWithChecks(nine));
  });

  it('random 11-digit numbers that fail the check digits are not CPFs', () => {
    for (const bad of [
      '529.982.247-24',
      '52998224726',
      '87886501365',
      '21870321604',
      '23980415036',
      '11987654321', // a phone
      '111.111.111-11', // passes the arithmetic, but one repeated digit
      '000.000.000-00',
      '5299822472', // 10 digits
      '529.982.247-2a',
    ])
      expect(parseCpf(bad), bad).toBeNull();
    // About 1 in 100 random numbers passes: checked over a deterministic sweep.
    let valid = 0;
    for (let i = 0; i < 10_000; i++) if (isValidCpf(String(10_000_000_000 + i * 7_919_311))) valid++;
    expect(valid).toBeGreaterThan(50);
    expect(valid).toBeLessThan(200);
  });

  it('a CNPJ, numeric or alphanumeric, check digits validated', () => {
    expect(parseCnpj('11.222.333/0001-81')).toBe('11222333000181');
    expect(parseCnpj('11222333000181')).toBe('11222333000181');
    expect(parseCnpj('04.252.011/0001-10')).toBe('04252011000110');
    expect(parseCnpj('12.ABC.345/01DE-35')).toBe('12ABC34501DE35');
    expect(parseCnpj('12abc34501de35')).toBe('12ABC34501DE35');
    expect(formatCnpj('11222333000181')).toBe('11.222.333/0001-81');
    for (const bad of [
      '11.222.333/0001-80',
      '11222333000182',
      '11.111.111/1111-11',
      '12.ABC.345/01DE-36',
      '1122233300018',
    ])
      expect(parseCnpj(bad), bad).toBeNull();
  });

  it('a CEP with or without its hyphen, with or without the word', () => {
    for (const written of ['01310-100', '01310100', '01.310-100', 'CEP 01310-100', 'cep: 01310100'])
      expect(parseCep(written), written).toBe('01310100');
    for (const bad of ['0131-0100', '00000-000', '01310-10', 'CEP abc'])
      expect(parseCep(bad), bad).toBeNull();
  });

  it('an e-mail address case-insensitive and trimmed', () => {
    expect(parseEmail('  Maria.Silva@Example.COM ')).toBe('maria.silva@example.com');
    expect(parseEmail('mailto:joao@empresa.com.br')).toBe('joao@empresa.com.br');
    expect(parseEmail('<ana@x.org>')).toBe('ana@x.org');
    for (const bad of ['maria', 'maria@', '@example.com', 'a b@example.com', 'maria@example'])
      expect(parseEmail(bad), bad).toBeNull();
  });
});

describe('names and search, accent- and case-folded', () => {
  it('"Joao" finds "João", in any case, spacing and order', () => {
    expect(foldName('  João   da SILVA ')).toBe('joao da silva');
    expect(nameMatches('Joao', 'João Pedro Souza')).toBe(true);
    expect(nameMatches('souza JOÃO', 'João Pedro Souza')).toBe(true);
    expect(nameMatches('Conceicao', 'Maria da Conceição')).toBe(true);
    expect(nameMatches('Ana Clara', 'Ana-Clara Menezes')).toBe(true);
    expect(nameMatches('D’Avila', "Lucas D'Ávila")).toBe(true);
    expect(nameMatches('Jo', 'João Pedro')).toBe(false);
    expect(nameMatches('Joana', 'João Pedro')).toBe(false);
    expect(nameMatches('', 'João')).toBe(false);
  });

  it('foldForSearch: accents, case and runs of spaces do not matter', () => {
    expect(foldForSearch('  Ação  e REAÇÃO\n')).toBe('acao e reacao');
    expect(foldForSearch('Ñandú São Paulo')).toBe('nandu sao paulo');
    // Decomposed input (a combining accent typed apart) folds like the composed one.
    expect(foldForSearch('Jose\u0301')).toBe(foldForSearch('José'));
    expect(foldForSearch('ΟΔΟΣ')).toBe(foldForSearch('οδοσ'));
  });

  it('foldWithOrigin agrees with foldForSearch and maps matches back to the original', () => {
    for (const text of ['João  Ação', 'Jose\u0301 e İstanbul', 'ΟΔΟΣ ok', ' emoji 🇧🇷 São ', 'a\tb'])
      expect(foldWithOrigin(text).folded.trim(), text).toBe(foldForSearch(text));
    const text = 'Falei com JOÃO e com joao, não com Joana';
    expect(findFolded(text, 'João').map((s) => text.slice(s.start, s.end))).toEqual(['JOÃO', 'joao']);
    const decomposed = 'Jose\u0301 Silva';
    expect(findFolded(decomposed, 'josé').map((s) => decomposed.slice(s.start, s.end))).toEqual([
      'Jose\u0301',
    ]);
    expect(findFolded('sem nada', '   ')).toEqual([]);
  });

  it('foldWithOrigin and foldForSearch agree on any mix of letters, marks, spaces and symbols', () => {
    const alphabet = [
      'a',
      'Á',
      'ç',
      'Ç',
      'ã',
      '\u0301',
      '\u0303',
      ' ',
      '\t',
      '\n',
      '\u00a0',
      'İ',
      'Σ',
      'ς',
      '’',
      'ß',
      '🇧🇷',
      '1',
      '-',
      'Z',
    ];
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let n = 0; n < 2000; n++) {
      const text = Array.from({ length: next() % 12 }, () => alphabet[next() % alphabet.length]).join('');
      const { folded, origin } = foldWithOrigin(text);
      expect(folded.trim(), JSON.stringify(text)).toBe(foldForSearch(text));
      expect(origin).toHaveLength(folded.length + 1);
      expect(origin.every((o, i) => i === 0 || o >= origin[i - 1]!)).toBe(true);
    }
  });
});

describe('parseIdentifier and identifierMatches', () => {
  it('parses each kind and compares as people expect', () => {
    const q = (kind: Parameters<typeof parseIdentifier>[0], text: string) => {
      const id = parseIdentifier(kind, text);
      if (!id) throw new Error(`${kind} ${text}`);
      return id;
    };
    expect(identifierMatches(q('phone', '11987654321'), q('phone', '+55 (11) 98765-4321'))).toBe(true);
    expect(identifierMatches(q('cpf', '52998224725'), q('cpf', '529.982.247-25'))).toBe(true);
    expect(identifierMatches(q('email', 'ANA@X.ORG'), q('email', 'ana@x.org'))).toBe(true);
    expect(identifierMatches(q('name', 'joao'), q('name', 'João Pedro'))).toBe(true);
    expect(identifierMatches(q('name', 'joao'), q('email', 'joao@x.org'))).toBe(false);
    expect(parseIdentifier('cpf', '12345678900')).toBeNull();
    expect(parseIdentifier('name', '  ')).toBeNull();
  });
});
