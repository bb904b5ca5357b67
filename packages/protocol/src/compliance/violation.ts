import { bytesEqual } from '../bytes.js';
import { epochStart } from '../epoch.js';
import { baselineEpochsOf, effectiveLimits, levelRank } from '../level.js';
import { certificateHash } from '../signing.js';
import type {
  Acknowledgment,
  Certificate,
  Genesis,
  PauseViolation,
  SignedCommitment,
  SignedReceipt,
} from '../types.js';
import { baselineSegment, hasRelativeLimits, limitExcesses } from './limits.js';

export interface PauseViolationInput {
  genesis: Genesis;
  /** Certificate K: a level above RUNNING at height h. */
  certificate: Certificate;
  /** The lab's commitment for the epoch in question. */
  commitment: SignedCommitment;
  /** The lab's commitments held (any order; a part of its chain is enough when it holds the baseline). */
  chain: readonly SignedCommitment[];
  /** The lab's receipts held (any certificates). */
  receipts: readonly SignedReceipt[];
}

/**
 * Build pause-violation evidence when the lab's own signed data prove it (docs/protocol.md
 * "pause-violation"): an acknowledgment of K issued before the epoch began (its receipt for K, else an
 * earlier commitment of its own at height h with a level at least K's), the commitment still at height h,
 * and a metric over limits[K.target]. The baseline is included only when no absolute limit is exceeded.
 * Returns null when the data prove no violation. Pure; validate the result with validateEvidence.
 */
export function buildPauseViolation(input: PauseViolationInput): PauseViolation | null {
  const { genesis, certificate: k, commitment } = input;
  const c = commitment.commitment;
  if (k.target === 'RUNNING' || c.height !== k.height) return null;
  const start = epochStart(genesis.policy, c.epoch);
  const kHash = certificateHash(k);
  let acknowledgment: Acknowledgment | null = null;
  for (const r of input.receipts)
    if (
      r.receipt.lab === c.lab &&
      bytesEqual(r.receipt.certificateHash, kHash) &&
      r.receipt.issuedAt < start &&
      (acknowledgment === null ||
        (acknowledgment.kind === 'receipt' && r.receipt.issuedAt < acknowledgment.receipt.receipt.issuedAt))
    )
      acknowledgment = { kind: 'receipt', receipt: r };
  const chain = [...input.chain]
    .filter((sc) => sc.commitment.lab === c.lab)
    .sort((a, b) => a.commitment.seq - b.commitment.seq);
  if (acknowledgment === null) {
    const a = chain.find(
      (sc) =>
        sc.commitment.height === k.height &&
        levelRank(sc.commitment.level) >= levelRank(k.target) &&
        sc.commitment.seq < c.seq &&
        sc.commitment.issuedAt < start,
    );
    if (a !== undefined) acknowledgment = { kind: 'commitment', commitment: a };
  }
  if (acknowledgment === null) return null;
  const limits = effectiveLimits(genesis.policy, k.target);
  if (limitExcesses(c.metrics, limits, null).length > 0)
    return { kind: 'pause-violation', certificate: k, acknowledgment, commitment, baseline: [] };
  if (!hasRelativeLimits(limits)) return null;
  const segment = baselineSegment(
    chain,
    { height: k.height, level: k.target },
    baselineEpochsOf(genesis.policy),
  );
  if (segment === null || segment.length < 2) return null;
  const boundary = segment[segment.length - 1] as SignedCommitment;
  if (boundary.commitment.seq > c.seq) return null;
  const baseline = segment.slice(0, -1).map((sc) => sc.commitment.metrics);
  if (limitExcesses(c.metrics, limits, baseline).length === 0) return null;
  return { kind: 'pause-violation', certificate: k, acknowledgment, commitment, baseline: segment };
}
