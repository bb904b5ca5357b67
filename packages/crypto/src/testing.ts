import { sha256 } from '@noble/hashes/sha2.js';
import { blsSecretToPublic } from './bls.js';
import { toHex } from './bytes.js';
import { CURVE_ORDER, evalPolynomial, randomScalar, scalarToBytes } from './scalar.js';

/**
 * @packageDocumentation Test support (`@pausenet/crypto/testing`). NEVER use in production: a trusted
 * dealer knows the group secret, which is exactly what the DKG exists to prevent. Tests and benchmarks use
 * it for speed (the DKG is tested in this package and by `pausenet devnet`); `@pausenet/testkit` builds its
 * test networks on it.
 */

/** Keys a trusted dealer hands out: what a DKG would give, plus the group secret only a dealer knows. */
export interface DealtKeys {
  groupSecret: Uint8Array;
  groupPublicKey: Uint8Array;
  /** Secret share of member index i at [i - 1] (32-byte big-endian scalars). */
  shares: Uint8Array[];
  publicShares: Uint8Array[];
}

/** Coefficient k of a seeded dealer's polynomial: SHA-256("<seed>/<k>") mod r, never 0. */
function seededCoefficient(seed: string, k: number): bigint {
  const c = BigInt(`0x${toHex(sha256(new TextEncoder().encode(`${seed}/${k}`)))}`) % CURVE_ORDER;
  return c === 0n ? 1n : c;
}

/**
 * TEST-ONLY trusted dealer: Shamir-split a BLS group secret with a degree t-1 polynomial f (any t shares
 * sign); share i = f(i). Random coefficients, or fixed ones from `seed` for reproducible fixtures and
 * vectors; `secretSeed` (default `seed`) fixes the group secret f(0) alone, so two dealings with one
 * secretSeed share one group key (a deterministic stand-in for a reshare).
 */
export function testDealer(
  n: number,
  t: number,
  opts: { seed?: string; secretSeed?: string } = {},
): DealtKeys {
  if (!Number.isInteger(n) || !Number.isInteger(t) || t < 1 || t > n)
    throw new RangeError(`testDealer needs 1 <= t <= n, got n=${n} t=${t}`);
  const seedOf = (k: number) => (k === 0 ? (opts.secretSeed ?? opts.seed) : opts.seed);
  const coeffs = Array.from({ length: t }, (_, k) => {
    const seed = seedOf(k);
    return seed === undefined ? randomScalar() : seededCoefficient(seed, k);
  });
  const shares = Array.from({ length: n }, (_, i) => scalarToBytes(evalPolynomial(coeffs, BigInt(i + 1))));
  const groupSecret = scalarToBytes(coeffs[0] as bigint);
  return {
    groupSecret,
    groupPublicKey: blsSecretToPublic(groupSecret),
    shares,
    publicShares: shares.map((s) => blsSecretToPublic(s)),
  };
}
