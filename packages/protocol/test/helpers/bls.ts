import { bls12_381 } from '@noble/curves/bls12-381.js';
import {
  recoverSignature as cryptoRecover,
  blsSign as cryptoSign,
  blsVerify as cryptoVerify,
} from '@pausenet/crypto';
import { testDealer } from '@pausenet/testkit';

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

export interface ThresholdSetup {
  groupPublicKey: Uint8Array;
  publicShares: Uint8Array[];
  secretShares: Uint8Array[];
}

/**
 * The test kit's seeded (TRUSTED) dealer in this package's shape: f(x) = a0 + a1 x + ... + a_{t-1} x^{t-1};
 * share i = f(i). `secretSeed` (default `seed`) fixes a0 alone: two setups with one secretSeed share one group
 * key (a deterministic stand-in for a reshare, so that vectors are reproducible; the real reshare is tested
 * in @pausenet/crypto and below).
 */
export function dealShares(
  n: number,
  t: number,
  seed = 'pausenet-test/bls',
  secretSeed = seed,
): ThresholdSetup {
  const d = testDealer(n, t, { seed, secretSeed });
  return { groupPublicKey: d.groupPublicKey, publicShares: d.publicShares, secretShares: d.shares };
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
