import { type BoundSet, publicBounds } from './bounds.js';
import { decodePrivateProof, type PrivateProof } from './codec.js';
import { contextBytes, type ProofContext } from './context.js';
import { ZkError } from './errors.js';
import { bytesToBigint } from './field.js';
import {
  decodeGroth16Proof,
  type Groth16Proof,
  groth16Verify,
  type PreparedVerificationKey,
  prepareVerificationKey,
} from './groth16.js';
import type { SlotName } from './slots.js';
import { PUBLIC_INPUTS, publicSignals } from './statement.js';
import type { VerificationKeyJson } from './vkey.js';

/**
 * Prepared keys by their JSON text: a node verifies every commitment against the one genesis key, so
 * the key's points are validated and its pairing precomputations made once. Keyed by content, not by
 * object identity, so a caller that mutates its key object never gets a stale preparation.
 */
const prepared = new Map<string, PreparedVerificationKey>();
const MAX_PREPARED = 8;

function preparedKey(vk: VerificationKeyJson): PreparedVerificationKey {
  const v = vk as Partial<VerificationKeyJson> | null;
  const id = JSON.stringify([
    v?.protocol,
    v?.curve,
    v?.nPublic,
    v?.vk_alpha_1,
    v?.vk_beta_2,
    v?.vk_gamma_2,
    v?.vk_delta_2,
    v?.IC,
  ]);
  const hit = prepared.get(id);
  if (hit) return hit;
  // Same rules as checkVerificationKey; prepareVerificationKey validates the points (once).
  if (v?.nPublic !== PUBLIC_INPUTS)
    throw new ZkError(
      'BAD_VERIFICATION_KEY',
      `expected ${PUBLIC_INPUTS} public inputs (${PUBLIC_INPUTS + 1} IC points): the key is for another circuit`,
    );
  const key = prepareVerificationKey(vk);
  if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value as string);
  prepared.set(id, key);
  return key;
}

/** Reject codes of verifyPrivateProof, in the order they are checked. */
export type ZkRejectCode =
  | 'OVERSIZED'
  | 'MALFORMED'
  | 'NON_CANONICAL'
  | 'BAD_POINT'
  | 'WRONG_CONTEXT'
  | 'BAD_VERIFICATION_KEY'
  | 'BAD_PROOF';

export type ZkVerdict = { ok: true } | { ok: false; code: ZkRejectCode; detail: string };

/** What the verifier knows independently of the prover. */
export interface VerifyExpectation {
  /** The commitment the proof arrived in. */
  context: ProofContext;
  /** Commitments from the lab's previous private commitment (linkCommitments(GENESIS_LINK) for seq 0). */
  previous: { cumulative: bigint; largestRun: bigint };
  /** Genesis policy caps and the limits of the network's level. */
  bounds: BoundSet;
  /** Slots the commitment discloses in clear (checked in clear by the caller). */
  disclosed?: readonly SlotName[];
}

const reject = (code: ZkRejectCode, detail: string): ZkVerdict => ({ ok: false, code, detail });

/**
 * Verify a private commitment's proof. Order: size, decoding (canonical CBOR, field elements,
 * curve points), context (bound to this network, lab, epoch, seq), verification key shape, then
 * the Groth16 pairing check (groth16.ts, no snarkjs) over the public signals rebuilt from the
 * expectation. Never throws for bad proof input; a malformed expectation (caller bug) throws ZkError
 * BAD_INPUT. Stays async so that callers do not change if verification moves off the thread.
 */
export async function verifyPrivateProof(
  proof: Uint8Array | PrivateProof,
  expect: VerifyExpectation,
  vk: VerificationKeyJson,
): Promise<ZkVerdict> {
  let p: PrivateProof;
  let points: Groth16Proof;
  try {
    p = proof instanceof Uint8Array ? decodePrivateProof(proof) : proof;
    points = decodeGroth16Proof(p.proof);
  } catch (e) {
    if (e instanceof ZkError && ['OVERSIZED', 'MALFORMED', 'NON_CANONICAL', 'BAD_POINT'].includes(e.code))
      return reject(e.code as ZkRejectCode, e.message);
    return reject('MALFORMED', (e as Error)?.message ?? String(e));
  }
  const ctx = contextBytes(expect.context);
  if (!(p.context instanceof Uint8Array) || p.context.length !== 32 || p.context.some((b, i) => b !== ctx[i]))
    return reject(
      'WRONG_CONTEXT',
      `the proof is bound to another commitment (network, lab, epoch, seq), not ${expect.context.lab} epoch ${expect.context.epoch} seq ${expect.context.seq}`,
    );
  let key: PreparedVerificationKey;
  try {
    key = preparedKey(vk);
  } catch (e) {
    return reject('BAD_VERIFICATION_KEY', (e as Error).message);
  }
  const signals = publicSignals({
    context: bytesToBigint(ctx),
    commitments: p.commitments,
    prevCumulative: expect.previous.cumulative,
    prevLargestRun: expect.previous.largestRun,
    bounds: publicBounds(expect.bounds, expect.disclosed),
  });
  let ok: boolean;
  try {
    ok = groth16Verify(key, signals, points);
  } catch (e) {
    // Signals rebuilt from decoded commitments (canonical) and bounds (< 2^252) are always < r;
    // this only reports a caller's malformed expectation.
    if (e instanceof ZkError)
      return reject(e.code === 'NON_CANONICAL' ? 'NON_CANONICAL' : 'MALFORMED', e.message);
    throw e;
  }
  return ok
    ? { ok: true }
    : reject(
        'BAD_PROOF',
        'the Groth16 proof does not verify for these public inputs (commitments, previous commitments, caps, limits)',
      );
}
