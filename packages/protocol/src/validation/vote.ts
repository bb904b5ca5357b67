import { verifyPartial as cryptoVerifyPartial, ed25519Verify } from '@pausenet/crypto';
import { bytesEqual, toHex } from '../bytes.js';
import { encodeSignedVote, encodeVote } from '../codec/codec.js';
import { stateAtHeight } from '../epoch.js';
import { resolvesProblem, signingBytes, statementBytes, statementOf } from '../signing.js';
import type { SignedVote, Validation } from '../types.js';
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

export interface VoteContext extends BaseContext {
  /** Height of the last applied certificate (0 = genesis): votes must be for currentHeight + 1. */
  currentHeight?: number;
  /** BLS check of the partial against the voter's public share; default @pausenet/crypto verifyPartial. */
  verifyPartial?: BlsVerifyFn;
}

/** Rules for a signed vote (docs/protocol.md "Validation rules", V_*). */
export function validateVote(sv: SignedVote, ctx: VoteContext): Validation {
  return guard('V_SIZE', () => {
    // [REJECT] V_SIZE: must encode canonically within MAX_BYTES.signedVote.
    encodeSignedVote(sv);
    const v = sv.vote;
    // [REJECT] V_NETWORK: networkId is this network's id.
    if (!bytesEqual(v.networkId, ctx.networkId)) return reject('V_NETWORK', 'vote is for another network');
    // [REJECT] V_MEMBER: voter is a genesis member.
    const member = memberById(ctx.genesis, v.voter);
    if (!member) return reject('V_MEMBER', `voter ${v.voter} is not a member`);
    // [REJECT] V_TARGET: target is the flip at that height (odd heights PAUSED, even RUNNING).
    if (v.target !== stateAtHeight(v.height))
      return reject('V_TARGET', `height ${v.height} can only move to ${stateAtHeight(v.height)}`);
    // [REJECT] V_REFS: evidence refs are distinct, and empty for a RUNNING (resume) vote.
    const refs = new Set(v.evidence.map(toHex));
    if (refs.size !== v.evidence.length) return reject('V_REFS', 'duplicate evidence reference');
    if (v.target === 'RUNNING' && refs.size > 0) return reject('V_REFS', 'resume votes carry no evidence');
    // [REJECT] V_BREACHES: a PAUSED vote cites 1..16 breach ids, strictly ascending; a RUNNING vote none.
    if (v.target === 'RUNNING' && v.breaches.length > 0)
      return reject(
        'V_BREACHES',
        'resume votes cite no breaches (they name what they resolve in `resolves`)',
      );
    if (v.target === 'PAUSED') {
      if (v.breaches.length === 0)
        return reject('V_BREACHES', 'a pause vote must cite the breaches it acts on');
      const problem = resolvesProblem(v.breaches);
      if (problem !== null) return reject('V_BREACHES', problem);
    }
    // [REJECT] V_RESOLVES: a RUNNING vote's resolves are ≤ 64 ids, strictly ascending; a PAUSED vote's are empty.
    if (v.target === 'PAUSED' && v.resolves.length > 0)
      return reject('V_RESOLVES', 'a pause vote resolves nothing');
    const problem = resolvesProblem(v.resolves);
    if (problem !== null) return reject('V_RESOLVES', problem);
    // [IGNORE] V_STALE: height > currentHeight (already decided).
    if (ctx.currentHeight !== undefined && v.height <= ctx.currentHeight)
      return ignore('V_STALE', `height ${v.height} <= current ${ctx.currentHeight}`);
    // [IGNORE] V_FUTURE: height <= currentHeight + 1 (sync first).
    if (ctx.currentHeight !== undefined && v.height > ctx.currentHeight + 1)
      return ignore('V_FUTURE', `height ${v.height} > current ${ctx.currentHeight} + 1`);
    // [IGNORE] V_FROM_FUTURE: issuedAt <= now + skew.
    if (v.issuedAt > ctx.now + skewOf(ctx))
      return ignore('V_FROM_FUTURE', `issuedAt ${v.issuedAt} ahead of now`);
    // [REJECT] V_SIGNATURE: Ed25519 by the voter over signingBytes('vote', networkId, vote).
    if (!ed25519Verify(member.publicKey, signingBytes('vote', ctx.networkId, encodeVote(v)), sv.signature))
      return reject('V_SIGNATURE', `bad signature by ${v.voter}`);
    // [IGNORE] V_NO_DKG: the genesis carries a DKG result (public shares).
    const share = ctx.genesis.dkg?.publicShares[member.index - 1];
    if (!share) return ignore('V_NO_DKG', 'no DKG result in genesis');
    // [REJECT] V_PARTIAL: the BLS partial verifies under the voter's public share over the vote's statement.
    if (!(ctx.verifyPartial ?? cryptoVerifyPartial)(share, statementBytes(statementOf(v)), v.partial))
      return reject('V_PARTIAL', `bad BLS partial by ${v.voter}`);
    return OK;
  });
}
