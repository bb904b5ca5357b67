import { verifyPartial as cryptoVerifyPartial, ed25519Verify } from '@pausenet/crypto';
import { bytesEqual, toHex } from '../bytes.js';
import { encodeSignedVote, encodeVote } from '../codec/codec.js';
import { levelRank, stepAllows } from '../level.js';
import { resolvesProblem, signingBytes, statementBytes, statementOf } from '../signing.js';
import type { Level, SignedVote, Validation, Vote } from '../types.js';
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
  /**
   * Height of the last applied certificate (0 = genesis): votes are for currentHeight + 1, or for
   * currentHeight itself when they step up above `currentLevel`.
   */
  currentHeight?: number;
  /** The applied level; without it a step up at currentHeight is not judged stale here (the pause machine judges it). */
  currentLevel?: Level;
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
    // [REJECT] V_TARGET: a step up targets REDUCED or PAUSED, a step down RUNNING or REDUCED, never at
    // height 1 (height 0 is RUNNING).
    if (!stepAllows(v.step, v.target))
      return reject(
        'V_TARGET',
        v.step === 'up' ? 'a step up cannot target RUNNING' : 'a step down cannot target PAUSED',
      );
    if (v.step === 'down' && v.height === 1)
      return reject('V_TARGET', 'height 0 is RUNNING: nothing steps down at height 1');
    // [REJECT] V_REFS: evidence refs are distinct, and empty for a step down.
    const refs = new Set(v.evidence.map(toHex));
    if (refs.size !== v.evidence.length) return reject('V_REFS', 'duplicate evidence reference');
    if (v.step === 'down' && refs.size > 0) return reject('V_REFS', 'a step down carries no evidence');
    // [REJECT] V_BREACHES: a step up cites 1..16 breach ids, strictly ascending; a step down none.
    if (v.step === 'down' && v.breaches.length > 0)
      return reject('V_BREACHES', 'a step down cites no breaches (it names what it resolves in `resolves`)');
    if (v.step === 'up') {
      if (v.breaches.length === 0) return reject('V_BREACHES', 'a step up must cite the breaches it acts on');
      const problem = resolvesProblem(v.breaches);
      if (problem !== null) return reject('V_BREACHES', problem);
    }
    // [REJECT] V_RESOLVES: a step down's resolves are ≤ 64 ids, strictly ascending; a step up's are empty.
    if (v.step === 'up' && v.resolves.length > 0) return reject('V_RESOLVES', 'a step up resolves nothing');
    const problem = resolvesProblem(v.resolves);
    if (problem !== null) return reject('V_RESOLVES', problem);
    const h = voteHeightRule(v, ctx.currentHeight, ctx.currentLevel);
    if (!h.ok) return h;
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

/**
 * The vote's state rules alone, V_STALE and V_FUTURE: validateVote runs them, and so does the pause machine
 * for a vote its caller validated earlier (the machine may have applied a certificate since).
 */
export function voteHeightRule(
  v: Vote,
  cur: number | undefined,
  currentLevel: Level | undefined,
): Validation {
  // [IGNORE] V_STALE: height > currentHeight, or height = currentHeight for a step up above the applied
  // level (escalation dominates within a height; docs/protocol.md "Levels").
  if (cur !== undefined && v.height < cur) return ignore('V_STALE', `height ${v.height} < current ${cur}`);
  if (cur !== undefined && v.height === cur) {
    if (v.step === 'down') return ignore('V_STALE', `a step down at the applied height ${cur} is decided`);
    if (currentLevel !== undefined && levelRank(v.target) <= levelRank(currentLevel))
      return ignore('V_STALE', `${v.target} at height ${cur} does not exceed the applied ${currentLevel}`);
  }
  // [IGNORE] V_FUTURE: height <= currentHeight + 1 (sync first).
  if (cur !== undefined && v.height > cur + 1)
    return ignore('V_FUTURE', `height ${v.height} > current ${cur} + 1`);
  return OK;
}
