import { ZkError } from './errors.js';

/**
 * The scalar field of BN254 (alt_bn128), the curve of snarkjs' Groth16 and of circomlib's Poseidon
 * constants. Every circuit signal is an element of this field.
 */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * Width of every committed value: values are integers in [0, 2^252). 252 is the widest range
 * circomlib's comparators accept on BN254 (LessThan(n) needs n <= 252); a sum of two such values
 * (cumulative + epoch) stays below 2^253 < FIELD_MODULUS, so no arithmetic in the circuit wraps.
 */
export const RANGE_BITS = 252;
/** The largest value that can be committed privately; a cap or limit at or above it means "no cap". */
export const MAX_VALUE = (1n << BigInt(RANGE_BITS)) - 1n;

/** 32-byte big-endian encoding of a field element (or of a value < 2^256). */
export function fieldToBytes(x: bigint): Uint8Array {
  if (typeof x !== 'bigint' || x < 0n || x >= 1n << 256n)
    throw new ZkError('BAD_INPUT', `${x} is not a 256-bit value`);
  const out = new Uint8Array(32);
  let v = x;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Big-endian bytes to bigint (no range check). */
export function bytesToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  return v;
}

/** Parse a 32-byte big-endian field element; anything >= FIELD_MODULUS is NON_CANONICAL. */
export function bytesToField(b: Uint8Array, path: string): bigint {
  if (!(b instanceof Uint8Array) || b.length !== 32)
    throw new ZkError('MALFORMED', 'a field element is exactly 32 bytes', path);
  const v = bytesToBigint(b);
  if (v >= FIELD_MODULUS)
    throw new ZkError('NON_CANONICAL', 'field element is not reduced below the BN254 scalar modulus', path);
  return v;
}

/** Check that `v` can be committed: a bigint in [0, 2^252). */
export function checkValue(v: unknown, path: string): bigint {
  if (typeof v !== 'bigint') throw new ZkError('BAD_INPUT', `expected a bigint, got ${typeof v}`, path);
  if (v < 0n) throw new ZkError('BAD_INPUT', `negative value ${v}`, path);
  if (v > MAX_VALUE)
    throw new ZkError(
      'OUT_OF_RANGE',
      `${v} is >= 2^${RANGE_BITS}, the private-mode bound: it cannot be committed privately; disclose it in clear`,
      path,
    );
  return v;
}
