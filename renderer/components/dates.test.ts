import { describe, expect, it } from 'vitest';
import { dayOrder, formatLocalDay, parseLocalDay } from './dates.ts';

describe('locale day fields', () => {
  it('reads pt-BR and en-GB days as dd/mm/yyyy and en-US as mm/dd/yyyy', () => {
    expect(dayOrder('pt-BR')).toEqual(['day', 'month', 'year']);
    expect(parseLocalDay('05/03/2024', 'pt-BR')).toBe('2024-03-05');
    expect(parseLocalDay('05/03/2024', 'en-GB')).toBe('2024-03-05');
    expect(parseLocalDay('05/03/2024', 'en-US')).toBe('2024-05-03');
    expect(parseLocalDay('2024-03-05', 'pt-BR')).toBe('2024-03-05');
  });

  it('refuses what is not a real day', () => {
    expect(parseLocalDay('31/02/2024', 'pt-BR')).toBeNull();
    expect(parseLocalDay('13/13/2024', 'pt-BR')).toBeNull();
    expect(parseLocalDay('amanhã', 'pt-BR')).toBeNull();
    expect(parseLocalDay('', 'pt-BR')).toBeNull();
  });

  it('formats an ISO day back in the same order', () => {
    expect(formatLocalDay('2024-03-05', 'pt-BR')).toBe('05/03/2024');
    expect(formatLocalDay('2024-03-05', 'en-US')).toBe('03/05/2024');
  });
});
