import { blsSecretToPublic } from './bls.js';
import { evalPolynomial, randomScalar, scalarToBytes } from './scalar.js';

/**
 * @packageDocumentation Test support (`@pausenet/crypto/testing`). NEVER use in production: a trusted
 * dealer knows the group secret, which is exactly what the DKG exists to prevent.
 */

/** Keys a trusted dealer hands out: what a DKG would give, plus the group secret only a dealer knows. */
export interface DealtKeys {
  groupSecret: Uint8Array;
  groupPublicKey: Uint8Array;
  /** Secret share of member index i at [i - 1] (32-byte big-endian scalars). */
  shares: Uint8Array[];
  publicShares: Uint8Array[];
}

/** TEST-ONLY trusted dealer: Shamir-split a random BLS secret with a degree t-1 polynomial (any t shares sign). */
export function testDealer(n: number, t: number): DealtKeys {
  if (!Number.isInteger(n) || !Number.isInteger(t) || t < 1 || t > n)
    throw new RangeError(`testDealer needs 1 <= t <= n, got n=${n} t=${t}`);
  const coeffs = Array.from({ length: t }, randomScalar);
  const shares = Array.from({ length: n }, (_, i) => scalarToBytes(evalPolynomial(coeffs, BigInt(i + 1))));
  const groupSecret = scalarToBytes(coeffs[0] as bigint);
  return {
    groupSecret,
    groupPublicKey: blsSecretToPublic(groupSecret),
    shares,
    publicShares: shares.map((s) => blsSecretToPublic(s)),
  };
}
