import { epochAt, genesisFromJson, metricsFromJson } from '@pausenet/protocol';
import type { CommitmentRequestBody, StatusBody, SubmittedCommitment } from '@pausenet/protocol/api';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { apiCall } from '../io/api-client.js';
import { confirmOnTerminal } from '../io/confirm.js';
import { parseBigArg, parseIntArg } from '../io/options.js';
import { addTargetOptions, resolveTarget, type TargetOptions } from '../io/target.js';
import { print } from './api.js';
import { consequence, excessLines, formatCommitPlan, needsConfirmation, planCommit } from './commit-plan.js';

interface CommitOptions extends TargetOptions {
  trainingFlop: string;
  largestRunFlop: string;
  maxParams: string;
  datasetTokens: string;
  acceleratorHours: string;
  utilizationBps: number;
  epoch?: number;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** `pausenet commit`: have the local member node sign and gossip a compute commitment. */
export function registerCommit(program: Command): void {
  const cmd = program
    .command('commit')
    .description("sign and publish this lab's compute commitment for the current epoch (via the local node)")
    .requiredOption(
      '--training-flop <n>',
      'total training compute this epoch (FLOP)',
      parseBigArg('--training-flop'),
    )
    .requiredOption('--largest-run-flop <n>', 'largest single run (FLOP)', parseBigArg('--largest-run-flop'))
    .requiredOption('--max-params <n>', 'largest model trained (parameters)', parseBigArg('--max-params'))
    .requiredOption('--dataset-tokens <n>', 'largest dataset used (tokens)', parseBigArg('--dataset-tokens'))
    .option(
      '--accelerator-hours <n>',
      'accelerator hours this epoch',
      parseBigArg('--accelerator-hours'),
      '0',
    )
    .option(
      '--utilization-bps <n>',
      'average utilisation in basis points (0..10000)',
      parseIntArg('--utilization-bps'),
      0,
    )
    .option('--epoch <n>', 'epoch to commit for (default: the current epoch)', parseIntArg('--epoch'))
    .option(
      '--dry-run',
      "print what would be committed and which of the network's caps it exceeds; commit nothing",
    )
    .option(
      '--yes',
      'commit even when a value exceeds a cap (that is breach evidence: it pauses every lab); without a terminal this is the only way to do so',
    )
    .option('--json', 'print the signed commitment (or, with --dry-run, the plan) as JSON');
  addTargetOptions(cmd).addHelpText(
    'after',
    `
The values are checked against the genesis caps first. A commitment over a cap is self-proving
breach evidence: members vote on it (automatically, by default policy) and every lab halts or
reduces. While the network is REDUCED or PAUSED, the level's limits are checked too (over them is
pause-violation evidence). Either asks for confirmation on a terminal; without one it is refused
(exit 10) unless --yes is given. --dry-run shows the epoch, the values and what they exceed.

Examples:
  $ pausenet commit --data-dir /var/lib/pausenet --training-flop 3e24 --largest-run-flop 1e24 \\
      --max-params 7e10 --dataset-tokens 2e12 --accelerator-hours 120000 --utilization-bps 8200
  $ pausenet commit --data-dir /var/lib/pausenet --training-flop 3e24 --largest-run-flop 1e24 \\
      --max-params 7e10 --dataset-tokens 2e12 --dry-run
  $ pausenet commit --api http://127.0.0.1:8645 --token-file ./api-token --training-flop 0 \\
      --largest-run-flop 0 --max-params 0 --dataset-tokens 0 --json`,
  );
  cmd.action(async (o: CommitOptions) => {
    if (o.utilizationBps > 10_000)
      throw new CliError('USAGE', `--utilization-bps must be 0..10000, got ${o.utilizationBps}`);
    if (o.dryRun && o.yes) throw new CliError('USAGE', '--dry-run commits nothing; drop --yes');
    const target = await resolveTarget(o, !o.dryRun);
    const metricsJson = {
      trainingFlop: o.trainingFlop,
      largestRunFlop: o.largestRunFlop,
      maxParams: o.maxParams,
      datasetTokens: o.datasetTokens,
      acceleratorHours: o.acceleratorHours,
      utilizationBps: o.utilizationBps,
    };
    // The node's genesis, not a local file: the caps that count are the ones the network enforces.
    const [genesisJson, status] = await Promise.all([
      apiCall<unknown>(target, 'GET', '/v1/genesis'),
      apiCall<StatusBody>(target, 'GET', '/v1/status'),
    ]);
    const policy = genesisFromJson(genesisJson).policy;
    const currentEpoch = epochAt(policy, Date.now());
    const plan = planCommit(
      policy,
      metricsFromJson(metricsJson),
      status.self,
      o.epoch ?? currentEpoch,
      currentEpoch,
      status.state,
    );
    if (o.dryRun) {
      print(
        !!o.json,
        {
          dryRun: true,
          lab: plan.lab,
          epoch: plan.epoch,
          currentEpoch,
          metrics: metricsJson,
          exceeds: plan.exceeds,
          autoPause: plan.autoPause,
          state: plan.state,
          overLevelLimits: plan.overLevelLimits,
          relativeLimitsUnchecked: plan.relativeLimitsUnchecked,
        },
        formatCommitPlan(plan),
      );
      return;
    }
    if (needsConfirmation(plan) && !o.yes) {
      const what = excessLines(plan).join(', ');
      process.stderr.write(`pausenet: this commitment exceeds a cap: ${what}\n  ${consequence(plan)}\n`);
      await confirmOnTerminal(
        'Commit it anyway?',
        'yes',
        `refusing to commit over a cap (${what}) without confirmation: there is no terminal to ask on. Check the values with --dry-run; pass --yes to commit anyway (it is breach evidence: the network moves to a higher level)`,
      );
    }
    const body: CommitmentRequestBody = {
      metrics: metricsJson,
      ...(o.epoch !== undefined ? { epoch: o.epoch } : {}),
    };
    const c = await apiCall<SubmittedCommitment>(target, 'POST', '/v1/commitments', body);
    print(!!o.json, c, `committed: lab ${c.lab} epoch ${c.epoch} seq ${c.seq} hash ${c.hash}`);
  });
}
