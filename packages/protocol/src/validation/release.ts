import {
  blsVerify as cryptoBlsVerify,
  verifyPartial as cryptoVerifyPartial,
  ed25519Verify,
} from '@pausenet/crypto';
import { bytesEqual } from '../bytes.js';
import { encodeReleaseCertificate, encodeReleaseVote, encodeSignedReleaseVote } from '../codec/codec.js';
import { LIMITS } from '../codec/limits.js';
import { releaseStatementBytes, resolvesProblem, signingBytes } from '../signing.js';
import type { Genesis, ReleaseCertificate, ReleasePayload, SignedReleaseVote, Validation } from '../types.js';
import {
  type BaseContext,
  type BlsVerifyFn,
  guard,
  ignore,
  memberById,
  OK,
  reject,
  skewOf,
} from './result.js';

/** Rules for release votes (RV_*) and release certificates (RK_*) (docs/protocol.md "Conditional pledges"). */

/** Released labs are members, ascending by member index, distinct; cited breach ids 32 bytes, ascending. */
export function releasePayloadProblem(p: ReleasePayload, genesis: Genesis): string | null {
  let prev = 0;
  for (const lab of p.released) {
    const m = memberById(genesis, lab);
    if (!m) return `released lab ${lab} is not a member`;
    if (m.index <= prev) return 'released labs must be distinct, in ascending member index';
    prev = m.index;
  }
  if (p.breaches.length === 0) return 'a release cites the breach ids that broke the conditions';
  if (p.breaches.length > LIMITS.releaseBreaches)
    return `${p.breaches.length} breach ids > ${LIMITS.releaseBreaches}`;
  return resolvesProblem(p.breaches);
}

/** [REJECT] RV_POLICY / RK_POLICY: only a network whose policy says `release` has releases. */
function policyAllows(genesis: Genesis): boolean {
  return genesis.policy.onBrokenCondition === 'release';
}

export interface ReleaseVoteContext extends BaseContext {
  /** The last applied release sequence (0 = none): votes are for currentSequence + 1. */
  currentSequence?: number;
  verifyPartial?: BlsVerifyFn;
}

/** Rules for a signed release vote (RV_*). */
export function validateReleaseVote(sv: SignedReleaseVote, ctx: ReleaseVoteContext): Validation {
  return guard('RV_SIZE', () => {
    // [REJECT] RV_SIZE: encodes canonically within MAX_BYTES.signedReleaseVote.
    encodeSignedReleaseVote(sv);
    const v = sv.vote;
    // [REJECT] RV_NETWORK
    if (!bytesEqual(v.networkId, ctx.networkId))
      return reject('RV_NETWORK', 'release vote is for another network');
    // [REJECT] RV_MEMBER
    const member = memberById(ctx.genesis, v.voter);
    if (!member) return reject('RV_MEMBER', `voter ${v.voter} is not a member`);
    // [REJECT] RV_POLICY
    if (!policyAllows(ctx.genesis))
      return reject('RV_POLICY', 'policy.onBrokenCondition is "hold": this network has no releases');
    // [REJECT] RV_PAYLOAD
    const problem = releasePayloadProblem(v, ctx.genesis);
    if (problem !== null) return reject('RV_PAYLOAD', problem);
    // [IGNORE] RV_STALE / RV_FUTURE: sequence = currentSequence + 1.
    const cur = ctx.currentSequence;
    if (cur !== undefined && v.sequence <= cur)
      return ignore('RV_STALE', `release ${v.sequence} <= current ${cur}`);
    if (cur !== undefined && v.sequence > cur + 1)
      return ignore('RV_FUTURE', `release ${v.sequence} > current ${cur} + 1: sync first`);
    // [IGNORE] RV_FROM_FUTURE
    if (v.issuedAt > ctx.now + skewOf(ctx))
      return ignore('RV_FROM_FUTURE', `issuedAt ${v.issuedAt} ahead of now`);
    // [REJECT] RV_SIGNATURE: Ed25519 by the voter over signingBytes('release-vote', networkId, vote).
    if (
      !ed25519Verify(
        member.publicKey,
        signingBytes('release-vote', ctx.networkId, encodeReleaseVote(v)),
        sv.signature,
      )
    )
      return reject('RV_SIGNATURE', `bad signature by ${v.voter}`);
    // [IGNORE] RV_NO_DKG
    const share = ctx.genesis.dkg?.publicShares[member.index - 1];
    if (!share) return ignore('RV_NO_DKG', 'no DKG result in genesis');
    // [REJECT] RV_PARTIAL: the partial verifies under the voter's public share over the release statement.
    if (!(ctx.verifyPartial ?? cryptoVerifyPartial)(share, releaseStatementBytes(v), v.partial))
      return reject('RV_PARTIAL', `bad BLS partial by ${v.voter}`);
    return OK;
  });
}

export interface ReleaseCertificateContext {
  genesis: Genesis;
  networkId: Uint8Array;
  /** The last applied release sequence: only currentSequence + 1 applies (older RK_STALE, later RK_FUTURE). */
  currentSequence?: number;
  blsVerify?: BlsVerifyFn;
}

/** Rules for a release certificate (RK_*): one pairing check under the group key. */
export function validateReleaseCertificate(
  c: ReleaseCertificate,
  ctx: ReleaseCertificateContext,
): Validation {
  return guard('RK_SIZE', () => {
    // [REJECT] RK_SIZE
    encodeReleaseCertificate(c);
    // [REJECT] RK_NETWORK
    if (!bytesEqual(c.networkId, ctx.networkId))
      return reject('RK_NETWORK', 'release certificate is for another network');
    // [REJECT] RK_POLICY
    if (!policyAllows(ctx.genesis))
      return reject('RK_POLICY', 'policy.onBrokenCondition is "hold": this network has no releases');
    // [REJECT] RK_PAYLOAD
    const problem = releasePayloadProblem(c, ctx.genesis);
    if (problem !== null) return reject('RK_PAYLOAD', problem);
    // [IGNORE] RK_STALE / RK_FUTURE: releases apply in sequence order.
    const cur = ctx.currentSequence;
    if (cur !== undefined && c.sequence <= cur)
      return ignore('RK_STALE', `release ${c.sequence} <= current ${cur}`);
    if (cur !== undefined && c.sequence > cur + 1)
      return ignore(
        'RK_FUTURE',
        `release ${c.sequence} > current ${cur} + 1: sync the releases in between first`,
      );
    // [REJECT] RK_SIGNERS: members, each once, ascending member index.
    let prev = 0;
    for (const s of c.signers) {
      const m = memberById(ctx.genesis, s);
      if (!m) return reject('RK_SIGNERS', `signer ${s} is not a member of this network`);
      if (m.index <= prev) return reject('RK_SIGNERS', 'signers must be distinct, in ascending member index');
      prev = m.index;
    }
    // [REJECT] RK_THRESHOLD
    if (c.signers.length < ctx.genesis.threshold)
      return reject(
        'RK_THRESHOLD',
        `only ${c.signers.length} signers, threshold is ${ctx.genesis.threshold}`,
      );
    // [IGNORE] RK_NO_DKG
    const gpk = ctx.genesis.dkg?.groupPublicKey;
    if (!gpk) return ignore('RK_NO_DKG', 'no DKG result in genesis');
    // [REJECT] RK_SIGNATURE: the group signature verifies over the release statement.
    if (!(ctx.blsVerify ?? cryptoBlsVerify)(gpk, releaseStatementBytes(c), c.signature))
      return reject(
        'RK_SIGNATURE',
        'the BLS signature does not verify under the group public key of this network',
      );
    return OK;
  });
}
