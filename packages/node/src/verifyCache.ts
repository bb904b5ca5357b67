import { blsVerify, verifyPartial } from '@pausenet/crypto';

/** A BLS verification function (crypto's blsVerify / verifyPartial): never throws. */
export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * Memoises a pairing check: ingest, agreement.check() and onAccepted() see the same vote/certificate, and a pairing
 * costs ~1 ms, so each (key, message, signature) is verified once. Bounded FIFO.
 */
export function memoVerify(fn: VerifyFn, max = 4096): MemoVerifyFn {
  const cache = new Map<string, boolean>();
  const keyOf = (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): string =>
    `${hex(pk)}|${hex(msg)}|${hex(sig)}`;
  const put = (key: string, ok: boolean): void => {
    if (cache.size >= max) {
      const first = cache.keys().next();
      if (!first.done) cache.delete(first.value);
    }
    cache.set(key, ok);
  };
  const memo = ((pk, msg, sig) => {
    const key = keyOf(pk, msg, sig);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const ok = fn(pk, msg, sig);
    put(key, ok);
    return ok;
  }) as MemoVerifyFn;
  memo.remember = (pk, msg, sig) => put(keyOf(pk, msg, sig), true);
  return memo;
}

/** A memoised VerifyFn that can also be told a triple verified (by a batch check that covered it). */
export interface MemoVerifyFn extends VerifyFn {
  remember(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): void;
}

/** Process-wide memoised crypto verifyPartial: pass it to validateVote too, so a vote costs one pairing. */
export const verifyPartialCached: MemoVerifyFn = memoVerify(verifyPartial);

/** Process-wide memoised crypto blsVerify (certificates): pass it to validateCertificate too. */
export const blsVerifyCached: MemoVerifyFn = memoVerify(blsVerify, 256);
