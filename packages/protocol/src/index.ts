/** @packageDocumentation Pure wire protocol of pausenet: types, canonical CBOR, signing bytes, validation, Merkle, genesis YAML, JSON views, pause state machine, amendments. */

import { sha256Native } from '@pausenet/crypto';
import { useSha256 } from './bytes.js';

// This entry runs on Node (it needs @pausenet/crypto): hash on OpenSSL, several times faster than the
// portable @noble/hashes default on a message (scripts/bench/hash.mjs). The browser entry keeps noble.
useSha256(sha256Native);

export type { ReshareInputs } from './amend/build.js';
export {
  completeAmendment,
  draftAmendment,
  needsReshare,
  reshareInputs,
  reshareRole,
} from './amend/build.js';
export type { Revision } from './amend/chain.js';
export { RevisionChain } from './amend/chain.js';
export { AmendmentChainError, extendChain, verifyAmendmentChain } from './amend/chain-verify.js';
export {
  AMENDMENT_MAX_BYTES,
  decodeAmendment,
  decodeCertifiedAmendment,
  decodeSignedAmendmentProposal,
  decodeSignedAmendmentVote,
  encodeAmendment,
  encodeAmendmentProposalBody,
  encodeAmendmentVote,
  encodeCertifiedAmendment,
  encodeSignedAmendmentProposal,
  encodeSignedAmendmentVote,
} from './amend/codec.js';
export type { ChainContext } from './amend/in-chain.js';
export {
  partialsForRecovery,
  retiredRevisions,
  signingRevisions,
  validateCertificateInChain,
  validateCommitmentInChain,
  validateEvidenceInChain,
  validateVoteInChain,
} from './amend/in-chain.js';
export {
  amendmentFromJson,
  amendmentProposalFromJson,
  amendmentProposalToJson,
  amendmentToJson,
  amendmentVoteFromJson,
  amendmentVoteToJson,
  certifiedAmendmentFromJson,
  certifiedAmendmentToJson,
} from './amend/json.js';
export type {
  AmendConfig,
  AmendEffect,
  AmendEvent,
  AmendMachineState,
  AmendRefusal,
  AmendStepResult,
  CreateAmendOptions,
  PauseView,
} from './amend/machine.js';
export { amendStep, createAmendState, pauseViewOf, QUIET_PAUSE } from './amend/machine.js';
export { amendmentRules, committeeChanged } from './amend/rules.js';
export type { AmendmentSigningKind } from './amend/signing.js';
export {
  AMENDMENT_STATEMENT_TAG,
  AMENDMENT_TAGS,
  amendmentHash,
  amendmentSigningBytes,
  amendmentStatementBytes,
  amendmentVoteStatement,
  certifiedAmendmentStatement,
  proposalId,
  RESHARE_TAG,
  reshareSessionId,
  signAmendmentProposal,
  signAmendmentVote,
} from './amend/signing.js';
export type {
  Amendment,
  AmendmentProposalBody,
  AmendmentVote,
  CertifiedAmendment,
  ReshareResult,
  SignedAmendmentProposal,
  SignedAmendmentVote,
} from './amend/types.js';
export type { AmendmentContext, CertifiedAmendmentContext } from './amend/validation.js';
export {
  validateAmendmentProposal,
  validateAmendmentVote,
  validateCertifiedAmendment,
} from './amend/validation.js';

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
  decodeReleaseCertificate,
  decodeRunRecord,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedReceipt,
  decodeSignedReleaseVote,
  decodeSignedVote,
  encodeCertificate,
  encodeCommitment,
  encodeEvidenceBody,
  encodeGenesis,
  encodeReceipt,
  encodeReleaseCertificate,
  encodeReleasePayload,
  encodeReleaseVote,
  encodeRunRecord,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedReceipt,
  encodeSignedReleaseVote,
  encodeSignedVote,
  encodeVote,
} from './codec/codec.js';
export {
  DEFAULT_BASELINE_EPOCHS,
  DEFAULT_JUDGED_MAX_AGE_EPOCHS,
  DEFAULT_JUDGED_QUOTA_PER_EPOCH,
  DEFAULT_RECEIPT_DEADLINE_MS,
  ID_PATTERN,
  LIMITS,
  MAX_BYTES,
  PROTOCOL_VERSION,
} from './codec/limits.js';
export { CAP_NAMES, ELEVATED_LEVELS, EVIDENCE_KINDS, PAUSE_STATES, STEPS } from './codec/messages.js';
export type {
  BundleProblem,
  BundleVerdict,
  ComplianceBundle,
  ComplianceBundleJson,
} from './compliance/bundle.js';
export {
  BUNDLE_FORMAT,
  BUNDLE_LIMITS,
  complianceBundleFromJson,
  complianceBundleToJson,
  verifyComplianceBundle,
} from './compliance/bundle.js';
export type { LimitExcess } from './compliance/limits.js';
export { baselineProblem, baselineSegment, hasRelativeLimits, limitExcesses } from './compliance/limits.js';
export type { PledgeCondition, StandingBreach } from './compliance/pledge.js';
export { nonParticipating, pledgeConditions } from './compliance/pledge.js';
export type { Confirmation, ConfirmationInput, ConfirmationStatus } from './compliance/receipts.js';
export { receiptConfirmations } from './compliance/receipts.js';
export type {
  ComplianceEntry,
  ComplianceInput,
  ComplianceRecord,
  ReceiptRecord,
} from './compliance/record.js';
export { complianceRecord } from './compliance/record.js';
export type { PauseViolationInput } from './compliance/violation.js';
export { buildPauseViolation } from './compliance/violation.js';
export {
  commitmentDeadline,
  epochAt,
  epochStart,
  judgedStaleAfter,
  missedAfter,
} from './epoch.js';
export type { GenesisConfigIssue, ProtocolErrorCode } from './errors.js';
export { GenesisConfigError, ProtocolError } from './errors.js';
export { capsExceededBy, checkCaps, detectEquivocation, exceededCaps } from './evidence.js';
export { genesisToYaml, parseGenesisYaml, parseQuantity } from './genesis-yaml.js';
export type { CertificateJson, CommitmentJson, MetricsJson, ReceiptJson } from './json.js';
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
  receiptFromJson,
  receiptToJson,
  releaseCertificateFromJson,
  releaseCertificateToJson,
  releaseVoteFromJson,
  releaseVoteToJson,
  runRecordFromJson,
  runRecordToJson,
  toJsonValue,
  voteFromJson,
  voteToJson,
} from './json.js';
export type { HeightLevel } from './level.js';
export {
  baselineEpochsOf,
  breachLevel,
  compareHeightLevel,
  effectiveLimits,
  kindLevel,
  levelRank,
  maxLevel,
  receiptDeadlineOf,
  stepAllows,
} from './level.js';
export type { RunsTree } from './merkle.js';
export { buildRunsTree, proveRun, runLeafHash, verifyRunProof } from './merkle.js';
export { IdMap } from './pause/idmap.js';
export type { CreatePauseOptions, PauseStatus, SigningCheck } from './pause/machine.js';
export {
  certificateStaleRule,
  checkSigning,
  createPauseState,
  escalationHeight,
  pauseStatus,
  pauseStep,
  statementKey,
} from './pause/machine.js';
export type {
  ReleaseConfig,
  ReleaseEffect,
  ReleaseEvent,
  ReleaseMachineState,
  ReleaseStepResult,
} from './pause/release.js';
export {
  createReleaseState,
  payloadKey,
  releasedLabs,
  releaseProblem,
  releaseStep,
} from './pause/release.js';
export type {
  OpenBreach,
  PauseConfig,
  PauseEffect,
  PauseEvent,
  PauseMachineState,
  PauseStepResult,
  PendingApproval,
  SignedStatement,
} from './pause/types.js';
export type { PolicyInput } from './policy.js';
export { DEFAULT_APPROVAL_REQUIRED, DEFAULT_AUTO_VOTE, makePolicy } from './policy.js';
export {
  attestCommitment,
  signCommitment,
  signEvidence,
  signReceipt,
  signReleaseVote,
  signVote,
} from './sign.js';
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
  RELEASE_STATEMENT_TAG,
  receiptHash,
  releaseCertificateHash,
  releaseStatementBytes,
  resolvesDigest,
  resolvesProblem,
  STATEMENT_TAG,
  signingBytes,
  statementBytes,
  statementOf,
  voteHash,
} from './signing.js';
export type {
  Acknowledgment,
  Attestation,
  Auditor,
  BreachKey,
  CapName,
  Caps,
  Certificate,
  Commitment,
  DkgResult,
  ElevatedLevel,
  Evidence,
  EvidenceBody,
  EvidenceKind,
  Genesis,
  HookOutcome,
  LabId,
  Level,
  LevelLimits,
  LevelPolicy,
  Limits,
  Member,
  Metrics,
  PauseState,
  PauseViolation,
  Pledge,
  Policy,
  ProtocolVersion,
  Receipt,
  ReleaseCertificate,
  ReleasePayload,
  ReleaseVote,
  RunProof,
  RunRecord,
  SignedCommitment,
  SignedEvidence,
  SignedReceipt,
  SignedReleaseVote,
  SignedVote,
  Statement,
  Step,
  Validation,
  Vote,
} from './types.js';
export type { CertificateContext } from './validation/certificate.js';
export { validateCertificate } from './validation/certificate.js';
export type { ChainLink, ChainProblem, ChainProblemCode } from './validation/chain.js';
export { chainEnd, chainProblem, orderChain } from './validation/chain.js';
export type { CommitmentContext } from './validation/commitment.js';
export { validateCommitment, validateCommitmentIntrinsic } from './validation/commitment.js';
export type { EvidenceContext } from './validation/evidence.js';
export { validateEvidence } from './validation/evidence.js';
export type { ReceiptContext } from './validation/receipt.js';
export { validateReceipt, validateReceiptIntrinsic } from './validation/receipt.js';
export type { ReleaseCertificateContext, ReleaseVoteContext } from './validation/release.js';
export {
  releasePayloadProblem,
  validateReleaseCertificate,
  validateReleaseVote,
} from './validation/release.js';
export type { BaseContext, BlsVerifyFn } from './validation/result.js';
export { DEFAULT_CLOCK_SKEW_MS } from './validation/result.js';
export type { VoteContext } from './validation/vote.js';
export { validateVote } from './validation/vote.js';
