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

/** What `--force` does, in the words every refusal uses. */
export const FORCE_EXPLAINED =
  "--force runs a new ceremony: it replaces this member's BLS share in keystore.json (the old keystore is kept beside it as keystore.json.before-dkg-<time>) and the dkg section of genesis, which gives a new group key and a new network id; every member has to rerun it together, and certificates of the old key do not verify under the new genesis";

/** Where a failed ceremony leaves this member, for the next-step hint. */
export interface DkgFailureContext {
  code: string;
  /** Members the ceremony never heard from. */
  missing: string[];
  /** Members this one was connected to when dealing started. */
  connected: string[];
  others: { id: string; addrs: string[] }[];
  self: { id: string; addrs: string[] };
  connectTimeoutMs: number;
}

/** The operator's next step after a failed ceremony (nothing was written, so a rerun starts clean). */
export function dkgNextStep(f: DkgFailureContext): string {
  const secs = Math.round(f.connectTimeoutMs / 1000);
  const together = `every member runs \`pausenet dkg\` again at the same time (each within --connect-timeout, now ${secs} s, of the first)`;
  if (f.code === 'TRANSCRIPT_MISMATCH')
    return `do not use this key; compare \`pausenet genesis validate\` (ceremony id) with the other members, then ${together}`;
  if (f.connected.length === 0 && f.others.length > 0) {
    const addrs = f.others.map((m) => `${m.id} ${m.addrs.join(' ') || '(no addrs in genesis)'}`).join('; ');
    return `no other member was reachable from here (${f.others.map((m) => m.id).join(', ')}): ${together}. Check that their genesis addresses are reachable from this host (${addrs}) and that this node listens where genesis says it does (${f.self.id}: ${f.self.addrs.join(' ') || 'no addrs'}; config listen)`;
  }
  if (f.missing.length > 0)
    return `ask ${f.missing.join(', ')} to start \`pausenet dkg\` (check the member is running, its genesis copy has the same ceremony id and its address is reachable from here); then ${together}`;
  return `read the reasons above (excluded members must fix their node or keystore); then ${together}`;
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
    .option(
      '--force',
      'run a new ceremony although genesis holds a DKG result or the keystore a BLS share: replaces the share (old keystore kept as keystore.json.before-dkg-<time>) and the group key, so the network id changes',
    )
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
