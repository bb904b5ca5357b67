import { bls12_381 } from '@noble/curves/bls12-381.js';
import { blsSecretToPublic } from '@pausenet/crypto';
import { type DkgResult, fromHex, sha256, toHex } from '@pausenet/protocol';
import { utf8 } from './bytes.js';

/**
 * A TRUSTED test dealer: it knows the group secret, which is exactly what the DKG exists to prevent. Tests
 * and benchmarks use it for speed (the DKG is tested in packages/crypto and by `pausenet devnet`); every
 * test that relies on it says so in its name.
 */

const R = bls12_381.fields.Fr.ORDER;
const mod = (a: bigint): bigint => ((a % R) + R) % R;
const toScalarBytes = (x: bigint): Uint8Array => fromHex(x.toString(16).padStart(64, '0'));

/** Keys a dealer hands out: what a DKG would give, plus the group secret only a dealer knows. */
export interface DealtKeys {
  groupSecret: Uint8Array;
  groupPublicKey: Uint8Array;
  /** Secret share of member index i at [i - 1] (32-byte big-endian scalars). */
  shares: Uint8Array[];
  publicShares: Uint8Array[];
}

/** Coefficient k of a seeded dealer's polynomial: SHA-256("<seed>/<k>") mod r, never 0. */
function seededCoefficient(seed: string, k: number): bigint {
  const c = mod(BigInt(`0x${toHex(sha256(utf8(`${seed}/${k}`)))}`));
  return c === 0n ? 1n : c;
}

function randomCoefficient(): bigint {
  return BigInt(`0x${toHex(bls12_381.utils.randomSecretKey())}`);
}

/**
 * Shamir-split a BLS group secret with a degree t-1 polynomial f (any t shares sign); share i = f(i).
 * Random coefficients, or fixed ones from `seed` for reproducible fixtures and vectors; `secretSeed`
 * (default `seed`) fixes the group secret f(0) alone, so two dealings with one secretSeed share one group
 * key (a deterministic stand-in for a reshare).
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
    return seed === undefined ? randomCoefficient() : seededCoefficient(seed, k);
  });
  const f = (x: bigint) => coeffs.reduceRight((acc, c) => mod(acc * x + c), 0n);
  const shares = Array.from({ length: n }, (_, i) => toScalarBytes(f(BigInt(i + 1))));
  const groupSecret = toScalarBytes(coeffs[0] as bigint);
  return {
    groupSecret,
    groupPublicKey: blsSecretToPublic(groupSecret),
    shares,
    publicShares: shares.map((s) => blsSecretToPublic(s)),
  };
}

/** The dealt keys as a genesis DKG result (the transcript hash is whatever the test fixes; default 32 zero bytes). */
export function dkgResultOf(d: DealtKeys, transcriptHash: Uint8Array = new Uint8Array(32)): DkgResult {
  return { groupPublicKey: d.groupPublicKey, publicShares: d.publicShares, transcriptHash };
}
