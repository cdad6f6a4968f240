import { useSyncExternalStore } from 'react';
import { THEME_COOKIE } from '../../shared/transport.ts';
import { readPref, writePref } from './prefs.ts';
import { createStore } from './store.ts';

export type ThemePref = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const initialPref = (): ThemePref => {
  const saved = readPref('theme');
  return saved === 'light' || saved === 'dark' ? saved : 'system';
};

const prefStore = createStore<ThemePref>(initialPref());
const media = () => window.matchMedia('(prefers-color-scheme: dark)');

function systemTheme(): Theme {
  return media().matches ? 'dark' : 'light';
}

export function resolvedTheme(pref: ThemePref = prefStore.get()): Theme {
  return pref === 'system' ? systemTheme() : pref;
}

function apply() {
  const theme = resolvedTheme();
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
  // The first screen of the next start is painted in it (see THEME_COOKIE).
  try {
    document.cookie = `${THEME_COOKIE}=${theme}; path=/; max-age=31536000; SameSite=Strict`;
  } catch {
    // not remembered: the next first screen follows the system
  }
}

export function initTheme() {
  apply();
  media().addEventListener('change', apply);
  prefStore.subscribe(apply);
}

export function setThemePref(pref: ThemePref) {
  writePref('theme', pref === 'system' ? null : pref);
  prefStore.set(pref);
}

/** Toggle: flips what is shown now; the choice is remembered (system is the default until then). */
export function toggleTheme() {
  setThemePref(resolvedTheme() === 'dark' ? 'light' : 'dark');
}

function subscribeTheme(listener: () => void) {
  const m = media();
  m.addEventListener('change', listener);
  const off = prefStore.subscribe(listener);
  return () => {
    m.removeEventListener('change', listener);
    off();
  };
}

/** The theme the page is rendered in ahead of time (renderer/paint.tsx), where there is no window. */
let paintTheme: Theme = 'light';
export function setPaintTheme(theme: Theme): void {
  paintTheme = theme;
}

export function useTheme(): Theme {
  return useSyncExternalStore(
    subscribeTheme,
    () => resolvedTheme(),
    () => paintTheme,
  );
}

/** Chart colours per theme (SVG attributes cannot read CSS variables reliably). */
export interface ChartPalette {
  grid: string;
  axis: string;
  text: string;
  tooltipBg: string;
  tooltipBorder: string;
  series: string[];
  user: string;
  bot: string;
  ok: string;
  warning: string;
  error: string;
}

const LIGHT: ChartPalette = {
  grid: '#e4e7ec',
  axis: '#98a2b3',
  text: '#475467',
  tooltipBg: '#ffffff',
  tooltipBorder: '#d0d5dd',
  series: ['#3e6fd8', '#12a594', '#e07b39', '#9b59b6', '#d4a72c', '#e5484d'],
  user: '#3e6fd8',
  bot: '#12a594',
  ok: '#2e9e5b',
  warning: '#c98a0b',
  error: '#d93f3f',
};

const DARK: ChartPalette = {
  grid: '#2a303b',
  axis: '#5d6676',
  text: '#a9b2c1',
  tooltipBg: '#1b2029',
  tooltipBorder: '#3a4250',
  series: ['#6f9bff', '#3ccbb4', '#f29b62', '#bb8be0', '#e9c356', '#ff7a7e'],
  user: '#6f9bff',
  bot: '#3ccbb4',
  ok: '#4cc27d',
  warning: '#e3ad3b',
  error: '#ff6b6b',
};

export function useChartPalette(): ChartPalette {
  return useTheme() === 'dark' ? DARK : LIGHT;
}
