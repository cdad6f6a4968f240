import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import i18next from 'eslint-plugin-i18next';

// Process boundaries, enforced: shared/ is pure, renderer/ reaches main only through the preload API,
// and only main/app/ (the Electron shell) and preload/ may import electron.
const nodeModules = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads'];
export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      '.tmp/**',
      '.bench/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [...nodeModules, 'electron', 'better-sqlite3', 'react*', '**/main/**', '**/renderer/**'],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        { patterns: [...nodeModules, 'electron', 'better-sqlite3', '**/main/**'] },
      ],
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/app/**'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'] }] },
  },
  // Every string a person reads comes from the translation files: literal text in JSX, and literal
  // titles, labels and placeholders, are errors. Symbols, units and format names are not words.
  {
    files: ['renderer/**/*.tsx'],
    ignores: ['renderer/**/*.test.tsx'],
    plugins: { i18next },
    rules: {
      'i18next/no-literal-string': [
        'error',
        {
          mode: 'jsx-text-only',
          'jsx-attributes': { include: ['title', 'aria-label', 'placeholder', 'alt', 'label'] },
          words: {
            exclude: [
              // Separators, arrows, punctuation and numbers around the translated words.
              '^[\\s\\d.,:;·•…—–+×✕↑↓←→▾◧#@=/(){}%|*!?<>°\\[\\]\\-]*$',
              // File names of the bot's data are names, not words.
              '^(-wal|metadata\\.json|profile\\.db|conversations\\.db)$',
              '^(OK|JSON|CSV|HTML|SQL|PK|ANY|NULL|ms|s|B|KB|MB|GB|p50|p95|Alt\\+[↑↓]|Ctrl\\+Enter|Esc)$',
            ],
          },
        },
      ],
    },
  },
  // main/sqlite/ owns every SQLite connection: elsewhere, read through ReadableDb (open.ts, readable.ts) and
  // write through openForWrite (write.ts). Types of the driver may still be imported. Tests and fixtures build
  // their own files and play the bot, so they may open connections directly.
  {
    files: ['main/**/*.ts'],
    ignores: [
      'main/sqlite/**',
      'main/fixtures/**',
      'main/**/*.test.ts',
      // Test support: builds chat files and stands in for the bot (writes as the bot does, never used by the app).
      'main/testing/**',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'better-sqlite3',
              message: 'open SQLite through main/sqlite/ (openReadonly, openForWrite)',
              allowTypeImports: true,
            },
          ],
          patterns: [
            {
              group: ['**/sqlite/driver.ts'],
              message: 'open SQLite through main/sqlite/ (openReadonly, openForWrite)',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
