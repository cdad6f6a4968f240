// The CLI's version (package.json's): its own module so that dist/cli.js answers --version without loading
// the CLI bundle (main/cli/launcher.ts).
export const VERSION = '0.1.0';
