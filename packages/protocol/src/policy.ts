import { DEFAULT_JUDGED_MAX_AGE_EPOCHS, DEFAULT_JUDGED_QUOTA_PER_EPOCH } from './codec/limits.js';
import type { EvidenceKind, Policy } from './types.js';

/** Default vote rules (docs/protocol.md "Messages"): self-proving evidence votes automatically, judged evidence needs the operator. */
export const DEFAULT_AUTO_VOTE: readonly EvidenceKind[] = ['cap-exceeded', 'equivocation', 'pause-violation'];
export const DEFAULT_APPROVAL_REQUIRED: readonly EvidenceKind[] = ['missed', 'report'];

/** The policy fields every network must choose; the rest have defaults. */
export type PolicyInput = Pick<Policy, 'genesisTime' | 'epochMs' | 'deadlineMs' | 'graceMs' | 'caps'> &
  Partial<Policy>;

/** A complete policy: the given fields plus the default vote rules, resume approval, judged-evidence limits and no auditors. */
export function makePolicy(input: PolicyInput): Policy {
  return {
    autoVote: [...DEFAULT_AUTO_VOTE],
    approvalRequired: [...DEFAULT_APPROVAL_REQUIRED],
    resumeNeedsApproval: true,
    auditors: [],
    judgedQuotaPerEpoch: DEFAULT_JUDGED_QUOTA_PER_EPOCH,
    judgedMaxAgeEpochs: DEFAULT_JUDGED_MAX_AGE_EPOCHS,
    ...input,
  };
}
