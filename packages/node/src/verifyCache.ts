import { blsVerify, verifyPartial } from '@pausenet/crypto';

/** A BLS verification function (crypto's blsVerify / verifyPartial): never throws. */
export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * Memoises a pairing check: ingest, agreement.check() and onAccepted() see the same vote/certificate, and a pairing
 * costs ~1 ms, so each (key, message, signature) is verified once. Bounded FIFO.
 */
export function memoVerify(fn: VerifyFn, max = 4096): VerifyFn {
  const cache = new Map<string, boolean>();
  return (pk, msg, sig) => {
    const key = `${hex(pk)}|${hex(msg)}|${hex(sig)}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const ok = fn(pk, msg, sig);
    if (cache.size >= max) {
      const first = cache.keys().next();
      if (!first.done) cache.delete(first.value);
    }
    cache.set(key, ok);
    return ok;
  };
}

/** Process-wide memoised crypto verifyPartial: pass it to validateVote too, so a vote costs one pairing. */
export const verifyPartialCached: VerifyFn = memoVerify(verifyPartial);

/** Process-wide memoised crypto blsVerify (certificates): pass it to validateCertificate too. */
export const blsVerifyCached: VerifyFn = memoVerify(blsVerify, 256);
