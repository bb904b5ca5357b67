import { ed25519Verify } from '@pausenet/crypto';
import { bytesEqual, ZERO_HASH } from '../bytes.js';
import { encodeCommitment, encodeSignedCommitment } from '../codec/codec.js';
import { epochStart, missedAfter } from '../epoch.js';
import { compareHeightLevel } from '../level.js';
import { attestationSigningBytes, signingBytes } from '../signing.js';
import type { Genesis, Level, SignedCommitment, Validation } from '../types.js';
import { type BaseContext, guard, ignore, memberById, OK, reject, skewOf } from './result.js';

export interface CommitmentContext extends BaseContext {
  /**
   * The newest stored commitment of this lab, if any (`epoch` enables C_EPOCH_ORDER; `height` and `level`
   * enable C_HEIGHT_ORDER).
   */
  lastOfLab?: { seq: number; hash: Uint8Array; epoch?: number; height?: number; level?: Level };
  /** Set when replaying history (sync): skips the `now`-based C_STALE rule. */
  historic?: boolean;
}

/**
 * Time-independent rules of a signed commitment (C_SIZE, C_NETWORK, C_MEMBER, C_SIGNATURE, C_ATTESTATION,
 * C_PREV_GENESIS, C_ISSUED_BEFORE_EPOCH, C_ISSUED_AFTER_GRACE): what evidence embedding it relies on.
 */
export function validateCommitmentIntrinsic(
  sc: SignedCommitment,
  genesis: Genesis,
  networkId: Uint8Array,
): Validation {
  return guard('C_SIZE', () => {
    // [REJECT] C_SIZE: must encode canonically within MAX_BYTES.signedCommitment.
    encodeSignedCommitment(sc);
    const c = sc.commitment;
    // [REJECT] C_NETWORK: commitment.networkId is this network's id.
    if (!bytesEqual(c.networkId, networkId)) return reject('C_NETWORK', 'commitment is for another network');
    // [REJECT] C_MEMBER: lab is a genesis member.
    const member = memberById(genesis, c.lab);
    if (!member) return reject('C_MEMBER', `lab ${c.lab} is not a member`);
    // [REJECT] C_SIGNATURE: Ed25519 by the lab's key over signingBytes('commitment', networkId, commitment).
    const body = encodeCommitment(c);
    if (!ed25519Verify(member.publicKey, signingBytes('commitment', networkId, body), sc.signature))
      return reject('C_SIGNATURE', `bad signature by ${c.lab}`);
    // [REJECT] C_ATTESTATION: every attestation verifies over attestationSigningBytes(commitment).
    if (c.attestations.length > 0) {
      const att = attestationSigningBytes(c);
      for (const a of c.attestations)
        if (!ed25519Verify(a.publicKey, att, a.signature))
          return reject('C_ATTESTATION', `bad attestation by ${a.attester}`);
    }
    // [REJECT] C_PREV_GENESIS: prev is 32 zero bytes iff seq = 0.
    if ((c.seq === 0) !== bytesEqual(c.prev, ZERO_HASH))
      return reject('C_PREV_GENESIS', 'prev must be all-zero exactly when seq is 0');
    const policy = genesis.policy;
    // [REJECT] C_ISSUED_BEFORE_EPOCH: issuedAt >= start(epoch).
    if (c.issuedAt < epochStart(policy, c.epoch))
      return reject('C_ISSUED_BEFORE_EPOCH', `issuedAt ${c.issuedAt} before epoch ${c.epoch} starts`);
    // [REJECT] C_ISSUED_AFTER_GRACE: issuedAt <= start(epoch+1) + deadlineMs + graceMs.
    if (c.issuedAt > missedAfter(policy, c.epoch))
      return reject(
        'C_ISSUED_AFTER_GRACE',
        `issuedAt ${c.issuedAt} after deadline+grace of epoch ${c.epoch}`,
      );
    return OK;
  });
}

/** All commitment rules for gossip/API ingestion (docs/protocol.md "Validation rules", C_*). */
export function validateCommitment(sc: SignedCommitment, ctx: CommitmentContext): Validation {
  return guard('C_SIZE', () => {
    encodeSignedCommitment(sc);
    const c = sc.commitment;
    if (!bytesEqual(c.networkId, ctx.networkId))
      return reject('C_NETWORK', 'commitment is for another network');
    if (!memberById(ctx.genesis, c.lab)) return reject('C_MEMBER', `lab ${c.lab} is not a member`);
    const skew = skewOf(ctx);
    // [IGNORE] C_FROM_FUTURE: issuedAt <= now + skew.
    if (c.issuedAt > ctx.now + skew)
      return ignore('C_FROM_FUTURE', `issuedAt ${c.issuedAt} is ahead of now ${ctx.now}`);
    // [IGNORE] C_STALE: now <= start(epoch+1) + deadline + grace + skew (unless historic).
    if (!ctx.historic && ctx.now > missedAfter(ctx.genesis.policy, c.epoch) + skew)
      return ignore('C_STALE', `epoch ${c.epoch} closed`);
    const last = ctx.lastOfLab;
    // [IGNORE] C_SEQ_OLD: seq > last stored seq of this lab (duplicate or replay).
    if (last && c.seq <= last.seq) return ignore('C_SEQ_OLD', `seq ${c.seq} <= stored ${last.seq}`);
    // [IGNORE] C_SEQ_GAP: seq = last stored seq + 1 (otherwise sync the gap first).
    if (last && c.seq > last.seq + 1)
      return ignore('C_SEQ_GAP', `seq ${c.seq} leaves a gap after ${last.seq}`);
    const intrinsic = validateCommitmentIntrinsic(sc, ctx.genesis, ctx.networkId);
    if (!intrinsic.ok) return intrinsic;
    // [REJECT] C_PREV_MISMATCH: prev = hash of the lab's stored commitment at seq-1.
    if (last && !bytesEqual(c.prev, last.hash))
      return reject('C_PREV_MISMATCH', `prev does not link to seq ${last.seq}`);
    // [REJECT] C_EPOCH_ORDER: epoch > epoch of the lab's previous commitment.
    if (last?.epoch !== undefined && c.epoch <= last.epoch)
      return reject('C_EPOCH_ORDER', `epoch ${c.epoch} <= previous epoch ${last.epoch}`);
    // [REJECT] C_HEIGHT_ORDER: (height, level) >= the lab's previous commitment's: a lab's applied state
    // never goes back (docs/protocol.md "Compliance").
    if (
      last?.height !== undefined &&
      last.level !== undefined &&
      compareHeightLevel(c, { height: last.height, level: last.level }) < 0
    )
      return reject(
        'C_HEIGHT_ORDER',
        `(height ${c.height}, ${c.level}) is below the previous commitment's (height ${last.height}, ${last.level})`,
      );
    return OK;
  });
}
