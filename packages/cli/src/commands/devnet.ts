import { type Command, Option } from 'commander';
import { SCENARIOS, type Scenario } from '../devnet/types.js';
import { CliError } from '../errors.js';
import { parseIntArg } from '../io/options.js';

interface DevnetCliOptions {
  labs: number;
  observers: number;
  threshold?: number;
  scenario: Scenario;
  json?: boolean;
  keep?: boolean;
  slurm?: boolean;
  stepTimeout: number;
}

/** `pausenet devnet`: a whole network on this machine, playing one scenario. */
export function registerDevnet(program: Command): void {
  program
    .command('devnet')
    .description(
      'run a local network (separate processes on 127.0.0.1) through a scenario, printing a timeline',
    )
    .option('--labs <n>', 'member labs', parseIntArg('--labs', 2), 4)
    .option('--observers <m>', 'observer nodes', parseIntArg('--observers', 0), 1)
    .option(
      '--threshold <t>',
      'votes needed (default floor(2n/3)+1; must be > n/2 and <= n)',
      parseIntArg('--threshold', 1),
    )
    .addOption(new Option('--scenario <name>', 'what happens').choices(SCENARIOS).default('cap-breach'))
    .option('--json', 'timeline on stderr; the last stdout line is the result JSON')
    .option('--keep', 'keep the temp data dirs (logs, databases, hook logs) for inspection')
    .option('--slurm', "also wire lab 1's halt hook to the live Slurm adapter (needs a local Slurm)")
    .option(
      '--step-timeout <ms>',
      'max wait for each scenario step',
      parseIntArg('--step-timeout', 1000),
      60_000,
    )
    .addHelpText(
      'after',
      `
Scenarios:
  honest        every lab commits under the caps; nothing happens (ends RUNNING at height 0)
  cap-breach    one lab commits a run over the cap -> votes -> certificate -> halt hooks -> resume
  reduce        cap-breach under a policy whose levels map that cap to REDUCED: the certificate targets
                REDUCED, every lab's hook runs its reduce action, then the resume restores RUNNING
  equivocation  one lab signs two different commitments for one epoch (injected by the devnet)
  missed        one lab misses its commitment deadline; operators approve the pause
  partition     only 2 labs online: no certificate; the others join, the pause completes
  rejoin        cap-breach with the last lab offline during the pause and the resume; it joins afterwards,
                syncs the old over-cap commitment and the network stays RUNNING at height 2 (no hook re-runs)

Examples:
  $ npm run demo                                   # = pausenet devnet
  $ pausenet devnet --labs 7 --observers 2 --scenario equivocation
  $ pausenet devnet --scenario cap-breach --json | tail -n1 | jq .timings`,
    )
    .action(async (o: DevnetCliOptions) => {
      if (o.labs > 64) throw new CliError('USAGE', `--labs must be <= 64 on one machine, got ${o.labs}`);
      const threshold = o.threshold ?? Math.floor((2 * o.labs) / 3) + 1;
      if (threshold * 2 <= o.labs || threshold > o.labs)
        throw new CliError('USAGE', `--threshold must be > labs/2 and <= labs (${o.labs}), got ${threshold}`);
      if (o.scenario === 'rejoin' && threshold > o.labs - 1)
        throw new CliError(
          'USAGE',
          `the rejoin scenario keeps one lab offline during the pause: needs threshold <= labs - 1 (${o.labs - 1}), got ${threshold}`,
        );
      if (o.scenario === 'partition' && (o.labs < 3 || threshold <= 2))
        throw new CliError(
          'USAGE',
          'the partition scenario holds back all but 2 labs: needs --labs >= 3 and threshold > 2',
        );
      let extraHooksLab1: Record<string, unknown>[] | undefined;
      // The training partition of scripts/slurm (inference in 'infer' keeps running).
      if (o.slurm) extraHooksLab1 = [{ type: 'slurm', name: 'slurm', partitions: ['train'] }];
      const { runDevnet } = await import('../devnet/run.js');
      const result = await runDevnet({
        labs: o.labs,
        observers: o.observers,
        threshold,
        scenario: o.scenario,
        json: !!o.json,
        keep: !!o.keep,
        stepTimeoutMs: o.stepTimeout,
        ...(extraHooksLab1 ? { extraHooksLab1 } : {}),
      });
      if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      if (!result.ok) process.exitCode = 1;
    });
}
