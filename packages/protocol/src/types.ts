/**
 * Wire types of the pausenet protocol (docs/protocol.md is normative).
 * All byte strings are Uint8Array; all quantities that can exceed 2^53 are bigint.
 * Times are integer unix milliseconds supplied by the caller (`now`): this package never reads a clock.
 */

/** Short stable member identifier from genesis, e.g. "lab-a". [a-z0-9-]{1,32} */
export type LabId = string;

/**
 * Level of the network (docs/protocol.md "Levels"): RUNNING < REDUCED < PAUSED. Height 0 is RUNNING.
 * A certificate's `target` is the level it moves the network to.
 */
export type Level = 'RUNNING' | 'REDUCED' | 'PAUSED';

/** The level named by votes, certificates and receipts (the same three values as Level). */
export type PauseState = Level;

/** A level a breach can lead to (anything above RUNNING). */
export type ElevatedLevel = 'REDUCED' | 'PAUSED';

/** Direction of a transition: `up` = escalation (acts on breaches), `down` = de-escalation (resolves breaches). */
export type Step = 'up' | 'down';

export type EvidenceKind = 'cap-exceeded' | 'equivocation' | 'missed' | 'report' | 'pause-violation';

/** A policy cap that a commitment's metrics are checked against. */
export type CapName = 'trainingFlop' | 'largestRunFlop' | 'maxParams' | 'datasetTokens';

export interface Member {
  id: LabId;
  name: string;
  /** BLS share index, 1..n, unique. */
  index: number;
  /** Ed25519 identity public key (32 bytes raw). Signs commitments, evidence, votes, DKG bundles. */
  publicKey: Uint8Array;
  /** libp2p peer ids (base58btc strings) this member's nodes run under. */
  peerIds: string[];
  /** Bootstrap multiaddrs (e.g. /ip4/127.0.0.1/tcp/9000/p2p/<peerId>). */
  addrs: string[];
  /** Condition of this lab's pledge (docs/protocol.md "Conditional pledges"); absent = unconditional. */
  pledge?: Pledge;
}

/** The labs that must be participating for a lab's pledge to hold: every other member, or the listed ones. */
export interface Pledge {
  dependsOn: 'all' | LabId[];
}

/** An auditor the policy authorises to file `report` evidence. */
export interface Auditor {
  id: string;
  name: string;
  publicKey: Uint8Array;
}

export interface Caps {
  trainingFlop: bigint;
  largestRunFlop: bigint;
  maxParams: bigint;
  datasetTokens: bigint;
}

export interface Policy {
  /** Unix ms of epoch 0's start. */
  genesisTime: number;
  /** Epoch length in ms. */
  epochMs: number;
  /** A lab's commitment for epoch e is due by start(e+1) + deadlineMs; `missed` may be judged after + graceMs. */
  deadlineMs: number;
  graceMs: number;
  caps: Caps;
  /** Evidence kinds that make a member vote PAUSE automatically once validated. */
  autoVote: EvidenceKind[];
  /** Evidence kinds that need the local operator's approval before the member votes. */
  approvalRequired: EvidenceKind[];
  /** Resume votes need the operator's approval (default true). */
  resumeNeedsApproval: boolean;
  auditors: Auditor[];
  /**
   * At most this many judged (`missed`/`report`) evidence items per reporter and evidence epoch are stored;
   * more are ignored (A_QUOTA). Default 8.
   */
  judgedQuotaPerEpoch: number;
  /**
   * Judged evidence about epoch e is stale (E_STALE) once `now > missedAfter(e) + judgedMaxAgeEpochs * epochMs`.
   * Default 30.
   */
  judgedMaxAgeEpochs: number;
  /** Which level each breach leads to (docs/protocol.md "Levels"); absent = PAUSED for every breach. */
  levels?: LevelPolicy;
  /** Limits that hold while the network is above RUNNING, per level (docs/protocol.md "Compliance"); absent = none. */
  limits?: LevelLimits;
  /** k: how many of a lab's commitments form its baseline for relative limits (1..8, default 3). */
  baselineEpochs?: number;
  /** A lab with no receipt this long after a node applied a certificate is "not confirmed" there (default 600 000). */
  receiptDeadlineMs?: number;
  /** What a broken pledge condition allows: keep holding (default) or a `release` certificate. */
  onBrokenCondition?: 'hold' | 'release';
}

/** Breach kind (and, for cap-exceeded, cap) -> level. A cap entry overrides the cap-exceeded kind entry. */
export interface LevelPolicy {
  kinds?: Partial<Record<EvidenceKind, ElevatedLevel>>;
  caps?: Partial<Record<CapName, ElevatedLevel>>;
}

/**
 * Limits on a lab's commitment for an epoch the level was in force for (docs/protocol.md "Compliance").
 * Relative limits compare with the lab's baseline: the `baselineEpochs` commitments before the level.
 */
export interface Limits {
  /** Training FLOP per epoch at most this (a research allowance). */
  trainingFlop?: bigint;
  /** largestRunFlop at most the baseline's largest × (10 000 + this) / 10 000; 0 = may not grow. */
  largestRunGrowthBps?: number;
  /** acceleratorHours at most the baseline's mean × this / 10 000. */
  acceleratorHoursBps?: number;
}

export interface LevelLimits {
  REDUCED?: Limits;
  PAUSED?: Limits;
}

/** Output of the DKG, written into genesis after the ceremony. */
export interface DkgResult {
  /** Group public key, G1 compressed (48 bytes). */
  groupPublicKey: Uint8Array;
  /** Public share of each member, indexed by member.index - 1 (48 bytes each). */
  publicShares: Uint8Array[];
  /** SHA-256 of the DKG transcript. */
  transcriptHash: Uint8Array;
}

/** The protocol version this code speaks; `Genesis.version` must equal it. */
export type ProtocolVersion = 2;

export interface Genesis {
  version: ProtocolVersion;
  name: string;
  members: Member[];
  /** t: votes needed for any transition. t > n/2. */
  threshold: number;
  policy: Policy;
  /** Absent before the DKG ceremony. */
  dkg?: DkgResult;
}

export interface Metrics {
  trainingFlop: bigint;
  largestRunFlop: bigint;
  maxParams: bigint;
  datasetTokens: bigint;
  acceleratorHours: bigint;
  /** Average utilisation in basis points, 0..10000. */
  utilizationBps: number;
}

export interface Attestation {
  /** Who co-signs (e.g. a datacenter operator), free-form id. */
  attester: string;
  publicKey: Uint8Array;
  /** Ed25519 over the commitment's signing bytes. */
  signature: Uint8Array;
}

export interface Commitment {
  networkId: Uint8Array;
  lab: LabId;
  epoch: number;
  /** Position in this lab's chain, 0-based. */
  seq: number;
  /** Hash of the previous signed commitment of this lab (32 zero bytes for seq 0). */
  prev: Uint8Array;
  issuedAt: number;
  /**
   * The lab's applied state when it signed: the height of the last certificate it had applied (0 = none)
   * and the level in force. (height, level) never decreases along a lab's chain (C_HEIGHT_ORDER).
   */
  height: number;
  level: Level;
  metrics: Metrics;
  /** Merkle root over salted per-run records (32 bytes). */
  runsRoot: Uint8Array;
  attestations: Attestation[];
}

export interface SignedCommitment {
  commitment: Commitment;
  /** Ed25519 by the lab's identity key over signingBytes('commitment', ...). */
  signature: Uint8Array;
}

export type Evidence =
  | { kind: 'cap-exceeded'; commitment: SignedCommitment; cap: CapName }
  | { kind: 'equivocation'; a: SignedCommitment; b: SignedCommitment }
  | { kind: 'missed'; lab: LabId; epoch: number }
  | { kind: 'report'; subject: LabId; epoch: number; digest: Uint8Array; summary: string }
  | PauseViolation;

/**
 * Self-proving: certificate K (level > RUNNING at height h), the lab's acknowledgment that K was in force
 * before its epoch began, and its commitment for the epoch, still at height h, over limits[K.target]
 * (docs/protocol.md "pause-violation").
 */
export interface PauseViolation {
  kind: 'pause-violation';
  certificate: Certificate;
  acknowledgment: Acknowledgment;
  commitment: SignedCommitment;
  /**
   * The lab's baseline for relative limits: consecutive commitments of its chain ending with its first
   * commitment at or above (h, K.target), preceded by the min(k, seq) before it. Empty when only absolute
   * limits are exceeded.
   */
  baseline: SignedCommitment[];
}

/** A lab's signed statement that it had applied a certificate: its receipt, or its own commitment. */
export type Acknowledgment =
  | { kind: 'receipt'; receipt: SignedReceipt }
  | { kind: 'commitment'; commitment: SignedCommitment };

/** Evidence as gossiped: who filed it, when, signed by the filer (member or authorised auditor). */
export interface SignedEvidence {
  networkId: Uint8Array;
  evidence: Evidence;
  reporter: string;
  issuedAt: number;
  signature: Uint8Array;
}

export interface Vote {
  networkId: Uint8Array;
  height: number;
  /** The level the statement moves the network to. */
  target: PauseState;
  /** up: an escalation (target REDUCED or PAUSED); down: a de-escalation (target RUNNING or REDUCED). */
  step: Step;
  voter: LabId;
  /** BLS partial signature (G2, 96 bytes) over the statement of (networkId, height, target, step, resolves). */
  partial: Uint8Array;
  /** Hashes of the evidence that proved the cited breaches (≤ 16; empty for a step down): peers fetch them by sync. */
  evidence: Uint8Array[];
  /** up: ids of the open breaches this vote acts on (1..16, ascending). down: empty. */
  breaches: Uint8Array[];
  /** down: the breach ids the de-escalation resolves (≤ 64, ascending; part of the signed statement). up: empty. */
  resolves: Uint8Array[];
  issuedAt: number;
  /**
   * The genesis revision whose public share verifies `partial` (docs/protocol.md "Amendments"); ≥ 2, omitted
   * for revision 1 (the original genesis), so a network that never amends sends the bytes it always did.
   * Not part of the statement: old-share and new-share partials of one statement recover the same signature.
   */
  revision?: number;
}

export interface SignedVote {
  vote: Vote;
  /** Ed25519 by the voter's identity key over signingBytes('vote', ...). */
  signature: Uint8Array;
}

export interface Certificate {
  networkId: Uint8Array;
  height: number;
  target: PauseState;
  step: Step;
  /** Member ids whose partials were combined, sorted by member index. */
  signers: LabId[];
  /** down: breach ids this de-escalation resolves (≤ 64, ascending), bound by the signature. up: empty. */
  resolves: Uint8Array[];
  /** Recovered group BLS signature (G2, 96 bytes) over the statement of (networkId, height, target, step, resolves). */
  signature: Uint8Array;
  /**
   * The genesis revision whose members `signers` names (informational like `signers`; ≥ 2, omitted for
   * revision 1). The group key never changes, so the signature does not depend on it.
   */
  revision?: number;
}

/**
 * What a breach is, independent of who reported it and when (docs/protocol.md "Breach identity"):
 * its id is SHA-256("pausenet/v2/breach\0" ‖ canonical CBOR of this key).
 */
export type BreachKey =
  | { kind: 'cap-exceeded'; lab: LabId; epoch: number; cap: CapName }
  | { kind: 'equivocation'; lab: LabId; epoch: number }
  | { kind: 'missed'; lab: LabId; epoch: number }
  | { kind: 'report'; subject: LabId; epoch: number; digest: Uint8Array }
  | { kind: 'pause-violation'; lab: LabId; epoch: number; height: number };

/** The transition a vote partially signs and a certificate carries the group signature of. */
export interface Statement {
  networkId: Uint8Array;
  height: number;
  target: PauseState;
  step: Step;
  /** down: resolved breach ids (ascending, distinct, ≤ 64). up: must be empty. */
  resolves: readonly Uint8Array[];
}

/** One hook's result as a receipt reports it. */
export interface HookOutcome {
  name: string;
  outcome: 'ok' | 'failed';
  /** Attempts made (0 only for a hook that never ran, which is `failed`). */
  attempts: number;
}

/**
 * A lab's signed report that it applied a certificate (docs/protocol.md "Receipts"): which hooks ran with
 * what outcome, and a digest of what its scheduler reported afterwards. Self-reported.
 */
export interface Receipt {
  networkId: Uint8Array;
  lab: LabId;
  /** The certificate's height and target (checked against the certificate named by `certificateHash`). */
  height: number;
  target: PauseState;
  certificateHash: Uint8Array;
  /** When the last hook finished (unix ms). */
  hooksDoneAt: number;
  /** One entry per configured hook, names distinct (≤ 32). */
  hooks: HookOutcome[];
  /** SHA-256 of the canonical JSON of the scheduler observations (32 zero bytes when none are made). */
  schedulerDigest: Uint8Array;
  issuedAt: number;
}

export interface SignedReceipt {
  receipt: Receipt;
  /** Ed25519 by the lab's identity key over signingBytes('receipt', ...). */
  signature: Uint8Array;
}

/** What a `release` certificate says (docs/protocol.md "Conditional pledges"). */
export interface ReleasePayload {
  /** Labs whose pledge condition is broken and that may run their resume hooks (ascending, 1..64). */
  released: LabId[];
  /** Breach ids that broke those conditions (ascending, 1..64). */
  breaches: Uint8Array[];
}

/** A member's partial signature on release `sequence`. */
export interface ReleaseVote extends ReleasePayload {
  networkId: Uint8Array;
  /** Position in the release sequence (1, 2, ...), separate from pause heights. */
  sequence: number;
  voter: LabId;
  /** BLS partial (G2, 96 bytes) over releaseStatementBytes. */
  partial: Uint8Array;
  issuedAt: number;
}

export interface SignedReleaseVote {
  vote: ReleaseVote;
  /** Ed25519 by the voter's identity key over signingBytes('release-vote', ...). */
  signature: Uint8Array;
}

export interface ReleaseCertificate extends ReleasePayload {
  networkId: Uint8Array;
  sequence: number;
  /** Member ids whose partials were combined, ascending member index (informational). */
  signers: LabId[];
  /** Group BLS signature (G2, 96 bytes) over releaseStatementBytes. */
  signature: Uint8Array;
}

/** The part of a SignedEvidence its reporter signs (everything but the signature). */
export type EvidenceBody = Omit<SignedEvidence, 'signature'>;

/** Outcome of a validation rule: `reject` = invalid (penalise the sender), `ignore` = drop without penalty. */
export type Validation =
  | { ok: true }
  | { ok: false; action: 'reject' | 'ignore'; code: string; detail: string };

/** One training run's private record; only its salted hash enters `runsRoot`. */
export interface RunRecord {
  /** Lab-internal run id. */
  id: string;
  /** 32 random bytes so that a leaf reveals nothing about the run without disclosure. */
  salt: Uint8Array;
  flop: bigint;
  params: bigint;
  datasetTokens: bigint;
  acceleratorHours: bigint;
}

/** Inclusion proof of leaf `index` in a tree of `leafCount` leaves (siblings bottom-up). */
export interface RunProof {
  index: number;
  leafCount: number;
  siblings: Uint8Array[];
}
