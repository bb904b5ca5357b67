import * as blst from '@chainsafe/blst';
import { activeBackend as backend, nobleHashToG2, POP_DST } from './bls-backend.js';
import { BlsError } from './errors.js';
import { lagrangeAt, lagrangeAtZero, parseSecret } from './scalar.js';

/**
 * Threshold BLS over BLS12-381, min-pk (public keys in G1, 48 B; signatures in G2, 96 B),
 * ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_. Partial signatures are ordinary BLS
 * signatures under a share; a group signature is an ordinary BLS signature under the group key,
 * so any standard library verifies a certificate.
 */

export { POP_DST };

export interface BlsPartial {
  /** 1-based share index. */
  index: number;
  /** 96-byte compressed G2 partial signature. */
  signature: Uint8Array;
}

export interface BlsBatchItem {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

/** Derive the 48-byte G1 public key of a 32-byte big-endian secret scalar (0 < sk < r). */
export function blsSecretToPublic(sk: Uint8Array): Uint8Array {
  return backend.secretToPublic(parseSecret(sk));
}

/** Sign `msg` (also partial-signs with a share); returns a 96-byte compressed G2 signature. */
export function blsSign(sk: Uint8Array, msg: Uint8Array): Uint8Array {
  return backend.sign(parseSecret(sk), msg);
}

/** Verify a signature; never throws: malformed, infinity or off-subgroup inputs return false. */
export function blsVerify(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (!(msg instanceof Uint8Array)) return false;
  return backend.verify(pk, msg, sig);
}

/** Verify a partial signature against the signer's public share (same check as blsVerify). */
export function verifyPartial(publicShare: Uint8Array, msg: Uint8Array, partial: Uint8Array): boolean {
  return blsVerify(publicShare, msg, partial);
}

/**
 * Verify many signatures in one go with a random linear combination (one pairing check when all
 * messages are equal, as for partials of one statement). True only if (with overwhelming
 * probability) every item verifies; false for an empty batch or any malformed input.
 */
export function batchVerify(items: readonly BlsBatchItem[]): boolean {
  if (!Array.isArray(items) || items.length === 0) return false;
  for (const it of items) if (!(it?.message instanceof Uint8Array)) return false;
  const msg = items[0]!.message;
  if (items.every((it) => Buffer.compare(it.message, msg) === 0)) {
    return backend.verifySameMessage(
      msg,
      items.map((it) => it.publicKey),
      items.map((it) => it.signature),
    );
  }
  return backend.verifyMultiple([...items]);
}

/**
 * Recover the group signature from `threshold` partials by Lagrange interpolation in the exponent.
 * Uses the first `threshold` partials given; does not verify them (verify partials first, or verify
 * the result against the group key). Throws BlsError on a bad set or malformed point.
 */
export function recoverSignature(partials: readonly BlsPartial[], threshold: number): Uint8Array {
  if (!Number.isSafeInteger(threshold) || threshold < 1)
    throw new BlsError('BAD_THRESHOLD', `threshold must be a positive integer, got ${threshold}`);
  if (!Array.isArray(partials) || partials.length < threshold)
    throw new BlsError('NOT_ENOUGH_PARTIALS', `need ${threshold} partials, got ${partials?.length ?? 0}`);
  const seen = new Set<number>();
  for (const p of partials) {
    if (!Number.isSafeInteger(p.index) || p.index < 1 || p.index >= 2 ** 32)
      throw new BlsError('BAD_INDEX', `share index must be an integer >= 1, got ${p.index}`);
    if (seen.has(p.index)) throw new BlsError('DUPLICATE_INDEX', `share index ${p.index} appears twice`);
    seen.add(p.index);
  }
  const used = partials.slice(0, threshold);
  const weights = lagrangeAtZero(used.map((p) => p.index));
  const sig = backend.g2LinearCombination(
    used.map((p) => p.signature),
    weights,
  );
  if (sig[0] === 0xc0) throw new BlsError('BAD_POINT', 'recovered signature is the point at infinity');
  return sig;
}

/**
 * Whether `publicShares` (share i at [i - 1]) are the public shares of a Shamir sharing of the secret
 * behind `groupPublicKey` with threshold `threshold`: the first t shares interpolate (in the exponent)
 * to the group key at 0 and to every further share at its index, so any t of them recover signatures
 * under the group key. Never throws: malformed or infinity points, or a threshold outside 1..n, are false.
 * Cost: n - t + 1 multi-scalar multiplications of t points in G1.
 */
export function verifyPublicShares(
  groupPublicKey: Uint8Array,
  publicShares: readonly Uint8Array[],
  threshold: number,
): boolean {
  try {
    const n = publicShares.length;
    if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > n) return false;
    backend.checkG1(groupPublicKey, false);
    for (const p of publicShares) backend.checkG1(p, false);
    const basis = publicShares.slice(0, threshold) as Uint8Array[];
    const indices = basis.map((_, i) => i + 1);
    const at = (x: number) => backend.g1LinearCombination(basis, lagrangeAt(indices, BigInt(x)));
    if (Buffer.compare(at(0), groupPublicKey) !== 0) return false;
    for (let j = threshold + 1; j <= n; j++)
      if (Buffer.compare(at(j), publicShares[j - 1] as Uint8Array) !== 0) return false;
    return true;
  } catch {
    return false;
  }
}

/** Throws BlsError('BAD_POINT') unless `bytes` is a canonical compressed G1 point in the subgroup (infinity rejected unless allowed). */
export function blsCheckPublicKey(bytes: Uint8Array, opts: { allowInfinity?: boolean } = {}): void {
  backend.checkG1(bytes, opts.allowInfinity ?? false);
}

/** Throws BlsError('BAD_POINT') unless `bytes` is a canonical compressed G2 point in the subgroup (infinity rejected unless allowed). */
export function blsCheckSignature(bytes: Uint8Array, opts: { allowInfinity?: boolean } = {}): void {
  backend.checkG2(bytes, opts.allowInfinity ?? false);
}

/** Add signatures (Ethereum `Aggregate`): subgroup-checked inputs, infinity allowed; throws on an empty list. */
export function aggregateSignatures(signatures: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(signatures) || signatures.length === 0)
    throw new BlsError('EMPTY_INPUT', 'cannot aggregate zero signatures');
  const points = signatures.map((s) => {
    backend.checkG2(s, true);
    return blst.Signature.fromBytes(s, true, false);
  });
  return blst.aggregateSignatures(points, false).toBytes(true);
}

/** FastAggregateVerify (same message, POP keys); never throws; false on empty key list or infinity key. */
export function fastAggregateVerify(
  publicKeys: readonly Uint8Array[],
  msg: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (!Array.isArray(publicKeys) || publicKeys.length === 0 || !(msg instanceof Uint8Array)) return false;
  try {
    for (const pk of publicKeys) backend.checkG1(pk, false);
    const keys = publicKeys.map((pk) => blst.PublicKey.fromBytes(pk, true));
    if (!(sig instanceof Uint8Array) || sig.length !== 96) return false;
    return blst.fastAggregateVerify(msg, keys, blst.Signature.fromBytes(sig, true), true);
  } catch {
    return false;
  }
}

/** RFC 9380 hash_to_curve onto G2 (default DST: the POP ciphersuite); affine coordinates (c0, c1) plus compressed bytes. */
export function hashToG2(
  msg: Uint8Array,
  dst: string = POP_DST,
): { x: [bigint, bigint]; y: [bigint, bigint]; bytes: Uint8Array } {
  return nobleHashToG2(msg, dst);
}
