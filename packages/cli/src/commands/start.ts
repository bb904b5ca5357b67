import type { Command } from 'commander';
import { type CliError, toCliError } from '../errors.js';

export interface StartOptions {
  config: string;
  passphraseFile?: string;
  logLevel?: string;
}

/** `pausenet start`: run the node daemon until SIGTERM/SIGINT. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the pausenet node (member or observer) until SIGTERM/SIGINT')
    .requiredOption('--config <file>', 'node config (YAML/JSON); see configs/member.example.yaml')
    .option('--passphrase-file <file>', 'keystore passphrase file (overrides config keystore.passphraseFile)')
    .option('--log-level <level>', 'override config logLevel (trace|debug|info|warn|error|silent)')
    .addHelpText(
      'after',
      `
Output is JSON lines only: the log on stderr, the lifecycle on stdout (event node.started once the
node is up, node.signal, node.stopped); a failed start is one node.start_failed line on stderr.
Exit codes: 0 clean shutdown, 3 bad config/genesis, 4 keystore (wrong passphrase), 5 data dir locked
or corrupt, 6 port in use.

Examples:
  $ pausenet start --config /etc/pausenet/member.yaml
  $ PAUSENET_PASSPHRASE_FILE=... pausenet start --config observer.yaml --log-level warn`,
    )
    .action(async (o: StartOptions) => {
      try {
        const { runStartCommand } = await import('./start-run.js');
        await runStartCommand(o);
      } catch (err) {
        throw reportStartFailure(err, o.config);
      }
    });
}

/**
 * A failed start as one JSON line on stderr, shaped like the node's log lines (docs/node.md "Logs":
 * everything `start` prints is JSON, for the log pipeline that collects it). Written here, without the
 * node's logger, because loading the node is one of the things that can fail (a native module built for
 * another Node.js). The error comes back marked as reported: the CLI only exits with its code.
 */
function reportStartFailure(err: unknown, configFile: string): CliError {
  const e = toCliError(err, { configFile });
  const debug = process.env.PAUSENET_DEBUG === '1';
  const line = {
    level: 50,
    time: Date.now(),
    event: 'node.start_failed',
    code: e.code,
    exitCode: e.exitCode,
    ...(e.code === 'INTERNAL' && !debug
      ? { hint: 'this looks like a bug; rerun with PAUSENET_DEBUG=1 for details' }
      : {}),
    ...(debug ? { stack: (err as Error | undefined)?.stack ?? String(err) } : {}),
    msg: e.message,
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  e.reported = true;
  return e;
}
