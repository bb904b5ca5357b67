import {
  breachLevel,
  type CapName,
  capsExceededBy,
  effectiveLimits,
  hasRelativeLimits,
  type Level,
  limitExcesses,
  type Metrics,
  type Policy,
} from '@pausenet/protocol';

/** A quantity as the operator typed it: `3e25` rather than 26 digits when that is exact. */
export function formatQuantity(v: bigint): string {
  const digits = v.toString();
  const m = /^(\d+?)(0*)$/.exec(digits)!;
  const mantissa = m[1]!;
  const zeros = m[2]!.length;
  if (zeros < 3 || mantissa.length > 6) return digits;
  const exp = zeros + mantissa.length - 1;
  return `${mantissa[0]}${mantissa.length > 1 ? `.${mantissa.slice(1)}` : ''}e${exp}`;
}

/** One cap a commitment would exceed, and the level its breach leads to (docs/protocol.md "Levels"). */
export interface CapExcess {
  cap: CapName;
  value: string;
  limit: string;
  level: Exclude<Level, 'RUNNING'>;
}

/** One limit of the level in force that a commitment would exceed (pause-violation, docs/protocol.md "Compliance"). */
export interface LevelLimitExcess {
  metric: string;
  value: string;
  limit: string;
}

/** What `pausenet commit` would publish, and what it exceeds. */
export interface CommitPlan {
  lab: string | null;
  epoch: number;
  /** The epoch the node's clock is in (the default when --epoch is not given). */
  currentEpoch: number;
  metrics: Metrics;
  /** Genesis caps the values exceed: cap-exceeded evidence. */
  exceeds: CapExcess[];
  /** cap-exceeded evidence makes members vote without their operators (policy autoVote). */
  autoPause: boolean;
  /** The level the network is at now (limits hold above RUNNING). */
  state: Level;
  /** Absolute limits of that level the values exceed (relative limits need the lab's baseline: not checked here). */
  overLevelLimits: LevelLimitExcess[];
  /** The level has relative limits this check does not evaluate. */
  relativeLimitsUnchecked: boolean;
}

/** Compare the metrics with the network's caps and the limits of the level in force (the evidence's own rules). */
export function planCommit(
  policy: Policy,
  metrics: Metrics,
  lab: string | null,
  epoch: number,
  currentEpoch: number,
  state: Level,
): CommitPlan {
  const exceeds = capsExceededBy(metrics, policy).map((cap) => ({
    cap,
    value: metrics[cap].toString(),
    limit: policy.caps[cap].toString(),
    level: breachLevel(policy, { kind: 'cap-exceeded', lab: lab ?? '', epoch, cap }),
  }));
  const limits = effectiveLimits(policy, state);
  return {
    lab,
    epoch,
    currentEpoch,
    metrics,
    exceeds,
    autoPause: policy.autoVote.includes('cap-exceeded'),
    state,
    overLevelLimits: limitExcesses(metrics, limits, null).map((e) => ({
      metric: e.metric,
      value: e.value.toString(),
      limit: e.limit.toString(),
    })),
    relativeLimitsUnchecked: hasRelativeLimits(limits),
  };
}

/** Whether committing this needs the operator's confirmation: it would be breach evidence. */
export function needsConfirmation(plan: CommitPlan): boolean {
  return plan.exceeds.length > 0 || plan.overLevelLimits.length > 0;
}

/** One line per exceeded cap or limit: `largestRunFlop 3e25 > cap 1e25`. */
export function excessLines(plan: CommitPlan): string[] {
  return [
    ...plan.exceeds.map(
      (e) => `${e.cap} ${formatQuantity(BigInt(e.value))} > cap ${formatQuantity(BigInt(e.limit))}`,
    ),
    ...plan.overLevelLimits.map(
      (e) =>
        `${e.metric} ${formatQuantity(BigInt(e.value))} > ${plan.state} limit ${formatQuantity(BigInt(e.limit))}`,
    ),
  ];
}

/** What such a commitment sets off, in one sentence. */
export function consequence(plan: CommitPlan): string {
  const parts: string[] = [];
  if (plan.exceeds.length) {
    const levels = [...new Set(plan.exceeds.map((e) => e.level))];
    const to = levels.includes('PAUSED') ? 'PAUSED' : levels[0];
    parts.push(
      plan.autoPause
        ? `a signed commitment over a cap is self-proving cap-exceeded evidence: every member votes to move the network to ${to} automatically and, once t have voted, every lab's hooks ${to === 'PAUSED' ? 'halt' : 'reduce'} its training`
        : `a signed commitment over a cap is self-proving cap-exceeded evidence that operators can approve a move to ${to} on`,
    );
  }
  if (plan.overLevelLimits.length)
    parts.push(
      `over the limits of the ${plan.state} level it is self-proving pause-violation evidence against this lab`,
    );
  parts.push('it cannot be withdrawn');
  return parts.join('; ');
}

/** Human rendering of a dry run. */
export function formatCommitPlan(plan: CommitPlan): string {
  const out = [
    `would commit for ${plan.lab ?? '(this node has no lab: it is an observer and refuses commits)'} epoch ${plan.epoch}${plan.epoch === plan.currentEpoch ? ' (the current epoch)' : ` (the current epoch is ${plan.currentEpoch})`}; the node picks seq and prev`,
  ];
  if (plan.epoch < 0)
    out.push("  the network's genesisTime has not come yet: the node refuses commitments (BEFORE_GENESIS)");
  const m = plan.metrics;
  for (const [k, v] of [
    ['trainingFlop', m.trainingFlop],
    ['largestRunFlop', m.largestRunFlop],
    ['maxParams', m.maxParams],
    ['datasetTokens', m.datasetTokens],
    ['acceleratorHours', m.acceleratorHours],
  ] as const)
    out.push(`  ${k.padEnd(17)} ${formatQuantity(v)}`);
  out.push(`  ${'utilizationBps'.padEnd(17)} ${m.utilizationBps}`);
  const lines = excessLines(plan);
  if (lines.length === 0)
    out.push(plan.state === 'RUNNING' ? 'within every cap' : `within every cap and the ${plan.state} limits`);
  else {
    out.push(
      `EXCEEDS ${lines.length} ${plan.state === 'RUNNING' ? 'cap' : 'cap or limit'}${lines.length === 1 ? '' : 's'}:`,
    );
    for (const l of lines) out.push(`  ${l}`);
    out.push(consequence(plan));
  }
  if (plan.relativeLimitsUnchecked)
    out.push(
      `note: the ${plan.state} level also has relative limits (against this lab's baseline commitments); they are not checked here`,
    );
  out.push('nothing committed (--dry-run)');
  return out.join('\n');
}
