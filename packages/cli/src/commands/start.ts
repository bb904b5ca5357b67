import type { Command } from 'commander';

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
node is up, node.signal, node.stopped).
Exit codes: 0 clean shutdown, 3 bad config/genesis, 4 keystore (wrong passphrase), 5 data dir locked
or corrupt, 6 port in use.

Examples:
  $ pausenet start --config /etc/pausenet/member.yaml
  $ PAUSENET_PASSPHRASE_FILE=... pausenet start --config observer.yaml --log-level warn`,
    )
    .action(async (o: StartOptions) => {
      const { runStartCommand } = await import('./start-run.js');
      await runStartCommand(o);
    });
}
