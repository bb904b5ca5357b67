import { sha256 } from '@noble/hashes/sha2.js';
import { ZkError } from './errors.js';
import {
  G1_BYTES,
  type G1Json,
  G2_BYTES,
  type G2Json,
  g1FromBytes,
  g1ToBytes,
  g2FromBytes,
  g2ToBytes,
} from './points.js';
import { PUBLIC_INPUTS } from './statement.js';

/** A Groth16 verification key in snarkjs' JSON form (what `snarkjs zkey export verificationkey` writes). */
export interface VerificationKeyJson {
  protocol: 'groth16';
  curve: 'bn128';
  nPublic: number;
  vk_alpha_1: G1Json;
  vk_beta_2: G2Json;
  vk_gamma_2: G2Json;
  vk_delta_2: G2Json;
  IC: G1Json[];
  /** Present in snarkjs exports; not used to verify. */
  vk_alphabeta_12?: unknown;
}

/** Canonical size: alpha1 ‖ beta2 ‖ gamma2 ‖ delta2 ‖ IC[0..21] in the EIP-197 layout. */
export const VERIFICATION_KEY_BYTES = G1_BYTES + 3 * G2_BYTES + (PUBLIC_INPUTS + 1) * G1_BYTES;

/** Check a verification key's shape (curve, protocol, input count) and points; returns it typed. */
export function checkVerificationKey(vk: unknown): VerificationKeyJson {
  const v = vk as Partial<VerificationKeyJson> | null;
  if (!v || typeof v !== 'object')
    throw new ZkError('BAD_VERIFICATION_KEY', 'expected a verification key object');
  if (v.protocol !== 'groth16' || v.curve !== 'bn128')
    throw new ZkError(
      'BAD_VERIFICATION_KEY',
      `expected a groth16 key on bn128, got ${v.protocol} on ${v.curve}`,
    );
  if (v.nPublic !== PUBLIC_INPUTS || !Array.isArray(v.IC) || v.IC.length !== PUBLIC_INPUTS + 1)
    throw new ZkError(
      'BAD_VERIFICATION_KEY',
      `expected ${PUBLIC_INPUTS} public inputs (${PUBLIC_INPUTS + 1} IC points): the key is for another circuit`,
    );
  try {
    encodeVerificationKey(v as VerificationKeyJson);
  } catch (e) {
    throw new ZkError('BAD_VERIFICATION_KEY', (e as Error).message);
  }
  return v as VerificationKeyJson;
}

/** Verification key (of any circuit) to its canonical bytes (goes into genesis). */
export function encodeVerificationKey(vk: VerificationKeyJson): Uint8Array {
  if (!Array.isArray(vk?.IC) || vk.IC.length < 1 || vk.IC.length !== vk.nPublic + 1)
    throw new ZkError('BAD_VERIFICATION_KEY', 'expected nPublic + 1 IC points');
  const out = new Uint8Array(G1_BYTES + 3 * G2_BYTES + vk.IC.length * G1_BYTES);
  let o = 0;
  const put = (b: Uint8Array) => {
    out.set(b, o);
    o += b.length;
  };
  put(g1ToBytes(vk.vk_alpha_1, 'vk.alpha1'));
  put(g2ToBytes(vk.vk_beta_2, 'vk.beta2'));
  put(g2ToBytes(vk.vk_gamma_2, 'vk.gamma2'));
  put(g2ToBytes(vk.vk_delta_2, 'vk.delta2'));
  for (const [i, p] of vk.IC.entries()) put(g1ToBytes(p, `vk.IC[${i}]`));
  return out;
}

/** Canonical bytes to this circuit's verification key (21 public inputs), validating every point. */
export function decodeVerificationKey(b: Uint8Array): VerificationKeyJson {
  if (!(b instanceof Uint8Array)) throw new ZkError('MALFORMED', 'verification key must be bytes');
  if (b.length !== VERIFICATION_KEY_BYTES)
    throw new ZkError(
      b.length > VERIFICATION_KEY_BYTES ? 'OVERSIZED' : 'MALFORMED',
      `a verification key of this circuit is exactly ${VERIFICATION_KEY_BYTES} bytes`,
    );
  let o = 0;
  const g1 = (path: string) => {
    const p = g1FromBytes(b, o, path);
    o += G1_BYTES;
    return p;
  };
  const g2 = (path: string) => {
    const p = g2FromBytes(b, o, path);
    o += G2_BYTES;
    return p;
  };
  const vk_alpha_1 = g1('vk.alpha1');
  const vk_beta_2 = g2('vk.beta2');
  const vk_gamma_2 = g2('vk.gamma2');
  const vk_delta_2 = g2('vk.delta2');
  const IC = Array.from({ length: PUBLIC_INPUTS + 1 }, (_, i) => g1(`vk.IC[${i}]`));
  return {
    protocol: 'groth16',
    curve: 'bn128',
    nPublic: PUBLIC_INPUTS,
    vk_alpha_1,
    vk_beta_2,
    vk_gamma_2,
    vk_delta_2,
    IC,
  };
}

/** SHA-256 of the canonical verification key. */
export const verificationKeyHash = (vk: VerificationKeyJson): Uint8Array => sha256(encodeVerificationKey(vk));
