import { describe, expect, it } from 'vitest';
import '../kinds/index.ts';
import { registeredSourceKinds } from '../sources/index.ts';
import { buildProgram } from './program.ts';
import { ANY_SOURCE_HELP, SOURCE_KIND_WORDS } from './source-help.ts';

// Every command that takes a SOURCE says, in its --help, every kind of source it can open: the kinds
// registered in main/sources/index.ts. (`similar` takes only an EvoSense PostgreSQL database.)

const ONLY_POSTGRES = new Set(['similar']);

describe('SOURCE in help texts', () => {
  it('names every registered kind of source', () => {
    const kinds = registeredSourceKinds().map((k) => k.name);
    expect(kinds.length).toBeGreaterThanOrEqual(4);
    for (const kind of kinds) {
      expect(SOURCE_KIND_WORDS[kind], `help words for the "${kind}" source kind`).toBeDefined();
      expect(ANY_SOURCE_HELP).toContain(SOURCE_KIND_WORDS[kind]);
    }
  });

  it('every command taking a SOURCE names every kind', () => {
    const taking = buildProgram().commands.filter((c) =>
      c.registeredArguments.some((a) => a.name() === 'source'),
    );
    expect(taking.map((c) => c.name()).sort()).toEqual(
      ['conversations', 'export', 'messages', 'open', 'serve', 'similar'].sort(),
    );
    for (const command of taking) {
      if (ONLY_POSTGRES.has(command.name())) continue;
      const help = command.registeredArguments.find((a) => a.name() === 'source')!.description;
      for (const [kind, words] of Object.entries(SOURCE_KIND_WORDS))
        expect(help, `${command.name()} --help names ${kind} sources`).toContain(words);
    }
  });

  it('open and conversations no longer say less: "any SQLite file" alone, no mysql://', () => {
    const program = buildProgram();
    const helpOf = (name: string) => program.commands.find((c) => c.name() === name)!.helpInformation();
    expect(helpOf('open')).toMatch(/mysql:\/\//);
    expect(helpOf('conversations')).toMatch(/mysql:\/\//);
    expect(helpOf('serve')).toMatch(/--source <url\.\.\.>[\s\S]*mysql:\/\//);
  });
});
