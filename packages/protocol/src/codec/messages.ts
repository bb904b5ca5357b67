import { ProtocolError } from '../errors.js';
import type {
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
  LevelLimits,
  LevelPolicy,
  Limits,
  Member,
  Metrics,
  PauseState,
  PauseViolation,
  Pledge,
  Policy,
  Receipt,
  ReleaseCertificate,
  ReleasePayload,
  ReleaseVote,
  RunRecord,
  SignedCommitment,
  SignedEvidence,
  SignedReceipt,
  SignedReleaseVote,
  SignedVote,
  Step,
  Vote,
} from '../types.js';
import { ID_PATTERN, LIMITS, PROTOCOL_VERSION } from './limits.js';
import {
  big,
  bool,
  bytes,
  type Field,
  list,
  literal,
  oneOf,
  optional,
  struct,
  text,
  uint,
  variants,
} from './schema.js';

/** Field descriptions of every wire type (docs/protocol.md "Messages" mirrors these). */

/** The levels in ascending order: a level's index is its rank and its statement byte. */
export const PAUSE_STATES: readonly PauseState[] = ['RUNNING', 'REDUCED', 'PAUSED'];
export const ELEVATED_LEVELS: readonly ElevatedLevel[] = ['REDUCED', 'PAUSED'];
export const STEPS: readonly Step[] = ['up', 'down'];
export const EVIDENCE_KINDS: readonly EvidenceKind[] = [
  'cap-exceeded',
  'equivocation',
  'missed',
  'report',
  'pause-violation',
];
export const CAP_NAMES: readonly CapName[] = ['trainingFlop', 'largestRunFlop', 'maxParams', 'datasetTokens'];

const id = text({ maxBytes: 32, minBytes: 1, pattern: ID_PATTERN });
const name = text({ maxBytes: LIMITS.nameBytes });
const hash32 = bytes({ len: 32 });
const ed25519Key = bytes({ len: 32 });
const ed25519Sig = bytes({ len: 64 });
const blsKey = bytes({ len: 48 });
const blsSig = bytes({ len: 96 });
const quantity = big({ maxBytes: LIMITS.bigintBytes });
const time = uint();

/** `dependsOn`: the text "all" or a list of member ids (1..64). */
const dependsOnField: Field<Pledge['dependsOn']> = (() => {
  const ids = list(id, { max: LIMITS.members, min: 1 });
  const pick = (v: unknown) => (v === 'all' ? null : ids);
  const all = (v: unknown): 'all' => v as 'all';
  return {
    read: (v, p) => pick(v)?.read(v, p) ?? all(v),
    write: (x, p) => pick(x)?.write(x as string[], p) ?? all(x),
    readJson: (v, p) => pick(v)?.readJson(v, p) ?? all(v),
    writeJson: (x, p) => pick(x)?.writeJson(x as string[], p) ?? all(x),
  };
})();

export const pledgeField: Field<Pledge> = struct<Pledge>({ dependsOn: dependsOnField });

export const memberField: Field<Member> = struct<Member>({
  id,
  name,
  index: uint({ min: 1, max: LIMITS.members }),
  publicKey: ed25519Key,
  peerIds: list(text({ maxBytes: LIMITS.peerIdBytes, minBytes: 1, pattern: /^[1-9A-Za-z]+$/ }), {
    max: LIMITS.peerIdsPerMember,
  }),
  addrs: list(text({ maxBytes: LIMITS.addrBytes, minBytes: 1, pattern: /^\/\S+$/ }), {
    max: LIMITS.addrsPerMember,
  }),
  pledge: optional(pledgeField),
});

export const auditorField: Field<Auditor> = struct<Auditor>({ id, name, publicKey: ed25519Key });

export const capsField: Field<Caps> = struct<Caps>({
  trainingFlop: quantity,
  largestRunFlop: quantity,
  maxParams: quantity,
  datasetTokens: quantity,
});

const kinds = list(oneOf(EVIDENCE_KINDS), { max: EVIDENCE_KINDS.length });
const elevated = oneOf(ELEVATED_LEVELS);
const bps = uint({ max: LIMITS.bps });

export const levelPolicyField: Field<LevelPolicy> = struct<LevelPolicy>({
  kinds: optional(
    struct<NonNullable<LevelPolicy['kinds']>>({
      'cap-exceeded': optional(elevated),
      equivocation: optional(elevated),
      missed: optional(elevated),
      report: optional(elevated),
      'pause-violation': optional(elevated),
    }),
  ),
  caps: optional(
    struct<NonNullable<LevelPolicy['caps']>>({
      trainingFlop: optional(elevated),
      largestRunFlop: optional(elevated),
      maxParams: optional(elevated),
      datasetTokens: optional(elevated),
    }),
  ),
});

export const limitsField: Field<Limits> = struct<Limits>({
  trainingFlop: optional(quantity),
  largestRunGrowthBps: optional(uint({ max: LIMITS.growthBps })),
  acceleratorHoursBps: optional(bps),
});

export const levelLimitsField: Field<LevelLimits> = struct<LevelLimits>({
  REDUCED: optional(limitsField),
  PAUSED: optional(limitsField),
});

export const policyField: Field<Policy> = struct<Policy>({
  genesisTime: time,
  epochMs: uint({ min: 1 }),
  deadlineMs: uint(),
  graceMs: uint(),
  caps: capsField,
  autoVote: kinds,
  approvalRequired: kinds,
  resumeNeedsApproval: bool(),
  auditors: list(auditorField, { max: LIMITS.auditors }),
  judgedQuotaPerEpoch: uint({ min: 1, max: 1_000_000 }),
  judgedMaxAgeEpochs: uint({ min: 1, max: 1_000_000 }),
  levels: optional(levelPolicyField),
  limits: optional(levelLimitsField),
  baselineEpochs: optional(uint({ min: 1, max: LIMITS.baselineEpochs })),
  receiptDeadlineMs: optional(uint({ min: 1 })),
  onBrokenCondition: optional(oneOf(['hold', 'release'] as const)),
});

export const dkgResultField: Field<DkgResult> = struct<DkgResult>({
  groupPublicKey: blsKey,
  publicShares: list(blsKey, { max: LIMITS.members, min: 1 }),
  transcriptHash: hash32,
});

/** `version` must be this protocol's; an older genesis gets an error that names the fix. */
const versionField: Field<Genesis['version']> = (() => {
  const check = (v: unknown, path: string): Genesis['version'] => {
    if (v === PROTOCOL_VERSION) return PROTOCOL_VERSION;
    throw new ProtocolError(
      'OUT_OF_RANGE',
      `genesis version ${String(v)} is not supported: this pausenet speaks protocol version ${PROTOCOL_VERSION} (docs/protocol.md "Versions"); recreate the genesis with this version (\`pausenet genesis create\`, then the DKG)`,
      path,
    );
  };
  return { read: check, write: check, readJson: check, writeJson: check };
})();

export const genesisField: Field<Genesis> = struct<Genesis>({
  version: versionField,
  name,
  members: list(memberField, { max: LIMITS.members, min: 1 }),
  threshold: uint({ min: 1, max: LIMITS.members }),
  policy: policyField,
  dkg: optional(dkgResultField),
});

export const metricsField: Field<Metrics> = struct<Metrics>({
  trainingFlop: quantity,
  largestRunFlop: quantity,
  maxParams: quantity,
  datasetTokens: quantity,
  acceleratorHours: quantity,
  utilizationBps: uint({ max: LIMITS.utilizationBps }),
});

export const attestationField: Field<Attestation> = struct<Attestation>({
  attester: name,
  publicKey: ed25519Key,
  signature: ed25519Sig,
});

export const commitmentField: Field<Commitment> = struct<Commitment>({
  networkId: hash32,
  lab: id,
  epoch: uint(),
  seq: uint(),
  prev: hash32,
  issuedAt: time,
  height: uint(),
  level: oneOf(PAUSE_STATES),
  metrics: metricsField,
  runsRoot: hash32,
  attestations: list(attestationField, { max: LIMITS.attestations }),
});

export const signedCommitmentField: Field<SignedCommitment> = struct<SignedCommitment>({
  commitment: commitmentField,
  signature: ed25519Sig,
});

export const hookOutcomeField: Field<HookOutcome> = struct<HookOutcome>({
  name: text({ maxBytes: LIMITS.hookNameBytes, minBytes: 1 }),
  outcome: oneOf(['ok', 'failed'] as const),
  attempts: uint({ max: LIMITS.hookAttempts }),
});

export const receiptField: Field<Receipt> = struct<Receipt>({
  networkId: hash32,
  lab: id,
  height: uint({ min: 1 }),
  target: oneOf(PAUSE_STATES),
  certificateHash: hash32,
  hooksDoneAt: time,
  hooks: list(hookOutcomeField, { max: LIMITS.receiptHooks }),
  schedulerDigest: hash32,
  issuedAt: time,
});

export const signedReceiptField: Field<SignedReceipt> = struct<SignedReceipt>({
  receipt: receiptField,
  signature: ed25519Sig,
});

export const voteField: Field<Vote> = struct<Vote>({
  networkId: hash32,
  height: uint({ min: 1 }),
  target: oneOf(PAUSE_STATES),
  step: oneOf(STEPS),
  voter: id,
  partial: blsSig,
  evidence: list(hash32, { max: LIMITS.voteEvidenceRefs }),
  breaches: list(hash32, { max: LIMITS.voteBreaches }),
  resolves: list(hash32, { max: LIMITS.resolves }),
  issuedAt: time,
  // Omitted for revision 1, so revision 1 has one encoding (docs/protocol.md "Amendments").
  revision: optional(uint({ min: 2, max: LIMITS.revision })),
});

export const signedVoteField: Field<SignedVote> = struct<SignedVote>({
  vote: voteField,
  signature: ed25519Sig,
});

export const certificateField: Field<Certificate> = struct<Certificate>({
  networkId: hash32,
  height: uint({ min: 1 }),
  target: oneOf(PAUSE_STATES),
  step: oneOf(STEPS),
  signers: list(id, { max: LIMITS.members, min: 1 }),
  resolves: list(hash32, { max: LIMITS.resolves }),
  signature: blsSig,
  revision: optional(uint({ min: 2, max: LIMITS.revision })),
});

export const acknowledgmentField: Field<Acknowledgment> = variants<Acknowledgment>({
  receipt: struct({ kind: literal('receipt'), receipt: signedReceiptField }),
  commitment: struct({ kind: literal('commitment'), commitment: signedCommitmentField }),
});

export const pauseViolationField: Field<PauseViolation> = struct<PauseViolation>({
  kind: literal('pause-violation'),
  certificate: certificateField,
  acknowledgment: acknowledgmentField,
  commitment: signedCommitmentField,
  baseline: list(signedCommitmentField, { max: LIMITS.baselineEpochs + 1 }),
});

export const evidenceField: Field<Evidence> = variants<Evidence>({
  'cap-exceeded': struct({
    kind: literal('cap-exceeded'),
    commitment: signedCommitmentField,
    cap: oneOf(CAP_NAMES),
  }),
  equivocation: struct({ kind: literal('equivocation'), a: signedCommitmentField, b: signedCommitmentField }),
  missed: struct({ kind: literal('missed'), lab: id, epoch: uint() }),
  report: struct({
    kind: literal('report'),
    subject: id,
    epoch: uint(),
    digest: hash32,
    summary: text({ maxBytes: LIMITS.summaryBytes }),
  }),
  'pause-violation': pauseViolationField,
});

export const evidenceBodyField: Field<EvidenceBody> = struct<EvidenceBody>({
  networkId: hash32,
  evidence: evidenceField,
  reporter: id,
  issuedAt: time,
});

export const signedEvidenceField: Field<SignedEvidence> = struct<SignedEvidence>({
  networkId: hash32,
  evidence: evidenceField,
  reporter: id,
  issuedAt: time,
  signature: ed25519Sig,
});

/** The identity of a breach (hashed into its id; docs/protocol.md "Breach identity"). */
export const breachKeyField: Field<BreachKey> = variants<BreachKey>({
  'cap-exceeded': struct({ kind: literal('cap-exceeded'), lab: id, epoch: uint(), cap: oneOf(CAP_NAMES) }),
  equivocation: struct({ kind: literal('equivocation'), lab: id, epoch: uint() }),
  missed: struct({ kind: literal('missed'), lab: id, epoch: uint() }),
  report: struct({ kind: literal('report'), subject: id, epoch: uint(), digest: hash32 }),
  'pause-violation': struct({ kind: literal('pause-violation'), lab: id, epoch: uint(), height: uint() }),
});

/** The part of a release certificate the statement hashes (releaseStatementBytes). */
export const releasePayloadField: Field<ReleasePayload> = struct<ReleasePayload>({
  released: list(id, { max: LIMITS.members, min: 1 }),
  breaches: list(hash32, { max: LIMITS.releaseBreaches, min: 1 }),
});

export const releaseVoteField: Field<ReleaseVote> = struct<ReleaseVote>({
  networkId: hash32,
  sequence: uint({ min: 1 }),
  released: list(id, { max: LIMITS.members, min: 1 }),
  breaches: list(hash32, { max: LIMITS.releaseBreaches, min: 1 }),
  voter: id,
  partial: blsSig,
  issuedAt: time,
});

export const signedReleaseVoteField: Field<SignedReleaseVote> = struct<SignedReleaseVote>({
  vote: releaseVoteField,
  signature: ed25519Sig,
});

export const releaseCertificateField: Field<ReleaseCertificate> = struct<ReleaseCertificate>({
  networkId: hash32,
  sequence: uint({ min: 1 }),
  released: list(id, { max: LIMITS.members, min: 1 }),
  breaches: list(hash32, { max: LIMITS.releaseBreaches, min: 1 }),
  signers: list(id, { max: LIMITS.members, min: 1 }),
  signature: blsSig,
});

export const runRecordField: Field<RunRecord> = struct<RunRecord>({
  id: text({ maxBytes: LIMITS.nameBytes, minBytes: 1 }),
  salt: bytes({ len: 32 }),
  flop: quantity,
  params: quantity,
  datasetTokens: quantity,
  acceleratorHours: quantity,
});
