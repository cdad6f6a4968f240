import { Command, CommanderError } from 'commander';
// Every store kind, registered once for the commands that open sources (main/kinds/index.ts).
import '../kinds/index.ts';
import { registerBackupCommands } from './commands/backup.ts';
import { registerIntegrityCommands } from './commands/integrity.ts';
import { registerMaintenanceCommands } from './commands/maintenance.ts';
import { registerOpenCommands } from './commands/open.ts';
import { registerReadCommands } from './commands/read.ts';
import { registerSearchCommands } from './commands/search.ts';
import { registerServeCommands } from './commands/serve.ts';
import { registerSourceCommands } from './commands/sources.ts';
import { validateAllCommands } from './options.ts';
import { reportError } from './output.ts';
import { VERSION } from '../config/version.ts';

/** Builds the CLI. Capabilities register their commands here, one function each. */
export function buildProgram(): Command {
  const program = new Command('chat-inspector')
    .description('Browse, check, back up and recover chatbot SQLite data stores.')
    .version(VERSION)
    .option('--debug', 'print stack traces with errors')
    .showHelpAfterError(false)
    .exitOverride();
  validateAllCommands(program);
  registerReadCommands(program);
  registerIntegrityCommands(program);
  registerOpenCommands(program);
  registerServeCommands(program);
  registerBackupCommands(program);
  registerSearchCommands(program);
  registerSourceCommands(program);
  registerMaintenanceCommands(program);
  return program;
}

/** Runs the CLI and returns the exit code (0 ok, 1 warnings, 2 errors or failure). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its one line (unknown option, missing argument, --help, --version).
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportError(error, argv.includes('--debug'));
  }
}
