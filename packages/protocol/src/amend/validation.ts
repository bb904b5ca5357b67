import {
  blsVerify as cryptoBlsVerify,
  verifyPartial as cryptoVerifyPartial,
  ed25519Verify,
} from '@pausenet/crypto';
import { bytesEqual } from '../bytes.js';
import { epochStart } from '../epoch.js';
import type { Validation } from '../types.js';
import { type BlsVerifyFn, guard, ignore, memberById, OK, reject, skewOf } from '../validation/result.js';
import type { RevisionChain } from './chain.js';
import {
  encodeAmendmentProposalBody,
  encodeAmendmentVote,
  encodeCertifiedAmendment,
  encodeSignedAmendmentProposal,
  encodeSignedAmendmentVote,
} from './codec.js';
import { amendmentRules } from './rules.js';
import { amendmentSigningBytes, amendmentVoteStatement, certifiedAmendmentStatement } from './signing.js';
import type { Amendment, CertifiedAmendment, SignedAmendmentProposal, SignedAmendmentVote } from './types.js';

/**
 * Validation of amendment messages against the chain of revisions (docs/protocol.md "Amendments and
 * revisions", AP_* proposals, AV_* votes, AK_* certified amendments, A_* the amended genesis).
 * Only the chain's head can be amended: an amendment of revision r creates r + 1 and is signed by r's committee.
 */

export interface AmendmentContext {
  chain: RevisionChain;
  /** Caller's clock, unix ms. */
  now: number;
  clockSkewMs?: number;
  /** BLS check of a partial against the voter's public share; default @pausenet/crypto verifyPartial. */
  verifyPartial?: BlsVerifyFn;
}

export interface CertifiedAmendmentContext {
  chain: RevisionChain;
  /** Group BLS verification; default @pausenet/crypto blsVerify. */
  blsVerify?: BlsVerifyFn;
}

/** The order rules shared by all three messages: only head + 1 is open. */
function order(prefix: 'AP' | 'AV' | 'AK', revision: number, chain: RevisionChain): Validation {
  const head = chain.head;
  // [IGNORE] *_STALE: revision > head (already decided, or it amends a revision that is no longer the head).
  if (revision <= head.revision)
    return ignore(
      `${prefix}_STALE`,
      `revision ${revision} is not above the head (revision ${head.revision}): it is decided, or it amends a revision that is no longer the head`,
    );
  // [IGNORE] *_FUTURE: revision = head + 1 (sync the amendments in between first).
  if (revision > head.revision + 1)
    return ignore(
      `${prefix}_FUTURE`,
      `revision ${revision} > head ${head.revision} + 1: sync the amendments first`,
    );
  // [IGNORE] *_NO_DKG: the head carries a DKG result (nothing can be certified before the DKG).
  if (head.genesis.dkg === undefined) return ignore(`${prefix}_NO_DKG`, 'no DKG result in the head revision');
  return OK;
}

/** [REJECT] *_PREV: the amendment amends the head (its `prev` is the head's hash), not an older revision. */
function prevRule(prefix: 'AP' | 'AK', a: Amendment, chain: RevisionChain): Validation {
  if (!bytesEqual(a.prev, chain.head.hash))
    return reject(
      `${prefix}_PREV`,
      `prev does not name revision ${chain.head.revision} (the revision in force): a stale or foreign base`,
    );
  return OK;
}

/** Rules for a signed proposal (AP_*). */
export function validateAmendmentProposal(sp: SignedAmendmentProposal, ctx: AmendmentContext): Validation {
  return guard('AP_SIZE', () => {
    // [REJECT] AP_SIZE: encodes canonically within the size limit.
    encodeSignedAmendmentProposal(sp);
    const { chain } = ctx;
    const a = sp.amendment;
    // [REJECT] AP_NETWORK: the draft is for this network.
    if (!bytesEqual(a.networkId, chain.networkId))
      return reject('AP_NETWORK', 'proposal is for another network');
    const o = order('AP', a.revision, chain);
    if (!o.ok) return o;
    const p = prevRule('AP', a, chain);
    if (!p.ok) return p;
    const head = chain.head;
    // [REJECT] AP_PROPOSER: the proposer is a member of the head revision.
    const member = memberById(head.genesis, sp.proposer);
    if (!member) return reject('AP_PROPOSER', `${sp.proposer} is not a member of revision ${head.revision}`);
    const skew = skewOf(ctx);
    // [IGNORE] AP_FROM_FUTURE: issuedAt <= now + skew.
    if (sp.issuedAt > ctx.now + skew) return ignore('AP_FROM_FUTURE', `issuedAt ${sp.issuedAt} ahead of now`);
    // [REJECT] AP_EARLY: issuedAt >= start of the head's effective epoch (a member signs nothing for a
    // revision before it is in effect).
    if (sp.issuedAt < chain.activeFrom(head.revision))
      return reject('AP_EARLY', `issued before revision ${head.revision} is in effect`);
    // [REJECT] AP_SIGNATURE: Ed25519 by the proposer.
    const { signature, ...body } = sp;
    const bytes = amendmentSigningBytes(
      'amendment-proposal',
      chain.networkId,
      encodeAmendmentProposalBody(body),
    );
    if (!ed25519Verify(member.publicKey, bytes, signature))
      return reject('AP_SIGNATURE', `bad signature by ${sp.proposer}`);
    // [IGNORE] AP_TOO_LATE: now + skew < start(effectiveEpoch): it can still be certified before it takes effect.
    if (ctx.now + skew >= epochStart(chain.original.policy, a.effectiveEpoch))
      return ignore(
        'AP_TOO_LATE',
        `effective epoch ${a.effectiveEpoch} has started (or starts within the clock skew)`,
      );
    // A_* rules of the draft.
    return amendmentRules(a, head, { networkId: chain.networkId, draft: true });
  });
}

/** Rules for a signed amendment vote (AV_*): a partial of the head's committee on the statement of head + 1. */
export function validateAmendmentVote(sv: SignedAmendmentVote, ctx: AmendmentContext): Validation {
  return guard('AV_SIZE', () => {
    // [REJECT] AV_SIZE
    encodeSignedAmendmentVote(sv);
    const v = sv.vote;
    const { chain } = ctx;
    // [REJECT] AV_NETWORK
    if (!bytesEqual(v.networkId, chain.networkId)) return reject('AV_NETWORK', 'vote is for another network');
    const o = order('AV', v.revision, chain);
    if (!o.ok) return o;
    const head = chain.head;
    // [REJECT] AV_MEMBER: the voter is a member of the head revision (the committee the amendment changes).
    const member = memberById(head.genesis, v.voter);
    if (!member) return reject('AV_MEMBER', `${v.voter} is not a member of revision ${head.revision}`);
    // [REJECT] AV_EARLY: signed once the head is in effect (its new members sign nothing before).
    if (v.issuedAt < chain.activeFrom(head.revision))
      return reject('AV_EARLY', `signed before revision ${head.revision} is in effect`);
    // [IGNORE] AV_FROM_FUTURE
    if (v.issuedAt > ctx.now + skewOf(ctx))
      return ignore('AV_FROM_FUTURE', `issuedAt ${v.issuedAt} ahead of now`);
    // [REJECT] AV_SIGNATURE: Ed25519 by the voter.
    const bytes = amendmentSigningBytes('amendment-vote', chain.networkId, encodeAmendmentVote(v));
    if (!ed25519Verify(member.publicKey, bytes, sv.signature))
      return reject('AV_SIGNATURE', `bad signature by ${v.voter}`);
    // [REJECT] AV_PARTIAL: the partial verifies under the voter's public share of the head revision.
    const share = head.genesis.dkg?.publicShares[member.index - 1] as Uint8Array;
    if (!(ctx.verifyPartial ?? cryptoVerifyPartial)(share, amendmentVoteStatement(v), v.partial))
      return reject('AV_PARTIAL', `bad BLS partial by ${v.voter} (revision ${head.revision} share)`);
    return OK;
  });
}

/** Rules for a certified amendment (AK_*, then A_* of the complete amendment), the chain's head as base. No clock. */
export function validateCertifiedAmendment(
  c: CertifiedAmendment,
  ctx: CertifiedAmendmentContext,
): Validation {
  return guard('AK_SIZE', () => {
    // [REJECT] AK_SIZE
    encodeCertifiedAmendment(c);
    const { chain } = ctx;
    const a = c.amendment;
    // [REJECT] AK_NETWORK
    if (!bytesEqual(a.networkId, chain.networkId))
      return reject('AK_NETWORK', 'amendment is for another network');
    const o = order('AK', a.revision, chain);
    if (!o.ok) return o;
    const p = prevRule('AK', a, chain);
    if (!p.ok) return p;
    const head = chain.head;
    // [REJECT] AK_SIGNERS: every signer a member of the head revision, once, ascending member index.
    let prevIndex = 0;
    for (const s of c.signers) {
      const m = memberById(head.genesis, s);
      if (!m) return reject('AK_SIGNERS', `signer ${s} is not a member of revision ${head.revision}`);
      if (m.index <= prevIndex)
        return reject(
          'AK_SIGNERS',
          m.index === prevIndex ? `duplicate signer ${s}` : 'signers not in ascending member index',
        );
      prevIndex = m.index;
    }
    // [REJECT] AK_THRESHOLD: at least the head's threshold of signers.
    if (c.signers.length < head.genesis.threshold)
      return reject(
        'AK_THRESHOLD',
        `only ${c.signers.length} signers, revision ${head.revision}'s threshold is ${head.genesis.threshold}`,
      );
    // A_* rules of the complete amendment.
    const rules = amendmentRules(a, head, { networkId: chain.networkId, draft: false });
    if (!rules.ok) return rules;
    // [REJECT] AK_SIGNATURE: the group signature verifies under the (unchanged) group key over the statement.
    const gpk = head.genesis.dkg?.groupPublicKey as Uint8Array;
    if (!(ctx.blsVerify ?? cryptoBlsVerify)(gpk, certifiedAmendmentStatement(c), c.signature))
      return reject('AK_SIGNATURE', 'the BLS signature does not verify under the group public key');
    return OK;
  });
}
