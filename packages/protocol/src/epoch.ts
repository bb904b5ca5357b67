import type { Policy } from './types.js';

/** Epoch arithmetic (pure; `now` always comes from the caller). Only the timing fields of a policy are read. */

/** The fields of a policy that place epochs in time. */
export type EpochTiming = Pick<Policy, 'genesisTime' | 'epochMs' | 'deadlineMs' | 'graceMs'>;

/** Start (unix ms) of epoch `e`. */
export function epochStart(policy: Pick<EpochTiming, 'genesisTime' | 'epochMs'>, epoch: number): number {
  return policy.genesisTime + epoch * policy.epochMs;
}

/** Deadline (unix ms) for a lab's commitment for epoch `e`: end of the epoch + deadlineMs. */
export function commitmentDeadline(
  policy: Pick<EpochTiming, 'genesisTime' | 'epochMs' | 'deadlineMs'>,
  epoch: number,
): number {
  return epochStart(policy, epoch + 1) + policy.deadlineMs;
}

/** After this instant (deadline + grace) a missing commitment for `e` may be judged `missed`. */
export function missedAfter(policy: EpochTiming, epoch: number): number {
  return commitmentDeadline(policy, epoch) + policy.graceMs;
}

/** After this instant judged evidence (`missed`, `report`) about epoch `e` is stale (E_STALE). */
export function judgedStaleAfter(policy: Policy, epoch: number): number {
  return missedAfter(policy, epoch) + policy.judgedMaxAgeEpochs * policy.epochMs;
}

/** Epoch containing instant `now` (-1 before genesisTime). */
export function epochAt(policy: Pick<EpochTiming, 'genesisTime' | 'epochMs'>, now: number): number {
  if (now < policy.genesisTime) return -1;
  return Math.floor((now - policy.genesisTime) / policy.epochMs);
}
