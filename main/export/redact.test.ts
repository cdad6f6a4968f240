import { describe, expect, it } from 'vitest';
import { createRedactor, redactDeep } from './redact.ts';

describe('redaction of Brazilian identifiers', () => {
  const r = createRedactor({ names: ['João', 'Souza', 'joao_souza'] });

  it('CPF and CNPJ only with valid check digits, punctuated or not', () => {
    expect(r('meu CPF é 529.982.247-25')).toBe('meu CPF é [cpf]');
    expect(r('cpf 52998224725.')).toBe('cpf [cpf].');
    expect(r('CPF 529.982.247-24 (errado)')).toBe('CPF 529.982.247-24 (errado)');
    expect(r('CNPJ 11.222.333/0001-81 e 11222333000181')).toBe('CNPJ [cnpj] e [cnpj]');
    expect(r('CNPJ novo 12.ABC.345/01DE-35')).toBe('CNPJ novo [cnpj]');
    expect(r('CNPJ 11.222.333/0001-80')).toBe('CNPJ 11.222.333/0001-80');
  });

  it('CEP with the hyphen, dotted, and 8 digits after the word CEP', () => {
    expect(r('Av. Paulista, 1578 - CEP 01310-100, São Paulo')).toBe(
      'Av. Paulista, 1578 - CEP [cep], São Paulo',
    );
    expect(r('CEP 01310100')).toBe('CEP [cep]');
    expect(r('cep: 01.310-100')).toBe('cep: [cep]');
  });

  it('+55 phones in every written form', () => {
    for (const phone of [
      '+55 (11) 98765-4321',
      '+55 11 98765-4321',
      '+5511987654321',
      '55 11 98765-4321',
      '(11) 98765-4321',
      '(011) 98765-4321',
      '11 9 8765-4321',
      '11.98765.4321',
      '11987654321',
      '98765-4321',
      '(21) 3456-7890',
    ])
      expect(r(`me liga no ${phone} amanhã`), phone).toBe('me liga no [phone] amanhã');
    expect(r('cel: 987654321')).toBe('cel: [phone]');
    expect(r('https://wa.me/5511987654321')).toBe('https://wa.me/[phone]');
  });

  it("e-mails, and the chat's own names accent- and case-insensitively", () => {
    expect(r('Escreva para JOAO.Souza@Empresa.com.br')).toBe('Escreva para [email]');
    expect(r('Oi Joao, oi JOÃO, oi @joao_souza, sr. souza')).toBe(
      'Oi [name], oi [name], oi [name], sr. [name]',
    );
    // Common first names only when written as a name (capitalised), any accent.
    expect(r('Falei com Antonio e Patricia; a maria-fumaça partiu')).toBe(
      'Falei com [name] e [name]; a maria-fumaça partiu',
    );
    expect(r('Joãozinho')).toBe('Joãozinho');
    // After São, Santo or Santa a first name is a place.
    expect(r('Maria mora em Santo André, perto de São José')).toBe(
      '[name] mora em Santo André, perto de São José',
    );
  });

  it('leaves timestamps, ids, amounts and dates alone', () => {
    for (const text of [
      '2025-08-06T02:30:15.123Z',
      'em 06/08/2025 às 14:05',
      'id 123456789, ts 1723456789, pedido #1134567890',
      'R$ 1.234.567,89 no total, 3,5% ao mês',
      'versão 10.2.3, build 20250806',
      'uuid 550e8400-e29b-41d4-a716-446655440000',
      'msg_11987654321',
    ])
      expect(r(text), text).toBe(text);
  });

  it('masks inside nested values (corrections, vocabulary, extra)', () => {
    expect(
      redactDeep(
        { note: 'CPF 111.444.777-35', list: ['CEP 20040-020', 42], nested: { tel: '+55 21 99876-5432' } },
        r,
      ),
    ).toEqual({ note: 'CPF [cpf]', list: ['CEP [cep]', 42], nested: { tel: '[phone]' } });
  });
});
