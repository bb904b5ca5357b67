/**
 * @packageDocumentation Private disclosure for pausenet: Poseidon commitments to a lab's metrics,
 * verification of the Groth16 proof that they are within the policy's caps and level limits and
 * chain from the lab's previous commitment, openings sealed to auditors, and the setup ceremony's
 * wire format. This entry never loads snarkjs: proving and running the ceremony live in
 * `@pausenet/zk/prover` (docs/zk.md "Licences").
 */

export type { BoundSet, Bounds } from './bounds.js';
export { boundsOf, publicBounds, UNLIMITED } from './bounds.js';
export {
  decodeSetupContribution,
  encodeSetupContribution,
  MAX_SETUP_MESSAGE_BYTES,
  setupSigningBytes,
} from './ceremony/codec.js';
export type {
  SetupContribution,
  SetupEvent,
  SetupExclusion,
  SetupExclusionReason,
  SetupFailure,
  SetupMember,
  SetupOutput,
} from './ceremony/types.js';
export type { PrivateProof } from './codec.js';
export { decodePrivateProof, encodePrivateProof, MAX_PRIVATE_PROOF_BYTES } from './codec.js';
export type { ChainLink, Commitments, Opening, Openings } from './commit.js';
export {
  chainLinkOf,
  commitMetrics,
  commitmentsOf,
  deriveBlinding,
  GENESIS_LINK,
  linkCommitments,
  metricsOf,
  mismatchedOpenings,
  poseidonCommit,
} from './commit.js';
export type { ProofContext } from './context.js';
export { contextBytes, contextField } from './context.js';
export type { ZkErrorCode } from './errors.js';
export { ZkError } from './errors.js';
export { FIELD_MODULUS, MAX_VALUE, RANGE_BITS } from './field.js';
export type { Groth16Proof, PreparedVerificationKey } from './groth16.js';
export { decodeGroth16Proof, groth16Verify, prepareVerificationKey } from './groth16.js';
export type { Groth16ProofJson } from './points.js';
export { PROOF_BYTES, proofFromBytes, proofToBytes } from './points.js';
export type { AuditorSecret, SealedOpenings, SealInput, SealRecipient } from './seal.js';
export { decodeSealedOpenings, MAX_AUDITORS, MAX_SEALED_BYTES, openSealed, sealOpenings } from './seal.js';
export type { MetricName, SlotName, ZkMetrics } from './slots.js';
export { METRIC_NAMES, SLOT_NAMES } from './slots.js';
export type { Statement } from './statement.js';
export { PUBLIC_INPUTS, publicSignals } from './statement.js';
export type { VerifyExpectation, ZkRejectCode, ZkVerdict } from './verify.js';
export { verifyPrivateProof } from './verify.js';
export type { VerificationKeyJson } from './vkey.js';
export {
  checkVerificationKey,
  decodeVerificationKey,
  encodeVerificationKey,
  VERIFICATION_KEY_BYTES,
  verificationKeyHash,
} from './vkey.js';
