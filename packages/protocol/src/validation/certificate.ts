import { blsVerify as cryptoBlsVerify } from '@pausenet/crypto';
import { bytesEqual } from '../bytes.js';
import { encodeCertificate } from '../codec/codec.js';
import { stepAllows } from '../level.js';
import { resolvesProblem, statementBytes, statementOf } from '../signing.js';
import type { Certificate, Genesis, Validation } from '../types.js';
import { type BlsVerifyFn, guard, ignore, memberById, OK, reject } from './result.js';

export interface CertificateContext {
  genesis: Genesis;
  networkId: Uint8Array;
  /**
   * Height of the last applied certificate: heights above currentHeight + 1 wait (K_FUTURE). Whether a
   * certificate at or below it changes anything (K_STALE) is the pause machine's judgement (it needs the
   * applied level and the resolved breaches).
   */
  currentHeight?: number;
  /**
   * K_STALE (the pause machine's judgement, run after K_RESOLVES and before the signature check so that a
   * certificate that changes nothing costs no pairing): an ignore verdict, or null to go on.
   */
  stale?: (cert: Certificate) => Validation | null;
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
    // [REJECT] K_TARGET: a step up targets REDUCED or PAUSED, a step down RUNNING or REDUCED, never at height 1.
    if (!stepAllows(cert.step, cert.target))
      return reject(
        'K_TARGET',
        cert.step === 'up' ? 'a step up cannot target RUNNING' : 'a step down cannot target PAUSED',
      );
    if (cert.step === 'down' && cert.height === 1)
      return reject('K_TARGET', 'height 0 is RUNNING: nothing steps down at height 1');
    // [REJECT] K_RESOLVES: a step down's resolves are ≤ 64 ids, strictly ascending; a step up's empty.
    if (cert.step === 'up' && cert.resolves.length > 0)
      return reject('K_RESOLVES', 'a step up resolves nothing');
    const problem = resolvesProblem(cert.resolves);
    if (problem !== null) return reject('K_RESOLVES', problem);
    const h = certificateHeightRule(cert, ctx);
    if (!h.ok) return h;
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

/**
 * The certificate's state rules alone, K_STALE / K_CONFLICT (the caller's `stale`) and K_FUTURE:
 * validateCertificate runs them, and so does the pause machine for a certificate its caller validated
 * earlier (the machine may have applied another certificate since).
 */
export function certificateHeightRule(
  cert: Certificate,
  ctx: Pick<CertificateContext, 'currentHeight' | 'stale'>,
): Validation {
  // [IGNORE] K_STALE / K_CONFLICT: judged by the caller (the pause machine) when it passes `stale`.
  const stale = ctx.stale?.(cert) ?? null;
  if (stale !== null) return stale;
  // [IGNORE] K_FUTURE: height <= currentHeight + 1: certificates apply in height order (what a step down
  // resolves matters to every later height), so a node that is behind fetches the missing heights first.
  if (ctx.currentHeight !== undefined && cert.height > ctx.currentHeight + 1)
    return ignore('K_FUTURE', `height ${cert.height} > current ${ctx.currentHeight} + 1: sync the gap first`);
  return OK;
}
