import { describe, expect, it } from 'vitest';
import { LANGUAGE_COOKIE, paintPrefs, THEME_COOKIE } from './transport.ts';

// The first screen's language and theme come from a request's cookies: only the values the UI itself
// writes are taken; anything else falls back to what the system asks for.

describe('paintPrefs', () => {
  it('takes the cookies the UI writes, over Accept-Language', () => {
    expect(paintPrefs(`x=1; ${LANGUAGE_COOKIE}=pt-BR; ${THEME_COOKIE}=dark`, 'en-US,en;q=0.9')).toEqual({
      language: 'pt-BR',
      theme: 'dark',
    });
    expect(paintPrefs(`${LANGUAGE_COOKIE}=en`, 'pt-BR')).toEqual({ language: 'en', theme: null });
  });

  it('without cookies, follows Accept-Language as the UI does (pt → pt-BR, else en)', () => {
    expect(paintPrefs(null, 'pt-PT,pt;q=0.9')).toEqual({ language: 'pt-BR', theme: null });
    expect(paintPrefs(null, 'de-DE')).toEqual({ language: 'en', theme: null });
    expect(paintPrefs(null, null)).toEqual({ language: 'en', theme: null });
  });

  it('ignores any other value: nothing from a cookie reaches the page but the two it knows', () => {
    const hostile = `${LANGUAGE_COOKIE}="><script>alert(1)</script>; ${THEME_COOKIE}=dark" onload="x`;
    expect(paintPrefs(hostile, 'en')).toEqual({ language: 'en', theme: null });
    expect(paintPrefs(`${THEME_COOKIE}=DARK; ${LANGUAGE_COOKIE}=pt-br`, 'en')).toEqual({
      language: 'en',
      theme: null,
    });
  });
});
