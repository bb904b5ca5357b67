import { type CapName, capsExceededBy, type Metrics, type Policy } from '@pausenet/protocol';

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

/** One cap a commitment would exceed. */
export interface CapExcess {
  cap: CapName;
  value: string;
  limit: string;
}

/** What `pausenet commit` would publish, and the caps it exceeds (docs/protocol.md "Evidence": cap-exceeded). */
export interface CommitPlan {
  lab: string | null;
  epoch: number;
  /** The epoch the node's clock is in (the default when --epoch is not given). */
  currentEpoch: number;
  metrics: Metrics;
  exceeds: CapExcess[];
  /** cap-exceeded evidence makes members vote PAUSE without their operators (policy autoVote). */
  autoPause: boolean;
}

/** Compare the metrics with the network's caps (the same rule as the evidence, protocol `capsExceededBy`). */
export function planCommit(
  policy: Policy,
  metrics: Metrics,
  lab: string | null,
  epoch: number,
  currentEpoch: number,
): CommitPlan {
  const exceeds = capsExceededBy(metrics, policy).map((cap) => ({
    cap,
    value: metrics[cap].toString(),
    limit: policy.caps[cap].toString(),
  }));
  return {
    lab,
    epoch,
    currentEpoch,
    metrics,
    exceeds,
    autoPause: policy.autoVote.includes('cap-exceeded'),
  };
}

/** One line per exceeded cap: `largestRunFlop 3e25 > cap 1e25`. */
export function excessLines(plan: CommitPlan): string[] {
  return plan.exceeds.map(
    (e) => `${e.cap} ${formatQuantity(BigInt(e.value))} > cap ${formatQuantity(BigInt(e.limit))}`,
  );
}

/** What an over-cap commitment sets off, in one sentence. */
export function consequence(plan: CommitPlan): string {
  return plan.autoPause
    ? 'a signed commitment over a cap is self-proving cap-exceeded evidence: every member votes PAUSE automatically and, once t have voted, every lab halts; it cannot be withdrawn'
    : 'a signed commitment over a cap is self-proving cap-exceeded evidence that operators can approve a PAUSE on; it cannot be withdrawn';
}

/** Human rendering of a dry run. */
export function formatCommitPlan(plan: CommitPlan): string {
  const out = [
    `would commit for ${plan.lab ?? '(this node has no lab: it is an observer and refuses commits)'} epoch ${plan.epoch}${plan.epoch === plan.currentEpoch ? ' (the current epoch)' : ` (the current epoch is ${plan.currentEpoch})`}; the node picks seq and prev`,
  ];
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
  if (plan.exceeds.length === 0) out.push('within every cap');
  else {
    out.push(`EXCEEDS ${plan.exceeds.length} cap${plan.exceeds.length === 1 ? '' : 's'}:`);
    for (const l of excessLines(plan)) out.push(`  ${l}`);
    out.push(consequence(plan));
  }
  out.push('nothing committed (--dry-run)');
  return out.join('\n');
}
