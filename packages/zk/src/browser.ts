/**
 * @packageDocumentation The browser-safe part of @pausenet/zk (no Node built-ins): decode and
 * verify private commitments (groth16.ts on @noble/curves; snarkjs is not in this entry's import
 * graph), recompute contexts and commitments, decode verification keys. The observer dashboard
 * bundles this entry (`@pausenet/zk/browser`).
 */

export type { BoundSet, Bounds } from './bounds.js';
export { boundsOf, publicBounds, UNLIMITED } from './bounds.js';
export type { PrivateProof } from './codec.js';
export { decodePrivateProof, MAX_PRIVATE_PROOF_BYTES } from './codec.js';
export type { Commitments, Opening, Openings } from './commit.js';
export { GENESIS_LINK, linkCommitments, mismatchedOpenings, poseidonCommit } from './commit.js';
export type { ProofContext } from './context.js';
export { contextBytes } from './context.js';
export { ZkError } from './errors.js';
export { MAX_VALUE, RANGE_BITS } from './field.js';
export type { PreparedVerificationKey } from './groth16.js';
export { groth16Verify, prepareVerificationKey } from './groth16.js';
export { proofToBytes } from './points.js';
export type { SlotName } from './slots.js';
export { METRIC_NAMES, SLOT_NAMES } from './slots.js';
export type { VerifyExpectation, ZkRejectCode, ZkVerdict } from './verify.js';
export { verifyPrivateProof } from './verify.js';
export type { VerificationKeyJson } from './vkey.js';
export { decodeVerificationKey } from './vkey.js';
