import { CommanderError } from 'commander';
import { CliError, EXIT, toCliError } from './errors.js';
import { buildProgram } from './program.js';

/** Run the `pausenet` command line; resolves with the process exit code. Never prints a stack for user errors. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help/version print and "exit" with 0; everything else commander rejects is a usage error
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version')
        return EXIT.OK;
      if (err.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    const e = toCliError(err);
    if (e.reported) return e.exitCode;
    process.stderr.write(`pausenet: error: ${e.message}\n`);
    if (e.code === 'INTERNAL' || process.env.PAUSENET_DEBUG === '1') {
      if (process.env.PAUSENET_DEBUG === '1')
        process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
      else process.stderr.write('(this looks like a bug; rerun with PAUSENET_DEBUG=1 for details)\n');
    }
    return e.exitCode;
  }
}

export { CliError };
