import { PROTOCOL_VERSION } from '@pausenet/protocol';
import type { Command } from 'commander';
import { parse as parseYaml, stringify } from 'yaml';
import { CliError } from '../errors.js';
import { readTextFile } from '../io/files.js';
import { collect, parseIntArg } from '../io/options.js';

interface CreateOptions {
  name: string;
  member: string[];
  threshold?: number;
  policy?: string;
  out: string;
  json?: boolean;
}

/** `pausenet genesis create|validate`. */
export function registerGenesis(program: Command): void {
  const g = program
    .command('genesis')
    .description("assemble a genesis file from the members' entries, or validate one")
    .addHelpText(
      'after',
      `
Examples:
  $ pausenet genesis create --name frontier-pause --member lab-a.entry.yaml --member lab-b.entry.yaml \\
      --member lab-c.entry.yaml --member lab-d.entry.yaml --out genesis.yaml
  $ pausenet genesis validate genesis.yaml`,
    );
  g.command('create')
    .description('assemble genesis.yaml from member entries printed by `pausenet init` (DKG slot left empty)')
    .requiredOption('--name <name>', 'network name')
    .requiredOption(
      '--member <file>',
      'a member entry file from `pausenet init` (repeat per member)',
      collect,
      [],
    )
    .option(
      '--threshold <t>',
      'votes needed for any transition (default floor(2n/3)+1)',
      parseIntArg('--threshold', 1),
    )
    .option('--policy <file>', 'YAML file with the `policy:` section (default: built-in caps, 1-day epochs)')
    .requiredOption('--out <file>', 'where to write genesis.yaml')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Then run the DKG ceremony: every member runs \`pausenet dkg --config <their config>\` at the same time.

Example:
  $ pausenet genesis create --name frontier-pause --member a.yaml --member b.yaml --member c.yaml \\
      --threshold 2 --policy policy.yaml --out genesis.yaml`,
    )
    .action(async (o: CreateOptions) => {
      const { parseGenesisText, writeGenesis } = await import('../io/genesis.js');
      const { defaultPolicy, genesisSummary } = await import('./genesis-core.js');
      if (o.member.length === 0) throw new CliError('USAGE', 'give at least one --member file');
      const members: unknown[] = [];
      for (const f of o.member) {
        let doc: unknown;
        try {
          doc = parseYaml(await readTextFile(f, 'member file', 'USAGE'));
        } catch (err) {
          if (err instanceof CliError) throw err;
          throw new CliError(
            'USAGE',
            `member file ${f} is not YAML: ${(err as Error).message.split('\n')[0]}`,
          );
        }
        const list = Array.isArray(doc) ? doc : [doc];
        members.push(...list);
      }
      let policy: unknown = defaultPolicy(Date.now());
      if (o.policy) {
        const doc = parseYaml(await readTextFile(o.policy, 'policy file', 'USAGE')) as Record<
          string,
          unknown
        > | null;
        policy = doc && typeof doc === 'object' && 'policy' in doc ? doc.policy : doc;
      }
      const n = members.length;
      const threshold = o.threshold ?? Math.floor((2 * n) / 3) + 1;
      const text = stringify(
        { version: PROTOCOL_VERSION, name: o.name, threshold, members, policy },
        { lineWidth: 0 },
      );
      const genesis = parseGenesisText(text, o.out);
      await writeGenesis(o.out, genesis);
      const s = genesisSummary(genesis);
      if (o.json) process.stdout.write(`${JSON.stringify(s)}\n`);
      else
        process.stdout.write(
          `wrote ${o.out}: ${n} members, threshold ${threshold}, ceremony id ${s.ceremonyId}\nnext: every member runs \`pausenet dkg --config <config>\`\n`,
        );
    });
  g.command('validate')
    .description('check a genesis file; prints network id, members, threshold and DKG state')
    .argument('<file>', 'genesis.yaml')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nExample:\n  $ pausenet genesis validate genesis.yaml --json | jq .networkId')
    .action(async (file: string, o: { json?: boolean }) => {
      const { loadGenesis } = await import('../io/genesis.js');
      const { genesisSummary } = await import('./genesis-core.js');
      const genesis = await loadGenesis(file);
      const s = genesisSummary(genesis);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ valid: true, ...s })}\n`);
        return;
      }
      process.stdout.write(
        `${[
          `${file}: valid`,
          `  name         ${s.name}`,
          `  ceremony id  ${s.ceremonyId}`,
          `  network id   ${s.networkId}`,
          `  members      ${s.members.map((m) => `${m.id}#${m.index}`).join(', ')}`,
          `  threshold    ${s.threshold}`,
          `  dkg          ${s.dkg ? `done, group key ${s.dkg.groupPublicKey.slice(0, 24)}…` : 'not yet run (run `pausenet dkg`)'}`,
          s.dkg
            ? 'compare the network id with every member: after the DKG it covers members, policy and group key'
            : 'compare the ceremony id with every member before the DKG: the ceremony runs only among identical genesis files',
        ].join('\n')}\n`,
      );
    });
}
