import { bn254 } from '@noble/curves/bn254.js';
import { ZkError } from './errors.js';
import { FIELD_MODULUS } from './field.js';
import {
  G1_BYTES,
  type G1Point,
  G2_BYTES,
  type G2Point,
  g1PointFromBytes,
  g1PointFromJson,
  g2PointFromBytes,
  g2PointFromJson,
  PROOF_BYTES,
} from './points.js';
import type { VerificationKeyJson } from './vkey.js';

/**
 * Groth16 verification over BN254 (docs/zk.md "Verifier"), written on @noble/curves (MIT) so that
 * every node, observer and browser verifies without the prover's GPL-3.0 toolchain. It checks the
 * same relation as snarkjs' `groth16.verify`:
 *
 *   e(A, B) = e(alpha, beta) · e(vk_x, gamma) · e(C, delta),   vk_x = IC_0 + Σ pub_i · IC_i
 *
 * evaluated as one product of Miller loops, e(−A, B) · e(alpha, beta) · e(vk_x, gamma) · e(C, delta),
 * with a single final exponentiation compared to 1. Points are validated when decoded (coordinates
 * below q, on the curve, G2 in the prime-order subgroup, not the identity) and public inputs must be
 * canonical scalars (< r), so a verifier never reduces an input modulo r on the prover's behalf.
 */

const { Fp12 } = bn254.fields;
type Fp12 = ReturnType<typeof Fp12.mul>;
type Precompute = ReturnType<typeof bn254.utils.calcPairingPrecomputes>;
/** wNAF window of the IC tables: 4 bits is most of the speed-up for a fraction of the set-up time. */
const IC_WINDOW = 4;

/** A verification key decoded, validated and prepared for pairing (reuse it for many proofs). */
export interface PreparedVerificationKey {
  readonly nPublic: number;
  readonly ic: readonly G1Point[];
  readonly gamma: Precompute;
  readonly delta: Precompute;
  /** Miller loop of e(alpha, beta), before the final exponentiation: the same for every proof. */
  readonly alphaBeta: Fp12;
}

/** A Groth16 proof as validated curve points. */
export interface Groth16Proof {
  readonly a: G1Point;
  readonly b: G2Point;
  readonly c: G1Point;
}

function millerLoop(pairs: [Precompute, G1Point][]): Fp12 {
  return bn254.millerLoopBatch(
    pairs.map(([pre, p]) => {
      const { x, y } = p.toAffine();
      return [pre, x, y];
    }),
  );
}

/** Validate a snarkjs-form verification key (any number of public inputs) and prepare it. */
export function prepareVerificationKey(vk: VerificationKeyJson): PreparedVerificationKey {
  const v = vk as Partial<VerificationKeyJson> | null;
  if (!v || typeof v !== 'object')
    throw new ZkError('BAD_VERIFICATION_KEY', 'expected a verification key object');
  if (v.protocol !== 'groth16' || v.curve !== 'bn128')
    throw new ZkError(
      'BAD_VERIFICATION_KEY',
      `expected a groth16 key on bn128, got ${v.protocol} on ${v.curve}`,
    );
  if (
    !Number.isSafeInteger(v.nPublic) ||
    (v.nPublic as number) < 0 ||
    !Array.isArray(v.IC) ||
    v.IC.length !== (v.nPublic as number) + 1
  )
    throw new ZkError('BAD_VERIFICATION_KEY', 'expected nPublic + 1 IC points');
  try {
    const alpha = g1PointFromJson(v.vk_alpha_1, 'vk.alpha1');
    const beta = g2PointFromJson(v.vk_beta_2, 'vk.beta2');
    const gamma = g2PointFromJson(v.vk_gamma_2, 'vk.gamma2');
    const delta = g2PointFromJson(v.vk_delta_2, 'vk.delta2');
    // Fixed-base tables for IC_1..IC_n: the multi-scalar product vk_x dominates a verification
    // otherwise, and the key is prepared once for many proofs.
    const ic = v.IC.map((p, i) => {
      const point = g1PointFromJson(p, `vk.IC[${i}]`);
      return i === 0 ? point : point.precompute(IC_WINDOW, false);
    });
    const pre = bn254.utils.calcPairingPrecomputes;
    return {
      nPublic: v.nPublic as number,
      ic,
      gamma: pre(gamma),
      delta: pre(delta),
      alphaBeta: millerLoop([[pre(beta), alpha]]),
    };
  } catch (e) {
    if (e instanceof ZkError) throw new ZkError('BAD_VERIFICATION_KEY', e.message, e.path);
    throw e;
  }
}

/** The 256-byte proof (A ‖ B ‖ C, EIP-197 layout) to validated points: MALFORMED or BAD_POINT. */
export function decodeGroth16Proof(b: Uint8Array): Groth16Proof {
  if (!(b instanceof Uint8Array) || b.length !== PROOF_BYTES)
    throw new ZkError('MALFORMED', `a proof is exactly ${PROOF_BYTES} bytes`, 'proof');
  return {
    a: g1PointFromBytes(b, 0, 'proof.a'),
    b: g2PointFromBytes(b, G1_BYTES, 'proof.b'),
    c: g1PointFromBytes(b, G1_BYTES + G2_BYTES, 'proof.c'),
  };
}

/**
 * Check the public inputs: exactly nPublic canonical scalars. Throws BAD_INPUT (not a non-negative
 * bigint, or the wrong count) or NON_CANONICAL (>= r: snarkjs rejects these too, and reducing them
 * would let one proof stand for several input vectors).
 */
function checkPublicInputs(inputs: readonly bigint[], n: number): void {
  if (!Array.isArray(inputs) || inputs.length !== n)
    throw new ZkError('BAD_INPUT', `expected ${n} public inputs, got ${(inputs as unknown[])?.length}`);
  inputs.forEach((x, i) => {
    if (typeof x !== 'bigint' || x < 0n)
      throw new ZkError('BAD_INPUT', 'a public input is a non-negative bigint', `publicInputs[${i}]`);
    if (x >= FIELD_MODULUS)
      throw new ZkError(
        'NON_CANONICAL',
        'a public input is not reduced below the BN254 scalar modulus r',
        `publicInputs[${i}]`,
      );
  });
}

/**
 * Verify a Groth16 proof. Returns whether the pairing equation holds; throws ZkError for input that
 * is not a proof at all (MALFORMED / BAD_POINT for the proof bytes, BAD_INPUT / NON_CANONICAL for
 * the public inputs).
 */
export function groth16Verify(
  vk: PreparedVerificationKey,
  publicInputs: readonly bigint[],
  proof: Uint8Array | Groth16Proof,
): boolean {
  const p = proof instanceof Uint8Array ? decodeGroth16Proof(proof) : proof;
  checkPublicInputs(publicInputs, vk.nPublic);
  // Public data only, so the variable-time multiplication is fine; a zero input contributes nothing.
  const vkX = publicInputs.reduce<G1Point>(
    (acc, x, i) => acc.add((vk.ic[i + 1] as G1Point).multiplyUnsafe(x)),
    vk.ic[0] as G1Point,
  );
  const pairs: [Precompute, G1Point][] = [
    [bn254.utils.calcPairingPrecomputes(p.b), p.a.negate()],
    [vk.delta, p.c],
  ];
  // e(0, gamma) = 1: an identity vk_x contributes nothing (noble's pairing rejects the identity).
  if (!vkX.is0()) pairs.push([vk.gamma, vkX]);
  const f = Fp12.mul(millerLoop(pairs), vk.alphaBeta);
  return Fp12.eql(Fp12.finalExponentiate(f), Fp12.ONE);
}
