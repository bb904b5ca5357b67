import { decodeCbor, encodeCbor, expectBytes, expectMap } from './cbor.js';
import type { Commitments } from './commit.js';
import { ZkError } from './errors.js';
import { bytesToField, fieldToBytes } from './field.js';
import { PROOF_BYTES, proofFromBytes } from './points.js';

/**
 * A private commitment's public part as carried on the wire: the commitments, the context the proof
 * is bound to, and the Groth16 proof. Canonical CBOR map (docs/zk.md "Encoding"):
 * `{commitments: [bytes(32) x 5], context: bytes(32), cumulative: bytes(32), proof: bytes(256)}`.
 */
export interface PrivateProof {
  /** contextBytes(...) of the commitment the proof belongs to. */
  context: Uint8Array;
  commitments: Commitments;
  /** 256-byte Groth16 proof A ‖ B ‖ C (EIP-197 layout, see points.ts). */
  proof: Uint8Array;
}

/** Upper bound on an encoded PrivateProof (the encoding is 536 bytes; anything longer is refused unparsed). */
export const MAX_PRIVATE_PROOF_BYTES = 1024;

const KEYS = ['commitments', 'context', 'cumulative', 'proof'] as const;

export function encodePrivateProof(p: PrivateProof): Uint8Array {
  if (!(p?.context instanceof Uint8Array) || p.context.length !== 32)
    throw new ZkError('BAD_INPUT', 'context must be 32 bytes', 'context');
  bytesToField(p.context, 'context');
  if (!(p.proof instanceof Uint8Array) || p.proof.length !== PROOF_BYTES)
    throw new ZkError('BAD_INPUT', `proof must be ${PROOF_BYTES} bytes`, 'proof');
  if (!Array.isArray(p.commitments?.metrics) || p.commitments.metrics.length !== 5)
    throw new ZkError('BAD_INPUT', 'expected 5 metric commitments', 'commitments');
  return encodeCbor({
    commitments: p.commitments.metrics.map((c) => fieldToBytes(c)),
    context: p.context,
    cumulative: fieldToBytes(p.commitments.cumulative),
    proof: p.proof,
  });
}

/**
 * Decode untrusted bytes: OVERSIZED (before parsing), MALFORMED, NON_CANONICAL (also for a field
 * element >= p), BAD_POINT (a proof point off the curve, outside the subgroup, or the identity).
 */
export function decodePrivateProof(bytes: Uint8Array): PrivateProof {
  const m = expectMap(decodeCbor(bytes, 'private proof', MAX_PRIVATE_PROOF_BYTES), KEYS, 'privateProof');
  const list = m['commitments'];
  if (!Array.isArray(list) || list.length !== 5)
    throw new ZkError('MALFORMED', 'expected exactly 5 metric commitments', 'privateProof.commitments');
  const metrics = list.map((c, i) =>
    bytesToField(expectBytes(c, 32, `privateProof.commitments[${i}]`), `privateProof.commitments[${i}]`),
  );
  const cumulative = bytesToField(
    expectBytes(m['cumulative'], 32, 'privateProof.cumulative'),
    'privateProof.cumulative',
  );
  const context = expectBytes(m['context'], 32, 'privateProof.context');
  bytesToField(context, 'privateProof.context');
  const proof = expectBytes(m['proof'], PROOF_BYTES, 'privateProof.proof');
  proofFromBytes(proof);
  return { context, commitments: { metrics, cumulative }, proof };
}
