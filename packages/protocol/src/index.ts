/** @packageDocumentation Pure wire protocol of pausenet: types, canonical CBOR, signing bytes, validation, Merkle, genesis YAML, JSON views, pause state machine. */

import { sha256Native } from '@pausenet/crypto';
import { useSha256 } from './bytes.js';

// This entry runs on Node (it needs @pausenet/crypto): hash on OpenSSL, several times faster than the
// portable @noble/hashes default on a message (scripts/bench/hash.mjs). The browser entry keeps noble.
useSha256(sha256Native);

export {
  BREACH_TAG,
  breachIdOf,
  breachIdOfKey,
  breachIdsFromHex,
  breachKeyOf,
  breachSubject,
  encodeBreachKey,
} from './breach.js';
export type { Sha256 } from './bytes.js';
export {
  bytesEqual,
  compareBytes,
  concatBytes,
  fromHex,
  fromHexOrNull,
  sha256,
  toHex,
  useSha256,
  ZERO_HASH,
} from './bytes.js';
export {
  checkGenesis,
  decodeCertificate,
  decodeCommitment,
  decodeGenesis,
  decodeRunRecord,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedVote,
  encodeCertificate,
  encodeCommitment,
  encodeEvidenceBody,
  encodeGenesis,
  encodeRunRecord,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedVote,
  encodeVote,
} from './codec/codec.js';
export {
  DEFAULT_JUDGED_MAX_AGE_EPOCHS,
  DEFAULT_JUDGED_QUOTA_PER_EPOCH,
  ID_PATTERN,
  LIMITS,
  MAX_BYTES,
  PROTOCOL_VERSION,
} from './codec/limits.js';
export { CAP_NAMES, EVIDENCE_KINDS, PAUSE_STATES } from './codec/messages.js';
export {
  commitmentDeadline,
  epochAt,
  epochStart,
  judgedStaleAfter,
  missedAfter,
  stateAtHeight,
} from './epoch.js';
export type { GenesisConfigIssue, ProtocolErrorCode } from './errors.js';
export { GenesisConfigError, ProtocolError } from './errors.js';
export { checkCaps, detectEquivocation, exceededCaps } from './evidence.js';
export { genesisToYaml, parseGenesisYaml, parseQuantity } from './genesis-yaml.js';
export type { CertificateJson, CommitmentJson, MetricsJson } from './json.js';
export {
  certificateFromJson,
  certificateToJson,
  commitmentFromJson,
  commitmentToJson,
  evidenceFromJson,
  evidenceToJson,
  genesisFromJson,
  genesisToJson,
  metricsFromJson,
  metricsToJson,
  runRecordFromJson,
  runRecordToJson,
  toJsonValue,
  voteFromJson,
  voteToJson,
} from './json.js';
export type { RunsTree } from './merkle.js';
export { buildRunsTree, proveRun, runLeafHash, verifyRunProof } from './merkle.js';
export { IdMap } from './pause/idmap.js';
export type { CreatePauseOptions, PauseStatus } from './pause/machine.js';
export { createPauseState, pauseStatus, pauseStep } from './pause/machine.js';
export type {
  OpenBreach,
  PauseConfig,
  PauseEffect,
  PauseEvent,
  PauseMachineState,
  PauseStepResult,
  PendingApproval,
} from './pause/types.js';
export type { PolicyInput } from './policy.js';
export { DEFAULT_APPROVAL_REQUIRED, DEFAULT_AUTO_VOTE, makePolicy } from './policy.js';
export { attestCommitment, signCommitment, signEvidence, signVote } from './sign.js';
export type { SigningKind } from './signing.js';
export {
  attestationSigningBytes,
  ceremonyIdOf,
  certificateHash,
  commitmentBodyHash,
  DOMAIN_TAGS,
  evidenceHash,
  hashOfCanonical,
  hashSignedCommitment,
  networkIdOf,
  resolvesDigest,
  resolvesProblem,
  STATEMENT_TAG,
  signingBytes,
  statementBytes,
  statementOf,
  voteHash,
} from './signing.js';
export type {
  Attestation,
  Auditor,
  BreachKey,
  CapName,
  Caps,
  Certificate,
  Commitment,
  DkgResult,
  Evidence,
  EvidenceBody,
  EvidenceKind,
  Genesis,
  LabId,
  Member,
  Metrics,
  PauseState,
  Policy,
  ProtocolVersion,
  RunProof,
  RunRecord,
  SignedCommitment,
  SignedEvidence,
  SignedVote,
  Statement,
  Validation,
  Vote,
} from './types.js';
export type { CertificateContext } from './validation/certificate.js';
export { validateCertificate } from './validation/certificate.js';
export type { CommitmentContext } from './validation/commitment.js';
export { validateCommitment, validateCommitmentIntrinsic } from './validation/commitment.js';
export type { EvidenceContext } from './validation/evidence.js';
export { validateEvidence } from './validation/evidence.js';
export type { BaseContext, BlsVerifyFn } from './validation/result.js';
export { DEFAULT_CLOCK_SKEW_MS } from './validation/result.js';
export type { VoteContext } from './validation/vote.js';
export { validateVote } from './validation/vote.js';
