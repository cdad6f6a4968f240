import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { LANGUAGE_COOKIE } from '../../shared/transport.ts';
import { readPref, writePref } from '../app/prefs.ts';
import en from './en.json' with { type: 'json' };
import ptBR from './pt-BR.json' with { type: 'json' };

/**
 * Portuguese has a `many` plural form (1,000,000 and up: "1 milhão de mensagens") that i18next asks for as
 * `key_many`; where a text has none, its `_other` serves, rather than a raw key on the screen.
 */
export function withManyForms<T>(resources: T): T {
  if (resources === null || typeof resources !== 'object') return resources;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resources)) out[key] = withManyForms(value);
  for (const [key, value] of Object.entries(out)) {
    const many = key.replace(/_other$/, '_many');
    if (many !== key && !(many in out)) out[many] = value;
  }
  return out as T;
}

export const LANGUAGES = ['en', 'pt-BR'] as const;
export type Language = (typeof LANGUAGES)[number];

function initialLanguage(): Language {
  const saved = readPref('lang');
  if (saved === 'en' || saved === 'pt-BR') return saved;
  return navigator.language.toLowerCase().startsWith('pt') ? 'pt-BR' : 'en';
}

/** `lng`: the language the page is rendered in ahead of time (renderer/paint.tsx); else the saved one. */
export function initI18n(lng: Language = initialLanguage()) {
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, 'pt-BR': { translation: withManyForms(ptBR) } },
    lng,
    fallbackLng: 'en',
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  if (typeof document !== 'undefined') {
    document.documentElement.lang = lng;
    rememberForPaint(lng);
  }
  return i18next;
}

export function currentLanguage(): Language {
  return i18next.language === 'pt-BR' ? 'pt-BR' : 'en';
}

/**
 * The app renders its first screen ahead of the scripts (renderer/paint.tsx), in the language this cookie
 * names: the person's choice, not only the system's.
 */
function rememberForPaint(lng: Language) {
  try {
    document.cookie = `${LANGUAGE_COOKIE}=${lng}; path=/; max-age=31536000; SameSite=Strict`;
  } catch {
    // not remembered: the first screen follows the system's language
  }
}

export function setLanguage(lng: Language) {
  writePref('lang', lng);
  rememberForPaint(lng);
  document.documentElement.lang = lng;
  void i18next.changeLanguage(lng);
}

export function toggleLanguage() {
  setLanguage(currentLanguage() === 'en' ? 'pt-BR' : 'en');
}
