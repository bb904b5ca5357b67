import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { collect, parseIntArg } from '../io/options.js';
import { MIN_PASSPHRASE, resolvePassphrase } from '../io/passphrase.js';

interface InitOptions {
  dataDir: string;
  lab: string;
  index: number;
  name?: string;
  addr: string[];
  passphraseFile?: string;
  force?: boolean;
  json?: boolean;
}

/** `pausenet init`: create a member's keys and print its genesis entry. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description(
      "create this lab's identity key (encrypted keystore) and libp2p node key; print the genesis entry",
    )
    .requiredOption('--data-dir <dir>', 'node data dir (created, mode 0700)')
    .requiredOption('--lab <id>', 'lab id as it will appear in genesis, e.g. lab-a ([a-z0-9-], <= 32 chars)')
    .requiredOption(
      '--index <n>',
      'BLS share index agreed for this lab (1..n, unique)',
      parseIntArg('--index', 1),
    )
    .option('--name <name>', 'human-readable lab name (default: the id)')
    .option(
      '--addr <multiaddr>',
      'public listen address others dial, e.g. /ip4/203.0.113.7/tcp/9000 (repeatable)',
      collect,
      [],
    )
    .option(
      '--passphrase-file <file>',
      'read the keystore passphrase from this file (else $PAUSENET_PASSPHRASE, else prompt)',
    )
    .option('--force', 'overwrite an existing keystore (destroys the old key!)')
    .option('--json', 'print the genesis entry as JSON instead of YAML')
    .addHelpText(
      'after',
      `
Writes <data-dir>/keystore.json (0600, scrypt + AES-256-GCM) and <data-dir>/node-key (0600).
Send the printed entry to whoever assembles genesis (\`pausenet genesis create\`).

Examples:
  $ pausenet init --data-dir /var/lib/pausenet --lab lab-a --index 1 --name "Lab A" \\
      --addr /ip4/203.0.113.7/tcp/9000 > lab-a.entry.yaml
  $ PAUSENET_PASSPHRASE=... pausenet init --data-dir ./a --lab lab-a --index 1 --json`,
    )
    .action(async (o: InitOptions) => {
      const passphrase = await resolvePassphrase({
        ...(o.passphraseFile ? { file: o.passphraseFile } : {}),
        confirm: true,
      });
      if (passphrase.length < MIN_PASSPHRASE)
        throw new CliError(
          'KEYSTORE',
          `passphrase too short (${passphrase.length} chars); use at least ${MIN_PASSPHRASE}`,
        );
      for (const a of o.addr)
        if (!/^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d+$/.test(a))
          throw new CliError(
            'USAGE',
            `--addr must look like /ip4/203.0.113.7/tcp/9000 (no /p2p), got "${a}"`,
          );
      const { initMember, memberSnippet } = await import('./init-core.js');
      const info = await initMember({
        dataDir: o.dataDir,
        lab: o.lab,
        index: o.index,
        ...(o.name ? { name: o.name } : {}),
        passphrase,
        addrs: o.addr,
        ...(o.force ? { force: true } : {}),
      });
      if (o.json) process.stdout.write(`${JSON.stringify(info)}\n`);
      else {
        process.stderr.write(
          `created keystore and node key in ${o.dataDir}; genesis entry for ${info.id}:\n`,
        );
        process.stdout.write(memberSnippet(info));
      }
    });
}
