import type { DkgProgress } from '@pausenet/node';
import { toHex } from '@pausenet/protocol';
import type { Command } from 'commander';
import { parseIntArg } from '../io/options.js';

export interface DkgOptions {
  config: string;
  passphraseFile?: string;
  phaseTimeout: number;
  connectTimeout: number;
  linger: number;
  force?: boolean;
  json?: boolean;
}

/** Render one progress event as a line. */
export function formatDkgProgress(p: DkgProgress): string {
  switch (p.type) {
    case 'connecting':
      return p.waitingFor.length
        ? `connecting: ${p.connected.length ? `connected to ${p.connected.join(', ')}; ` : ''}waiting for ${p.waitingFor.join(', ')}`
        : `connected to all members (${p.connected.join(', ')})`;
    case 'started':
      return `dealing: ${p.members} members, threshold ${p.threshold}`;
    case 'phase':
      return `phase ${p.phase}`;
    case 'deal':
      return `deal received from ${p.from}`;
    case 'response':
      return `response from ${p.from}: ${p.complaints.length ? `COMPLAINS about ${p.complaints.join(', ')}` : 'no complaints'}`;
    case 'justification':
      return `justification from ${p.from} (${p.revealed} share(s) revealed)`;
    case 'computed':
      return `computed group key ${toHex(p.groupPublicKey).slice(0, 24)}…, transcript ${toHex(p.transcriptHash).slice(0, 16)}…; qualified: ${p.qualified.join(', ')}${p.excluded.length ? `; EXCLUDED: ${p.excluded.map((e) => `${e.lab} (${e.reason})`).join(', ')}` : ''}`;
    case 'attested':
      return `${p.from} ${p.agrees ? 'confirmed the same result' : 'REPORTS A DIFFERENT RESULT'}`;
    case 'lingering':
      return `serving bundles ${p.ms} ms more for slower peers`;
  }
}

/** `pausenet dkg`: this member's side of the network DKG ceremony. */
export function registerDkg(program: Command): void {
  program
    .command('dkg')
    .description('run the distributed key generation with the other members (all run it at the same time)')
    .requiredOption('--config <file>', "this member's node config (genesisFile, listen, keystore)")
    .option(
      '--passphrase-file <file>',
      'keystore passphrase file (else config keystore.passphraseFile/Env, $PAUSENET_PASSPHRASE, prompt)',
    )
    .option(
      '--phase-timeout <ms>',
      'max duration of each DKG phase (phases end early when complete)',
      parseIntArg('--phase-timeout', 100),
      30_000,
    )
    .option(
      '--connect-timeout <ms>',
      'wait this long for all members before dealing anyway',
      parseIntArg('--connect-timeout', 0),
      120_000,
    )
    .option('--linger <ms>', 'keep serving bundles after finishing', parseIntArg('--linger', 0), 1500)
    .option('--force', 'rerun although genesis already holds a DKG result (replaces it)')
    .option('--json', 'progress on stderr; last stdout line is the result as JSON')
    .addHelpText(
      'after',
      `
Every member runs this at the same time with the same (pre-DKG) genesis file. The ceremony
(Pedersen/joint-Feldman with complaints and justifications) has no trusted dealer: bundles are
signed by their dealer, shares are encrypted to each recipient, and the transcript is public.
On success it writes the group public key and public shares into genesisFile and this member's
BLS share into its keystore; all members must end with byte-identical genesis files
(check with \`pausenet genesis validate\`: same network id).

Examples:
  $ pausenet dkg --config /etc/pausenet/member.yaml
  $ pausenet dkg --config member.yaml --passphrase-file /run/secrets/pausenet --json`,
    )
    .action(async (o: DkgOptions) => {
      const { runDkgCommand } = await import('./dkg-run.js');
      await runDkgCommand(o);
    });
}
