import { describe, expect, it } from 'vitest';
import { findIdentifiers, type TextIdentifierKind } from './scan.ts';

/** What was found, as [kind, text written]. */
function found(text: string): [TextIdentifierKind, string][] {
  return findIdentifiers(text).map((f) => [f.kind, text.slice(f.start, f.end)]);
}

describe('identifiers inside a message', () => {
  it('finds CPF, CNPJ, CEP, phones and e-mails written as Brazilians write them', () => {
    const text =
      'Oi, meu CPF é 529.982.247-25 (ou 52998224725), empresa 11.222.333/0001-81, CEP 01310-100, ' +
      'zap +55 (11) 98765-4321, fixo (11) 3456-7890, e-mail Maria.Silva@Example.com.';
    expect(found(text)).toEqual([
      ['cpf', '529.982.247-25'],
      ['cpf', '52998224725'],
      ['cnpj', '11.222.333/0001-81'],
      ['cep', '01310-100'],
      ['phone', '+55 (11) 98765-4321'],
      ['phone', '(11) 3456-7890'],
      ['email', 'Maria.Silva@Example.com'],
    ]);
    expect(findIdentifiers(text).find((f) => f.kind === 'email')?.value).toBe('maria.silva@example.com');
    expect(findIdentifiers(text).find((f) => f.kind === 'cnpj')?.value).toBe('11222333000181');
  });

  it('every written form of a +55 phone', () => {
    for (const written of [
      '+55 11 98765-4321',
      '+5511987654321',
      '+55 11 987654321',
      '+55-11-98765-4321',
      '55 11 98765-4321',
      '5511987654321',
      '(11) 98765-4321',
      '(11)98765-4321',
      '(011) 98765-4321',
      '11 98765-4321',
      '11 9 8765-4321',
      '11.98765.4321',
      '11987654321',
      '1134567890',
      '98765-4321',
      '9 8765-4321',
      '3456-7890',
    ])
      expect(found(`ligue ${written} hoje`), written).toEqual([['phone', written]]);
    expect(found('wa.me/5511987654321')).toEqual([['phone', '5511987654321']]);
  });

  it('a bare 8 or 9 digit run is a phone only after a word saying so', () => {
    expect(found('cel 987654321')).toEqual([['phone', '987654321']]);
    expect(found('WhatsApp: 98765432')).toEqual([['phone', '98765432']]);
    expect(found('o código é 987654321')).toEqual([]);
    expect(found('user 987654321 joined')).toEqual([]);
  });

  it('the bare 8 digits of a CEP only after the word CEP', () => {
    expect(found('CEP 01310100')).toEqual([['cep', '01310100']]);
    expect(found('cep: 20040020')).toEqual([['cep', '20040020']]);
    expect(found('01.310-100')).toEqual([['cep', '01.310-100']]);
    expect(found('ref 01310100')).toEqual([]);
  });

  it('alphanumeric CNPJs (from July 2026), with or without punctuation', () => {
    expect(found('CNPJ 12.ABC.345/01DE-35.')).toEqual([['cnpj', '12.ABC.345/01DE-35']]);
    expect(found('CNPJ 12ABC34501DE35')).toEqual([['cnpj', '12ABC34501DE35']]);
    expect(found('CNPJ 12ABC34501DE36')).toEqual([]);
  });

  it('leaves alone numbers that fail check digits, dates, times, amounts, ids and timestamps', () => {
    for (const text of [
      'CPF 529.982.247-24',
      'protocolo 87886501365',
      'CNPJ 11.222.333/0001-80',
      'em 2025-08-06 às 02:30:15, ou 06/08/2025',
      'R$ 1.234.567,89 e US$ 12,345.67',
      'pi 3.14159265, versão 10.2.3, 1.234.567 votos',
      'id 123456789, ts 1723456789, pedido #1134567890',
      'uuid 550e8400-e29b-41d4-a716-446655440000',
      'order 20250806123045',
      'msg_11987654321_x',
      'R$ 5.000',
    ])
      expect(found(text), text).toEqual([]);
  });

  it('an address holding digits is one address; a valid CPF written bare is a CPF, not a phone', () => {
    expect(found('joao.11987654321@gmail.com')).toEqual([['email', 'joao.11987654321@gmail.com']]);
    expect(found('98765432100')).toEqual([['cpf', '98765432100']]);
    expect(found('')).toEqual([]);
  });

  it('a number written right beside other figures is still found', () => {
    expect(found('CPF 529.982.247-25 11 98765-4321')).toEqual([
      ['cpf', '529.982.247-25'],
      ['phone', '11 98765-4321'],
    ]);
    expect(found('pedido 123 (11) 3456-7890')).toEqual([['phone', '(11) 3456-7890']]);
  });
});
