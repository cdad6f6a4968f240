import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { readPref, writePref } from '../app/prefs.ts';
import en from './en.json' with { type: 'json' };
import ptBR from './pt-BR.json' with { type: 'json' };

export const LANGUAGES = ['en', 'pt-BR'] as const;
export type Language = (typeof LANGUAGES)[number];

function initialLanguage(): Language {
  const saved = readPref('lang');
  if (saved === 'en' || saved === 'pt-BR') return saved;
  return navigator.language.toLowerCase().startsWith('pt') ? 'pt-BR' : 'en';
}

export function initI18n() {
  const lng = initialLanguage();
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, 'pt-BR': { translation: ptBR } },
    lng,
    fallbackLng: 'en',
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = lng;
  return i18next;
}

export function currentLanguage(): Language {
  return i18next.language === 'pt-BR' ? 'pt-BR' : 'en';
}

export function setLanguage(lng: Language) {
  writePref('lang', lng);
  document.documentElement.lang = lng;
  void i18next.changeLanguage(lng);
}

export function toggleLanguage() {
  setLanguage(currentLanguage() === 'en' ? 'pt-BR' : 'en');
}
