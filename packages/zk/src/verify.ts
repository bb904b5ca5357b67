import * as snarkjs from 'snarkjs';
import { type BoundSet, publicBounds } from './bounds.js';
import { decodePrivateProof, type PrivateProof } from './codec.js';
import { contextBytes, type ProofContext } from './context.js';
import { ZkError } from './errors.js';
import { bytesToBigint } from './field.js';
import { proofFromBytes } from './points.js';
import type { SlotName } from './slots.js';
import { publicSignals } from './statement.js';
import { checkVerificationKey, type VerificationKeyJson } from './vkey.js';

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
 * the Groth16 pairing check over the public signals rebuilt from the expectation. Never throws for
 * bad proof input; a malformed expectation (caller bug) throws ZkError BAD_INPUT.
 */
export async function verifyPrivateProof(
  proof: Uint8Array | PrivateProof,
  expect: VerifyExpectation,
  vk: VerificationKeyJson,
): Promise<ZkVerdict> {
  let p: PrivateProof;
  let proofJson: ReturnType<typeof proofFromBytes>;
  try {
    p = proof instanceof Uint8Array ? decodePrivateProof(proof) : proof;
    proofJson = proofFromBytes(p.proof);
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
  try {
    checkVerificationKey(vk);
  } catch (e) {
    return reject('BAD_VERIFICATION_KEY', (e as Error).message);
  }
  const signals = publicSignals({
    context: bytesToBigint(ctx),
    commitments: p.commitments,
    prevCumulative: expect.previous.cumulative,
    prevLargestRun: expect.previous.largestRun,
    bounds: publicBounds(expect.bounds, expect.disclosed),
  }).map((x) => x.toString());
  const ok = await snarkjs.groth16.verify(vk, signals, proofJson);
  return ok
    ? { ok: true }
    : reject(
        'BAD_PROOF',
        'the Groth16 proof does not verify for these public inputs (commitments, previous commitments, caps, limits)',
      );
}
