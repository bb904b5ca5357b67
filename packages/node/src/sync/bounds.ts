import { epochAt, type Genesis } from '@pausenet/protocol';

/** Judged evidence items a reporter may have stored per epoch when the policy does not say (its default). */
const DEFAULT_JUDGED_PER_REPORTER_EPOCH = 8;
/** Self-proving breaches one lab can commit per epoch: each cap exceeded, plus one equivocation. */
const SELF_PROVING_PER_LAB_EPOCH = 5;

/** What a status advertisement can plausibly claim, given the genesis and the clock. */
export interface SyncBounds {
  /** `lab` is a genesis member (heads of other "labs" are ignored). */
  isLab(lab: string): boolean;
  /** Highest commitment seq a lab can have signed by now: one commitment per epoch, epochs start at 0. */
  maxSeq(): number;
  /** Most evidence items a genesis-valid network can hold by now. */
  maxEvidence(): number;
  /** Number of genesis members. */
  members(): number;
}

/**
 * Bounds of a genesis-valid network (docs/protocol.md "Req/resp sync", "Bounds"): a status claiming more
 * is clamped to them, so an outsider advertising `evidenceCount` 2^53-1 buys at most the pages an honest
 * network could fill. Commitments: a lab signs at most one per epoch (C_EPOCH_ORDER) and none for an epoch
 * that has not started (C_ISSUED_BEFORE_EPOCH, C_FROM_FUTURE), so `seq <= epochAt(now + skew)`. Evidence:
 * per epoch so far, each reporter (member or auditor) at most its judged quota plus one item per
 * self-proving breach of any lab (4 caps + equivocation).
 */
export function syncBounds(genesis: Genesis, now: () => number, skewMs = 30_000): SyncBounds {
  const labs = new Set(genesis.members.map((m) => m.id));
  const reporters = genesis.members.length + genesis.policy.auditors.length;
  // The judged quota is a policy field in networks whose genesis states it.
  const quota =
    (genesis.policy as Partial<{ judgedQuotaPerEpoch: number }>).judgedQuotaPerEpoch ??
    DEFAULT_JUDGED_PER_REPORTER_EPOCH;
  const epochs = (): number => Math.max(0, epochAt(genesis.policy, now() + skewMs)) + 1;
  return {
    isLab: (lab) => labs.has(lab),
    maxSeq: () => epochs() - 1,
    members: () => labs.size,
    maxEvidence: () => epochs() * reporters * (quota + genesis.members.length * SELF_PROVING_PER_LAB_EPOCH),
  };
}
