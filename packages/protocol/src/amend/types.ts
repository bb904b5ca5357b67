import type { DkgResult, Genesis, LabId } from '../types.js';

/**
 * Wire types of genesis amendments (docs/protocol.md "Amendments and revisions"). The original genesis is
 * revision 1; each certified amendment creates the next revision. Amendments have their own sequence
 * (revision numbers), never a pause height, so an amendment can never split or block a pause.
 */

/**
 * The amended genesis that a certified amendment puts in effect: what the amendment statement hashes.
 * A *draft* (what a proposal carries, before the reshare) has no `genesis.dkg`; a *complete* amendment
 * (what members sign) carries the reshare result, or the unchanged DKG result when the committee is unchanged.
 */
export interface Amendment {
  /** Id of the original genesis (revision 1): topics and domain separation never change. */
  networkId: Uint8Array;
  /** The revision this amendment creates: 2, 3, … */
  revision: number;
  /** amendmentHash of revision − 1; for revision 2 the network id (revision 1's hash). */
  prev: Uint8Array;
  /** First epoch in which the revision is in effect; greater than the previous revision's. */
  effectiveEpoch: number;
  /** The complete genesis in effect from `effectiveEpoch`: members, threshold, policy, DKG result. */
  genesis: Genesis;
}

/** A member proposes an amendment of the revision in force (`amendment.prev`); signed with its identity key. */
export interface SignedAmendmentProposal {
  /** A draft: `genesis.dkg` absent (the reshare, if any, runs after the operators approve). */
  amendment: Amendment;
  /** A member of revision `amendment.revision − 1`. */
  proposer: LabId;
  /** Why (free text, ≤ 1 024 bytes); not binding. */
  summary: string;
  issuedAt: number;
  /** Ed25519 of the proposer over amendmentSigningBytes('amendment-proposal', …). */
  signature: Uint8Array;
}

/** The part of a proposal its proposer signs. */
export type AmendmentProposalBody = Omit<SignedAmendmentProposal, 'signature'>;

/** A member of revision r − 1 partially signs the amendment statement of revision r. */
export interface AmendmentVote {
  networkId: Uint8Array;
  /** The revision being created. */
  revision: number;
  /** amendmentHash of the complete amendment (with its DKG result). */
  amendment: Uint8Array;
  /** A member of revision `revision − 1`. */
  voter: LabId;
  /** BLS partial (G2, 96 bytes) by the voter's revision r − 1 share over amendmentStatementBytes. */
  partial: Uint8Array;
  issuedAt: number;
}

export interface SignedAmendmentVote {
  vote: AmendmentVote;
  /** Ed25519 by the voter's identity key over amendmentSigningBytes('amendment-vote', …). */
  signature: Uint8Array;
}

/** A certified amendment: the complete amendment and the group signature over its statement. */
export interface CertifiedAmendment {
  amendment: Amendment;
  /** Members of revision `amendment.revision − 1` whose partials were combined, ascending member index. Informational. */
  signers: LabId[];
  /** Group BLS signature (G2, 96 bytes) under the unchanged group key over amendmentStatementBytes. */
  signature: Uint8Array;
}

/** The public part of a reshare result that a complete amendment carries (= Genesis.dkg). */
export type ReshareResult = DkgResult;
