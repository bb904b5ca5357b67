import { randomBytes } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { BlsError } from './errors.js';

/** Arithmetic in the BLS12-381 scalar field Fr (shares, polynomials, Lagrange coefficients). */

export const Fr = bls12_381.fields.Fr;
/** Order r of G1/G2. */
export const CURVE_ORDER: bigint = Fr.ORDER;

export function scalarToBytes(s: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = s;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function bytesToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  return v;
}

/** Parse a 32-byte big-endian secret scalar; rejects 0 and values >= r (non-canonical). */
export function parseSecret(sk: Uint8Array): bigint {
  if (!(sk instanceof Uint8Array) || sk.length !== 32)
    throw new BlsError('BAD_SECRET', `secret key must be 32 bytes, got ${sk?.length}`);
  const s = bytesToBigint(sk);
  if (s === 0n) throw new BlsError('BAD_SECRET', 'secret key is zero');
  if (s >= CURVE_ORDER) throw new BlsError('BAD_SECRET', 'secret key is not reduced modulo r');
  return s;
}

/** Uniform non-zero scalar (64 random bytes reduced mod r: bias < 2^-256). */
export function randomScalar(): bigint {
  for (;;) {
    const s = bytesToBigint(randomBytes(64)) % CURVE_ORDER;
    if (s !== 0n) return s;
  }
}

/** Evaluate sum(coeffs[k] * x^k) mod r (Horner). */
export function evalPolynomial(coeffs: readonly bigint[], x: bigint): bigint {
  let acc = 0n;
  for (let k = coeffs.length - 1; k >= 0; k--) acc = Fr.add(Fr.mul(acc, x), coeffs[k]!);
  return acc;
}

/** Lagrange coefficients at x = 0 for the given distinct non-zero indices. */
export function lagrangeAtZero(indices: readonly number[]): bigint[] {
  return lagrangeAt(indices, 0n);
}

/**
 * Lagrange coefficients at `x` for the given distinct non-zero indices: f(x) = sum(c_i * f(i)) for
 * every polynomial f of degree < indices.length.
 */
export function lagrangeAt(indices: readonly number[], x: bigint): bigint[] {
  const xs = indices.map((i) => BigInt(i));
  return xs.map((xi, i) => {
    let num = 1n;
    let den = 1n;
    for (let j = 0; j < xs.length; j++) {
      if (j === i) continue;
      const xj = xs[j]!;
      num = Fr.mul(num, Fr.sub(xj, x));
      den = Fr.mul(den, Fr.sub(xj, xi));
    }
    return Fr.div(num, den);
  });
}
