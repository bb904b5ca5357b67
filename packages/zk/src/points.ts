import { bn254 } from '@noble/curves/bn254.js';
import { ZkError } from './errors.js';
import { bytesToBigint, fieldToBytes } from './field.js';

/**
 * Groth16 proof and verification key as bytes, in Ethereum's EIP-197 layout: G1 = x ‖ y, G2 =
 * x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0, each coordinate 32-byte big-endian, affine, uncompressed. Decoding
 * rejects coordinates >= q, points off the curve or outside the prime-order subgroup (G2 has a
 * cofactor on BN254), and the identity: a verifier never hands such a point to the pairing.
 */

/** BN254 base field modulus q. */
export const BASE_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

export const G1_BYTES = 64;
export const G2_BYTES = 128;
export const PROOF_BYTES = 2 * G1_BYTES + G2_BYTES;

/** snarkjs' JSON forms (decimal strings, projective with z = 1). */
export type G1Json = [string, string, string];
export type G2Json = [[string, string], [string, string], [string, string]];
export interface Groth16ProofJson {
  pi_a: G1Json;
  pi_b: G2Json;
  pi_c: G1Json;
  protocol: 'groth16';
  curve: 'bn128';
}

function coord(b: Uint8Array, o: number, path: string): bigint {
  const v = bytesToBigint(b.subarray(o, o + 32));
  if (v >= BASE_MODULUS) throw new ZkError('BAD_POINT', 'coordinate is not reduced below q', path);
  return v;
}

function parseJsonCoord(s: unknown, path: string): bigint {
  if (typeof s !== 'string' || !/^(0|[1-9][0-9]{0,77})$/.test(s))
    throw new ZkError('MALFORMED', 'expected a decimal coordinate string', path);
  const v = BigInt(s);
  if (v >= BASE_MODULUS) throw new ZkError('BAD_POINT', 'coordinate is not reduced below q', path);
  return v;
}

/** A validated BN254 G1 point (noble's representation). */
export type G1Point = ReturnType<typeof bn254.G1.Point.fromAffine>;
/** A validated BN254 G2 point in the prime-order subgroup (noble's representation). */
export type G2Point = ReturnType<typeof bn254.G2.Point.fromAffine>;

function g1Point(x: bigint, y: bigint, path: string): G1Point {
  if (x === 0n && y === 0n) throw new ZkError('BAD_POINT', 'the identity is not allowed', path);
  try {
    const p = bn254.G1.Point.fromAffine({ x, y });
    p.assertValidity();
    return p;
  } catch {
    throw new ZkError('BAD_POINT', 'not a point on BN254 G1', path);
  }
}

function g2Point(x: [bigint, bigint], y: [bigint, bigint], path: string): G2Point {
  if (x[0] === 0n && x[1] === 0n && y[0] === 0n && y[1] === 0n)
    throw new ZkError('BAD_POINT', 'the identity is not allowed', path);
  try {
    const Fp2 = bn254.fields.Fp2;
    const p = bn254.G2.Point.fromAffine({ x: Fp2.fromBigTuple(x), y: Fp2.fromBigTuple(y) });
    // assertValidity checks the curve equation and, for G2, membership in the prime-order subgroup.
    p.assertValidity();
    return p;
  } catch {
    throw new ZkError('BAD_POINT', 'not a point in the BN254 G2 subgroup', path);
  }
}

/** G1 point at byte offset `o` (x ‖ y), validated. */
export function g1PointFromBytes(b: Uint8Array, o: number, path: string): G1Point {
  return g1Point(coord(b, o, path), coord(b, o + 32, path), path);
}

/** G2 point at byte offset `o` (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0), validated. */
export function g2PointFromBytes(b: Uint8Array, o: number, path: string): G2Point {
  const x1 = coord(b, o, path);
  const x0 = coord(b, o + 32, path);
  const y1 = coord(b, o + 64, path);
  const y0 = coord(b, o + 96, path);
  return g2Point([x0, x1], [y0, y1], path);
}

/** G1 point from snarkjs JSON (affine, z = 1), validated. */
export function g1PointFromJson(p: unknown, path: string): G1Point {
  if (!Array.isArray(p) || p.length !== 3 || p[2] !== '1')
    throw new ZkError('MALFORMED', 'expected an affine G1 point [x, y, "1"]', path);
  return g1Point(parseJsonCoord(p[0], path), parseJsonCoord(p[1], path), path);
}

/** G2 point from snarkjs JSON (affine, z = 1), validated. */
export function g2PointFromJson(p: unknown, path: string): G2Point {
  const ok =
    Array.isArray(p) &&
    p.length === 3 &&
    p.every((c) => Array.isArray(c) && c.length === 2) &&
    p[2][0] === '1' &&
    p[2][1] === '0';
  if (!ok)
    throw new ZkError('MALFORMED', 'expected an affine G2 point [[x0, x1], [y0, y1], ["1", "0"]]', path);
  const [[x0, x1], [y0, y1]] = p as [[unknown, unknown], [unknown, unknown]];
  return g2Point(
    [parseJsonCoord(x0, path), parseJsonCoord(x1, path)],
    [parseJsonCoord(y0, path), parseJsonCoord(y1, path)],
    path,
  );
}

export function g1FromBytes(b: Uint8Array, o: number, path: string): G1Json {
  const { x, y } = g1PointFromBytes(b, o, path).toAffine();
  return [x.toString(), y.toString(), '1'];
}

export function g2FromBytes(b: Uint8Array, o: number, path: string): G2Json {
  const { x, y } = g2PointFromBytes(b, o, path).toAffine();
  return [
    [x.c0.toString(), x.c1.toString()],
    [y.c0.toString(), y.c1.toString()],
    ['1', '0'],
  ];
}

/** G1 JSON (affine, z = 1) to 64 bytes; validates the point. */
export function g1ToBytes(p: unknown, path: string): Uint8Array {
  const { x, y } = g1PointFromJson(p, path).toAffine();
  const out = new Uint8Array(G1_BYTES);
  out.set(fieldToBytes(x), 0);
  out.set(fieldToBytes(y), 32);
  return out;
}

/** G2 JSON (affine, z = 1) to 128 bytes; validates the point. */
export function g2ToBytes(p: unknown, path: string): Uint8Array {
  const { x, y } = g2PointFromJson(p, path).toAffine();
  const out = new Uint8Array(G2_BYTES);
  out.set(fieldToBytes(x.c1), 0);
  out.set(fieldToBytes(x.c0), 32);
  out.set(fieldToBytes(y.c1), 64);
  out.set(fieldToBytes(y.c0), 96);
  return out;
}

/** snarkjs proof JSON to the 256-byte proof (A ‖ B ‖ C). */
export function proofToBytes(proof: unknown): Uint8Array {
  const p = proof as Partial<Groth16ProofJson> | null;
  if (!p || typeof p !== 'object') throw new ZkError('MALFORMED', 'expected a Groth16 proof object', 'proof');
  const out = new Uint8Array(PROOF_BYTES);
  out.set(g1ToBytes(p.pi_a, 'proof.a'), 0);
  out.set(g2ToBytes(p.pi_b, 'proof.b'), G1_BYTES);
  out.set(g1ToBytes(p.pi_c, 'proof.c'), G1_BYTES + G2_BYTES);
  return out;
}

/** The 256-byte proof to snarkjs proof JSON, validating every point. */
export function proofFromBytes(b: Uint8Array): Groth16ProofJson {
  if (!(b instanceof Uint8Array) || b.length !== PROOF_BYTES)
    throw new ZkError('MALFORMED', `a proof is exactly ${PROOF_BYTES} bytes`, 'proof');
  return {
    pi_a: g1FromBytes(b, 0, 'proof.a'),
    pi_b: g2FromBytes(b, G1_BYTES, 'proof.b'),
    pi_c: g1FromBytes(b, G1_BYTES + G2_BYTES, 'proof.c'),
    protocol: 'groth16',
    curve: 'bn128',
  };
}
