import * as snarkjs from 'snarkjs';
import { expect } from 'vitest';
import { bytesToBigint } from '../../src/field.js';
import {
  contextBytes,
  decodePrivateProof,
  type PrivateProof,
  proofFromBytes,
  publicBounds,
  publicSignals,
  type VerificationKeyJson,
  type VerifyExpectation,
  verifyPrivateProof,
  type ZkVerdict,
} from '../../src/index.js';

/** What snarkjs alone says of a private commitment's proof under the verifier's expectation. */
export async function snarkjsVerdict(
  proof: Uint8Array | PrivateProof,
  e: VerifyExpectation,
  vk: VerificationKeyJson,
): Promise<boolean> {
  const p = proof instanceof Uint8Array ? decodePrivateProof(proof) : proof;
  const signals = publicSignals({
    context: bytesToBigint(contextBytes(e.context)),
    commitments: p.commitments,
    prevCumulative: e.previous.cumulative,
    prevLargestRun: e.previous.largestRun,
    bounds: publicBounds(e.bounds, e.disclosed),
  }).map(String);
  return snarkjs.groth16.verify(vk, signals, proofFromBytes(p.proof));
}

/**
 * verifyPrivateProof, checked against snarkjs: whenever the proof decodes and is bound to the
 * expected context (so that snarkjs can be asked at all), both verifiers must agree.
 */
export async function verifyBoth(
  proof: Uint8Array | PrivateProof,
  e: VerifyExpectation,
  vk: VerificationKeyJson,
): Promise<ZkVerdict> {
  const ours = await verifyPrivateProof(proof, e, vk);
  if (ours.ok || ours.code === 'BAD_PROOF')
    expect({ snarkjs: await snarkjsVerdict(proof, e, vk) }).toEqual({ snarkjs: ours.ok });
  return ours;
}
