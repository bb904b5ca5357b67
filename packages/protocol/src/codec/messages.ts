import { ProtocolError } from '../errors.js';
import type {
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
  Member,
  Metrics,
  PauseState,
  Policy,
  RunRecord,
  SignedCommitment,
  SignedEvidence,
  SignedVote,
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

export const PAUSE_STATES: readonly PauseState[] = ['RUNNING', 'PAUSED'];
export const EVIDENCE_KINDS: readonly EvidenceKind[] = ['cap-exceeded', 'equivocation', 'missed', 'report'];
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
});

export const auditorField: Field<Auditor> = struct<Auditor>({ id, name, publicKey: ed25519Key });

export const capsField: Field<Caps> = struct<Caps>({
  trainingFlop: quantity,
  largestRunFlop: quantity,
  maxParams: quantity,
  datasetTokens: quantity,
});

const kinds = list(oneOf(EVIDENCE_KINDS), { max: EVIDENCE_KINDS.length });

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
  metrics: metricsField,
  runsRoot: hash32,
  attestations: list(attestationField, { max: LIMITS.attestations }),
});

export const signedCommitmentField: Field<SignedCommitment> = struct<SignedCommitment>({
  commitment: commitmentField,
  signature: ed25519Sig,
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

export const voteField: Field<Vote> = struct<Vote>({
  networkId: hash32,
  height: uint({ min: 1 }),
  target: oneOf(PAUSE_STATES),
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
  signers: list(id, { max: LIMITS.members, min: 1 }),
  resolves: list(hash32, { max: LIMITS.resolves }),
  signature: blsSig,
  revision: optional(uint({ min: 2, max: LIMITS.revision })),
});

/** The identity of a breach (hashed into its id; docs/protocol.md "Breach identity"). */
export const breachKeyField: Field<BreachKey> = variants<BreachKey>({
  'cap-exceeded': struct({ kind: literal('cap-exceeded'), lab: id, epoch: uint(), cap: oneOf(CAP_NAMES) }),
  equivocation: struct({ kind: literal('equivocation'), lab: id, epoch: uint() }),
  missed: struct({ kind: literal('missed'), lab: id, epoch: uint() }),
  report: struct({ kind: literal('report'), subject: id, epoch: uint(), digest: hash32 }),
});

export const runRecordField: Field<RunRecord> = struct<RunRecord>({
  id: text({ maxBytes: LIMITS.nameBytes, minBytes: 1 }),
  salt: bytes({ len: 32 }),
  flop: quantity,
  params: quantity,
  datasetTokens: quantity,
  acceleratorHours: quantity,
});
