import * as blst from '@chainsafe/blst';
import { pippenger } from '@noble/curves/abstract/curve.js';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { toHex } from './bytes.js';
import { BlsError } from './errors.js';
import { scalarToBytes } from './scalar.js';

/**
 * The few group operations the threshold scheme needs, behind one interface so the library is
 * swappable. Points cross the interface as compressed bytes (G1 48 B, G2 96 B); inputs are
 * always validated (canonical, on-curve, in-subgroup) unless a method says otherwise.
 * Measured on this machine (see docs/crypto.md): blst wins every operation, noble is the
 * reference implementation (tests cross-check both) and the only source of hash_to_G2 output.
 */
export interface BlsBackend {
  readonly name: string;
  /** sk * G1 for 0 < sk < r. */
  secretToPublic(sk: bigint): Uint8Array;
  /** sk * H(msg) with the POP DST. */
  sign(sk: bigint, msg: Uint8Array): Uint8Array;
  /** Core verify; false on any invalid/infinity input. */
  verify(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean;
  /** Random-linear-combination verification of many signatures of one message. */
  verifySameMessage(msg: Uint8Array, pks: Uint8Array[], sigs: Uint8Array[]): boolean;
  /** Random-linear-combination verification of many (pk, msg, sig) triples. */
  verifyMultiple(items: { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }[]): boolean;
  /** sum(scalars[i] * points[i]) in G1; validates the points; may return the infinity encoding. */
  g1LinearCombination(points: Uint8Array[], scalars: bigint[]): Uint8Array;
  /** sum(scalars[i] * points[i]) in G2; validates the points; may return the infinity encoding. */
  g2LinearCombination(points: Uint8Array[], scalars: bigint[]): Uint8Array;
  /** sum(coeffs[k] * x^k) in G1 for a small non-negative integer x (Feldman commitment evaluation). */
  g1EvaluatePolynomial(coeffs: Uint8Array[], x: number): Uint8Array;
  /** Throws BlsError('BAD_POINT') unless `bytes` is a canonical compressed G1 point in the subgroup. */
  checkG1(bytes: Uint8Array, allowInfinity: boolean): void;
  /** Throws BlsError('BAD_POINT') unless `bytes` is a canonical compressed G2 point in the subgroup. */
  checkG2(bytes: Uint8Array, allowInfinity: boolean): void;
}

/** Domain separation tag of the min-pk proof-of-possession ciphersuite (draft-irtf-cfrg-bls-signature §4.2.3). */
export const POP_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';

export const G1_INFINITY: Uint8Array = (() => {
  const b = new Uint8Array(48);
  b[0] = 0xc0;
  return b;
})();
export const G2_INFINITY: Uint8Array = (() => {
  const b = new Uint8Array(96);
  b[0] = 0xc0;
  return b;
})();

function isInfinityEncoding(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0xc0) return false;
  for (let i = 1; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// blst (native, supranational/blst via @chainsafe/blst)
// ---------------------------------------------------------------------------------------------

// Validated G1 points by encoding: DKG commitments and public shares are decoded many times and
// the subgroup check dominates (~0.1 ms). Only public data is cached; bounded, cleared when full.
const g1Cache = new Map<string, blst.PublicKey>();
const G1_CACHE_MAX = 8192;

function blstG1(bytes: Uint8Array): blst.PublicKey {
  // Exact compressed length: blst would also accept a 96-byte uncompressed key.
  if (!(bytes instanceof Uint8Array) || bytes.length !== 48)
    throw new BlsError('BAD_POINT', `G1 point must be 48 bytes, got ${bytes?.length}`);
  const key = toHex(bytes);
  const hit = g1Cache.get(key);
  if (hit) return hit;
  let pk: blst.PublicKey;
  try {
    pk = blst.PublicKey.fromBytes(bytes, true);
  } catch (e) {
    throw new BlsError('BAD_POINT', `invalid G1 point: ${(e as Error).message}`);
  }
  if (g1Cache.size >= G1_CACHE_MAX) g1Cache.clear();
  g1Cache.set(key, pk);
  return pk;
}

function blstG2(bytes: Uint8Array, allowInfinity = false): blst.Signature {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 96)
    throw new BlsError('BAD_POINT', `G2 point must be 96 bytes, got ${bytes?.length}`);
  try {
    return blst.Signature.fromBytes(bytes, true, !allowInfinity);
  } catch (e) {
    throw new BlsError('BAD_POINT', `invalid G2 point: ${(e as Error).message}`);
  }
}

/**
 * Straus/Shamir multi-scalar multiplication built from blst's point aggregation (the binding
 * exposes no scalar multiplication): per bit, one native call computes 2*acc + sum(points whose
 * scalar has that bit). 255 calls regardless of the number of points; ~13x faster than noble's
 * Pippenger for 43 G2 points here.
 */
function straus<P>(points: P[], scalars: bigint[], add: (ps: P[]) => P): P | null {
  let acc: P | null = null;
  let maxBits = 0;
  for (const s of scalars) maxBits = Math.max(maxBits, s.toString(2).length);
  for (let bit = maxBits - 1; bit >= 0; bit--) {
    const list: P[] = acc === null ? [] : [acc, acc];
    const mask = 1n << BigInt(bit);
    for (let i = 0; i < points.length; i++) if ((scalars[i]! & mask) !== 0n) list.push(points[i]!);
    if (list.length === 0) continue;
    acc = list.length === 1 ? list[0]! : add(list);
  }
  return acc;
}

const addG1 = (ps: blst.PublicKey[]): blst.PublicKey => blst.aggregatePublicKeys(ps, false);
const addG2 = (ps: blst.Signature[]): blst.Signature => blst.aggregateSignatures(ps, false);

function checkScalars(points: unknown[], scalars: bigint[]): void {
  if (points.length !== scalars.length) throw new BlsError('EMPTY_INPUT', 'points/scalars length mismatch');
  for (const s of scalars) if (s < 0n) throw new BlsError('BAD_SECRET', 'negative scalar');
}

export const blstBackend: BlsBackend = {
  name: 'blst',
  secretToPublic: (sk) => blst.SecretKey.fromBytes(scalarToBytes(sk)).toPublicKey().toBytes(true),
  sign: (sk, msg) => blst.SecretKey.fromBytes(scalarToBytes(sk)).sign(msg).toBytes(true),
  verify(pk, msg, sig) {
    try {
      return blst.verify(msg, blstG1(pk), blstG2(sig), false, false);
    } catch {
      return false;
    }
  },
  verifySameMessage(msg, pks, sigs) {
    if (pks.length === 0 || pks.length !== sigs.length) return false;
    try {
      const sets = pks.map((pk, i) => {
        const sig = sigs[i]!;
        if (!(sig instanceof Uint8Array) || sig.length !== 96)
          throw new BlsError('BAD_POINT', 'bad signature length');
        return { pk: blstG1(pk), sig };
      });
      // aggregateWithRandomness multiplies each pair by a fresh 64-bit random scalar (after
      // validating every signature), so one pairing check covers all: a forged partial passes
      // with probability ~2^-64.
      const agg = blst.aggregateWithRandomness(sets);
      return blst.verify(msg, agg.pk, agg.sig, false, false);
    } catch {
      return false;
    }
  },
  verifyMultiple(items) {
    if (items.length === 0) return false;
    try {
      const sets = items.map((it) => ({
        msg: it.message,
        pk: blstG1(it.publicKey),
        sig: blstG2(it.signature),
      }));
      return blst.verifyMultipleAggregateSignatures(sets, false, false);
    } catch {
      return false;
    }
  },
  g1LinearCombination(points, scalars) {
    checkScalars(points, scalars);
    const r = straus(points.map(blstG1), scalars, addG1);
    return r === null ? G1_INFINITY.slice() : r.toBytes(true);
  },
  g2LinearCombination(points, scalars) {
    checkScalars(points, scalars);
    const r = straus(
      points.map((p) => blstG2(p)),
      scalars,
      addG2,
    );
    return r === null ? G2_INFINITY.slice() : r.toBytes(true);
  },
  g1EvaluatePolynomial(coeffs, x) {
    if (!Number.isSafeInteger(x) || x < 0) throw new BlsError('BAD_INDEX', `bad evaluation point ${x}`);
    if (coeffs.length === 0) throw new BlsError('EMPTY_INPUT', 'no coefficients');
    const cs = coeffs.map(blstG1);
    if (x === 0) return cs[0]!.toBytes(true);
    // Horner: acc = acc * x + c_k, with the small multiplication by x as double-and-add.
    let acc = cs[cs.length - 1]!;
    const bits = x.toString(2);
    for (let k = cs.length - 2; k >= 0; k--) {
      let r = acc;
      for (let b = 1; b < bits.length; b++) {
        const last = b === bits.length - 1;
        const list = bits[b] === '1' ? [r, r, acc] : [r, r];
        if (last) list.push(cs[k]!);
        r = addG1(list);
      }
      acc = bits.length === 1 ? addG1([r, cs[k]!]) : r;
    }
    return acc.toBytes(true);
  },
  checkG1(bytes, allowInfinity) {
    if (allowInfinity && bytes instanceof Uint8Array && bytes.length === 48 && isInfinityEncoding(bytes))
      return;
    blstG1(bytes);
  },
  checkG2(bytes, allowInfinity) {
    blstG2(bytes, allowInfinity);
  },
};

// ---------------------------------------------------------------------------------------------
// noble (pure TypeScript, audited): reference backend and hash_to_G2
// ---------------------------------------------------------------------------------------------

const { G1, G2 } = bls12_381;
type G1Point = ReturnType<typeof G1.Point.fromBytes>;
type G2Point = ReturnType<typeof G2.Point.fromBytes>;

function nobleG1(bytes: Uint8Array, allowInfinity = false): G1Point {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 48)
    throw new BlsError('BAD_POINT', `G1 point must be 48 bytes, got ${bytes?.length}`);
  let p: G1Point;
  try {
    p = G1.Point.fromBytes(bytes);
    p.assertValidity();
  } catch (e) {
    throw new BlsError('BAD_POINT', `invalid G1 point: ${(e as Error).message}`);
  }
  if (!allowInfinity && p.is0()) throw new BlsError('BAD_POINT', 'G1 point at infinity');
  return p;
}

function nobleG2(bytes: Uint8Array, allowInfinity = false): G2Point {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 96)
    throw new BlsError('BAD_POINT', `G2 point must be 96 bytes, got ${bytes?.length}`);
  let p: G2Point;
  try {
    p = G2.Point.fromBytes(bytes);
    p.assertValidity();
  } catch (e) {
    throw new BlsError('BAD_POINT', `invalid G2 point: ${(e as Error).message}`);
  }
  if (!allowInfinity && p.is0()) throw new BlsError('BAD_POINT', 'G2 point at infinity');
  return p;
}

const sigs = bls12_381.longSignatures;
const hashMsg = (msg: Uint8Array): G2Point => sigs.hash(msg, POP_DST) as G2Point;

function nobleRandomWeights(n: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const b = bls12_381.utils.randomSecretKey();
    // 128-bit weights are plenty for soundness and keep the MSM cheap.
    out.push(BigInt(`0x${toHex(b.subarray(0, 16))}`) | 1n);
  }
  return out;
}

export const nobleBackend: BlsBackend = {
  name: 'noble',
  secretToPublic: (sk) => G1.Point.BASE.multiply(sk).toBytes(true),
  sign: (sk, msg) => hashMsg(msg).multiply(sk).toBytes(true),
  verify(pk, msg, sig) {
    try {
      return sigs.verify(nobleG2(sig), hashMsg(msg), nobleG1(pk));
    } catch {
      return false;
    }
  },
  verifySameMessage(msg, pks, sigList) {
    if (pks.length === 0 || pks.length !== sigList.length) return false;
    try {
      const w = nobleRandomWeights(pks.length);
      const pk = pippenger(
        G1.Point,
        pks.map((p) => nobleG1(p)),
        w,
      );
      const sig = pippenger(
        G2.Point,
        sigList.map((s) => nobleG2(s)),
        w,
      );
      if (pk.is0() || sig.is0()) return false;
      return sigs.verify(sig, hashMsg(msg), pk);
    } catch {
      return false;
    }
  },
  verifyMultiple(items) {
    if (items.length === 0) return false;
    return items.every((it) => nobleBackend.verify(it.publicKey, it.message, it.signature));
  },
  g1LinearCombination(points, scalars) {
    checkScalars(points, scalars);
    if (points.length === 0) return G1_INFINITY.slice();
    return pippenger(
      G1.Point,
      points.map((p) => nobleG1(p)),
      scalars,
    ).toBytes(true);
  },
  g2LinearCombination(points, scalars) {
    checkScalars(points, scalars);
    if (points.length === 0) return G2_INFINITY.slice();
    return pippenger(
      G2.Point,
      points.map((p) => nobleG2(p)),
      scalars,
    ).toBytes(true);
  },
  g1EvaluatePolynomial(coeffs, x) {
    if (!Number.isSafeInteger(x) || x < 0) throw new BlsError('BAD_INDEX', `bad evaluation point ${x}`);
    if (coeffs.length === 0) throw new BlsError('EMPTY_INPUT', 'no coefficients');
    const cs = coeffs.map((c) => nobleG1(c));
    let acc = cs[cs.length - 1]!;
    for (let k = cs.length - 2; k >= 0; k--)
      acc = (x === 0 ? G1.Point.ZERO : acc.multiplyUnsafe(BigInt(x))).add(cs[k]!);
    return acc.toBytes(true);
  },
  checkG1(bytes, allowInfinity) {
    nobleG1(bytes, allowInfinity);
  },
  checkG2(bytes, allowInfinity) {
    nobleG2(bytes, allowInfinity);
  },
};

/** RFC 9380 hash_to_curve for G2 (noble; blst's binding does not expose it). */
export function nobleHashToG2(
  msg: Uint8Array,
  dst: string,
): { x: [bigint, bigint]; y: [bigint, bigint]; bytes: Uint8Array } {
  const p = G2.hashToCurve(msg, { DST: dst }) as G2Point;
  const a = p.toAffine();
  return { x: [a.x.c0, a.x.c1], y: [a.y.c0, a.y.c1], bytes: p.toBytes(true) };
}

/** The backend used by the public API (per-operation choice is documented on each function). */
export const activeBackend: BlsBackend = blstBackend;
