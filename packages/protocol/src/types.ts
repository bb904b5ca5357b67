/**
 * Wire types of the pausenet protocol (docs/protocol.md is normative).
 * All byte strings are Uint8Array; all quantities that can exceed 2^53 are bigint.
 * Times are integer unix milliseconds supplied by the caller (`now`): this package never reads a clock.
 */

/** Short stable member identifier from genesis, e.g. "lab-a". [a-z0-9-]{1,32} */
export type LabId = string;

/** Pause state of the network at a height. Height 0 is RUNNING. */
export type PauseState = 'RUNNING' | 'PAUSED';

export type EvidenceKind = 'cap-exceeded' | 'equivocation' | 'missed' | 'report';

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
  | { kind: 'report'; subject: LabId; epoch: number; digest: Uint8Array; summary: string };

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
  target: PauseState;
  voter: LabId;
  /** BLS partial signature (G2, 96 bytes) over the statement of (networkId, height, target, resolves). */
  partial: Uint8Array;
  /** Hashes of the evidence that proved the cited breaches (≤ 16; empty for resume): peers fetch them by sync. */
  evidence: Uint8Array[];
  /** PAUSED: ids of the open breaches this vote acts on (1..16, ascending). RUNNING: empty. */
  breaches: Uint8Array[];
  /** RUNNING: the breach ids the resume resolves (≤ 64, ascending; part of the signed statement). PAUSED: empty. */
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
  /** Member ids whose partials were combined, sorted by member index. */
  signers: LabId[];
  /** RUNNING: breach ids this resume resolves (≤ 64, ascending), bound by the signature. PAUSED: empty. */
  resolves: Uint8Array[];
  /** Recovered group BLS signature (G2, 96 bytes) over the statement of (networkId, height, target, resolves). */
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
  | { kind: 'report'; subject: LabId; epoch: number; digest: Uint8Array };

/** The transition a vote partially signs and a certificate carries the group signature of. */
export interface Statement {
  networkId: Uint8Array;
  height: number;
  target: PauseState;
  /** RUNNING: resolved breach ids (ascending, distinct, ≤ 64). PAUSED: must be empty. */
  resolves: readonly Uint8Array[];
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
