import type { Formatters } from './index.ts';

export const backupFormats = {
  'metadata.rebuild': {
    human: (result) =>
      console.log(
        `Rebuilt ${result.path} (it was ${result.previousState})${result.backup ? `; the old one is kept as ${result.backup}` : ''}`,
      ),
  },
} satisfies Formatters;
