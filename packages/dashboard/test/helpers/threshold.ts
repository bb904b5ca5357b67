/** Test-only Shamir dealer for BLS12-381 (a trusted dealer stands in for the DKG in dashboard tests). */
import { randomBytes } from 'node:crypto';
import { blsSecretToPublic } from '@pausenet/crypto';

/** Order r of the BLS12-381 groups. */
const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

function scalarToBytes(x: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));
}

function randomScalar(): bigint {
  for (;;) {
    const x = BigInt(`0x${randomBytes(32).toString('hex')}`) % R;
    if (x !== 0n) return x;
  }
}

export interface Dealt {
  groupSecret: Uint8Array;
  groupPublicKey: Uint8Array;
  /** shares[i] belongs to member index i + 1. */
  shares: Uint8Array[];
  publicShares: Uint8Array[];
}

/** Split a fresh group secret into n shares, any t of which recover it (degree t-1 polynomial). */
export function dealShares(n: number, t: number): Dealt {
  const coeffs = Array.from({ length: t }, randomScalar);
  const shares: Uint8Array[] = [];
  for (let i = 1; i <= n; i++) {
    let y = 0n;
    for (let k = t - 1; k >= 0; k--) y = (y * BigInt(i) + coeffs[k]!) % R;
    shares.push(scalarToBytes(y));
  }
  const groupSecret = scalarToBytes(coeffs[0]!);
  return {
    groupSecret,
    groupPublicKey: blsSecretToPublic(groupSecret),
    shares,
    publicShares: shares.map((s) => blsSecretToPublic(s)),
  };
}
