import { blsVerify as cryptoBlsVerify } from '@pausenet/crypto';
import { bytesEqual } from '../bytes.js';
import { encodeCertificate } from '../codec/codec.js';
import { stateAtHeight } from '../epoch.js';
import { resolvesProblem, statementBytes, statementOf } from '../signing.js';
import type { Certificate, Genesis, Validation } from '../types.js';
import { type BlsVerifyFn, guard, ignore, memberById, OK, reject } from './result.js';

export interface CertificateContext {
  genesis: Genesis;
  networkId: Uint8Array;
  /** Height of the last applied certificate: only currentHeight + 1 is accepted (older: K_STALE, later: K_FUTURE). */
  currentHeight?: number;
  /** Group BLS verification; default @pausenet/crypto blsVerify. */
  blsVerify?: BlsVerifyFn;
}

/** Rules for a certificate (docs/protocol.md "Validation rules", K_*): one pairing check under the group key. */
export function validateCertificate(cert: Certificate, ctx: CertificateContext): Validation {
  return guard('K_SIZE', () => {
    // [REJECT] K_SIZE: must encode canonically within MAX_BYTES.certificate.
    encodeCertificate(cert);
    // [REJECT] K_NETWORK: networkId is this network's id.
    if (!bytesEqual(cert.networkId, ctx.networkId))
      return reject('K_NETWORK', 'certificate is for another network (network id differs from this genesis)');
    // [REJECT] K_TARGET: target is the flip at that height.
    if (cert.target !== stateAtHeight(cert.height))
      return reject(
        'K_TARGET',
        `height ${cert.height} can only flip to ${stateAtHeight(cert.height)} (odd heights pause, even heights resume)`,
      );
    // [REJECT] K_RESOLVES: a RUNNING certificate's resolves are ≤ 64 ids, strictly ascending; a PAUSED one's empty.
    if (cert.target === 'PAUSED' && cert.resolves.length > 0)
      return reject('K_RESOLVES', 'a pause certificate resolves nothing');
    const problem = resolvesProblem(cert.resolves);
    if (problem !== null) return reject('K_RESOLVES', problem);
    // [IGNORE] K_STALE: height > currentHeight.
    if (ctx.currentHeight !== undefined && cert.height <= ctx.currentHeight)
      return ignore('K_STALE', `height ${cert.height} <= current ${ctx.currentHeight}`);
    // [IGNORE] K_FUTURE: height = currentHeight + 1: certificates apply in order (each resume's resolves
    // matter to the next), so a node that is behind fetches the missing heights by sync first.
    if (ctx.currentHeight !== undefined && cert.height > ctx.currentHeight + 1)
      return ignore(
        'K_FUTURE',
        `height ${cert.height} > current ${ctx.currentHeight} + 1: sync the gap first`,
      );
    // [REJECT] K_SIGNERS: every signer a member, listed once, in ascending member index.
    let prevIndex = 0;
    for (const s of cert.signers) {
      const m = memberById(ctx.genesis, s);
      if (!m) return reject('K_SIGNERS', `signer ${s} is not a member of this network`);
      if (m.index === prevIndex) return reject('K_SIGNERS', `duplicate signer ${s}`);
      if (m.index < prevIndex) return reject('K_SIGNERS', 'signers not in ascending member index');
      prevIndex = m.index;
    }
    // [REJECT] K_THRESHOLD: at least t signers.
    if (cert.signers.length < ctx.genesis.threshold)
      return reject(
        'K_THRESHOLD',
        `only ${cert.signers.length} signers, threshold is ${ctx.genesis.threshold}`,
      );
    // [IGNORE] K_NO_DKG: the genesis carries a group public key.
    const gpk = ctx.genesis.dkg?.groupPublicKey;
    if (!gpk) return ignore('K_NO_DKG', 'no DKG result in genesis');
    // [REJECT] K_SIGNATURE: the BLS signature verifies under the group key over the certificate's statement
    // (which binds networkId, height, target and the resolves digest).
    if (!(ctx.blsVerify ?? cryptoBlsVerify)(gpk, statementBytes(statementOf(cert)), cert.signature))
      return reject(
        'K_SIGNATURE',
        'the BLS signature does not verify under the group public key of this network',
      );
    return OK;
  });
}
