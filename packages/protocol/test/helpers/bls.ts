import { bls12_381 } from '@noble/curves/bls12-381.js';
import {
  recoverSignature as cryptoRecover,
  blsSign as cryptoSign,
  blsVerify as cryptoVerify,
} from '@pausenet/crypto';

/**
 * Real threshold BLS for tests: @pausenet/crypto (native blst) for signing, verifying and recovery (the shares come
 * from the test kit's seeded dealer). noble-curves is kept as an independent implementation (`noble*`) to
 * cross-check certificates.
 */
const bls = bls12_381.longSignatures;
const DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const R = bls12_381.fields.Fr.ORDER;

const mod = (a: bigint) => ((a % R) + R) % R;
function pow(b: bigint, e: bigint): bigint {
  let r = 1n;
  let x = mod(b);
  let k = e;
  while (k > 0n) {
    if (k & 1n) r = mod(r * x);
    x = mod(x * x);
    k >>= 1n;
  }
  return r;
}
const inv = (a: bigint) => pow(a, R - 2n);

export const blsVerify = cryptoVerify;
export const blsSign = cryptoSign;

/** Lagrange recovery via @pausenet/crypto (threshold = number of partials given). */
export function recoverSignature(partials: { index: number; signature: Uint8Array }[]): Uint8Array {
  return cryptoRecover(partials, partials.length);
}

/** Independent verifier (noble-curves). */
export function nobleVerify(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return bls.verify(sig, bls.hash(msg, DST), pk);
  } catch {
    return false;
  }
}

/** Independent signer (noble-curves). */
export function nobleSign(sk: Uint8Array, msg: Uint8Array): Uint8Array {
  return bls.sign(bls.hash(msg, DST), sk).toBytes();
}

/** Independent Lagrange interpolation in the exponent at x = 0 (noble-curves). */
export function nobleRecover(partials: { index: number; signature: Uint8Array }[]): Uint8Array {
  const Point = bls12_381.G2.Point;
  let acc = Point.ZERO;
  for (const p of partials) {
    let num = 1n;
    let den = 1n;
    for (const q of partials) {
      if (q.index === p.index) continue;
      num = mod(num * BigInt(q.index));
      den = mod(den * (BigInt(q.index) - BigInt(p.index)));
    }
    acc = acc.add(Point.fromBytes(p.signature).multiply(mod(num * inv(den))));
  }
  return acc.toBytes();
}
