import { createHash, randomBytes } from 'node:crypto';
import { blsSecretToPublic } from '@pausenet/crypto';
import type { DkgResult } from '@pausenet/protocol';

/** Order of the BLS12-381 scalar field (r). */
const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

function randomScalar(): bigint {
  const x = BigInt(`0x${randomBytes(64).toString('hex')}`) % R;
  return x === 0n ? 1n : x;
}

function toBytes32(x: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));
}

/** Output of the trusted test dealer: what a DKG would give, for tests only. */
export interface DealtKeys {
  dkg: DkgResult;
  /** Secret share of member index i at [i - 1] (32-byte big-endian scalars). */
  shares: Uint8Array[];
}

/**
 * testDealer: a TRUSTED dealer that samples a degree t-1 polynomial and hands out Shamir shares.
 * Test-only shortcut for speed (the real DKG is tested in packages/crypto and by `pausenet devnet`).
 */
export function testDealer(n: number, threshold: number): DealtKeys {
  const coeffs = Array.from({ length: threshold }, randomScalar);
  const evalAt = (x: bigint): bigint => {
    let acc = 0n;
    for (let k = coeffs.length - 1; k >= 0; k--) acc = (acc * x + coeffs[k]!) % R;
    return acc;
  };
  const shares = Array.from({ length: n }, (_, i) => toBytes32(evalAt(BigInt(i + 1))));
  const groupPublicKey = blsSecretToPublic(toBytes32(coeffs[0]!));
  const publicShares = shares.map((s) => blsSecretToPublic(s));
  const transcriptHash = new Uint8Array(
    createHash('sha256').update('pausenet/testDealer').update(groupPublicKey).digest(),
  );
  return { dkg: { groupPublicKey, publicShares, transcriptHash }, shares };
}
