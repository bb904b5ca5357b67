import { bytesEqual } from '../bytes.js';
import { compareHeightLevel, type HeightLevel } from '../level.js';
import { hashSignedCommitment } from '../signing.js';
import type { Limits, Metrics, SignedCommitment } from '../types.js';

/** Limits while the network is above RUNNING, and the baseline relative limits compare with (docs/protocol.md "Compliance"). Pure. */

/** One metric of a commitment over its limit (metric > limit, like caps). */
export interface LimitExcess {
  metric: 'trainingFlop' | 'largestRunFlop' | 'acceleratorHours';
  value: bigint;
  /** The largest value the limit allows (for relative limits: computed from the baseline, rounded down). */
  limit: bigint;
}

/**
 * The metrics of `metrics` over `limits`. Relative limits need the baseline (the lab's commitments before
 * the level): with `baseline` null or empty they are not evaluated. All arithmetic is exact:
 * largestRunFlop ≤ max(baseline largestRunFlop) · (10 000 + g) / 10 000;
 * acceleratorHours ≤ Σ(baseline acceleratorHours) · bps / (10 000 · n).
 */
export function limitExcesses(
  metrics: Metrics,
  limits: Limits,
  baseline: readonly Metrics[] | null,
): LimitExcess[] {
  const out: LimitExcess[] = [];
  if (limits.trainingFlop !== undefined && metrics.trainingFlop > limits.trainingFlop)
    out.push({ metric: 'trainingFlop', value: metrics.trainingFlop, limit: limits.trainingFlop });
  if (baseline === null || baseline.length === 0) return out;
  if (limits.largestRunGrowthBps !== undefined) {
    let top = 0n;
    for (const m of baseline) if (m.largestRunFlop > top) top = m.largestRunFlop;
    const limit = (top * (10_000n + BigInt(limits.largestRunGrowthBps))) / 10_000n;
    if (metrics.largestRunFlop > limit)
      out.push({ metric: 'largestRunFlop', value: metrics.largestRunFlop, limit });
  }
  if (limits.acceleratorHoursBps !== undefined) {
    let sum = 0n;
    for (const m of baseline) sum += m.acceleratorHours;
    const limit = (sum * BigInt(limits.acceleratorHoursBps)) / (10_000n * BigInt(baseline.length));
    if (metrics.acceleratorHours > limit)
      out.push({ metric: 'acceleratorHours', value: metrics.acceleratorHours, limit });
  }
  return out;
}

/** Whether the limits have a relative part (one that needs a baseline). */
export function hasRelativeLimits(limits: Limits): boolean {
  return limits.largestRunGrowthBps !== undefined || limits.acceleratorHoursBps !== undefined;
}

/**
 * Check a baseline segment for the applied state `at` = (h, level of K): consecutive commitments of one
 * lab (seq + 1, prev = hash of the one before) that end with the lab's first commitment at or above `at`
 * (the boundary) and hold exactly the min(k, boundary.seq) commitments before it, all below `at`. Returns
 * the problem, or null. The baseline is the segment without its boundary.
 */
export function baselineProblem(
  segment: readonly SignedCommitment[],
  at: HeightLevel,
  k: number,
): string | null {
  const boundary = segment[segment.length - 1];
  if (boundary === undefined) return 'the baseline segment is empty';
  const lab = boundary.commitment.lab;
  for (let i = 1; i < segment.length; i++) {
    const a = (segment[i - 1] as SignedCommitment).commitment;
    const b = (segment[i] as SignedCommitment).commitment;
    if (a.lab !== lab || b.lab !== lab) return 'the baseline mixes labs';
    if (b.seq !== a.seq + 1) return `seq ${b.seq} does not follow seq ${a.seq}`;
    if (!bytesEqual(b.prev, hashSignedCommitment(segment[i - 1] as SignedCommitment)))
      return `seq ${b.seq} does not link to seq ${a.seq} (prev)`;
  }
  if (compareHeightLevel(boundary.commitment, at) < 0)
    return `the last commitment (seq ${boundary.commitment.seq}) is below height ${at.height} ${at.level}: it is not the boundary`;
  const before = segment.length - 1;
  const want = Math.min(k, boundary.commitment.seq);
  if (before !== want)
    return `${before} commitments precede the boundary; the baseline is exactly min(k=${k}, seq ${boundary.commitment.seq}) = ${want}`;
  const last = segment[before - 1];
  if (last !== undefined && compareHeightLevel(last.commitment, at) >= 0)
    return `seq ${last.commitment.seq} is already at or above height ${at.height} ${at.level}: the boundary is earlier`;
  return null;
}

/**
 * The baseline segment for `at` taken from a lab's chain (ascending seq; may be a part of it): the boundary
 * and the min(k, seq) commitments before it, or null when the chain does not hold them all.
 */
export function baselineSegment(
  chain: readonly SignedCommitment[],
  at: HeightLevel,
  k: number,
): SignedCommitment[] | null {
  const bi = chain.findIndex((sc) => compareHeightLevel(sc.commitment, at) >= 0);
  if (bi < 0) return null;
  const boundary = chain[bi] as SignedCommitment;
  const want = Math.min(k, boundary.commitment.seq);
  if (bi < want) return null;
  const segment = chain.slice(bi - want, bi + 1);
  return baselineProblem(segment, at, k) === null ? segment : null;
}
