import type { HookAction, HookJournal, HookJournalEntry, HookStateStore } from '@pausenet/hooks';
import type { EvidenceKind, PauseState } from '@pausenet/protocol';

/**
 * The store's repositories, one per table group (docs/node.md "Storage"). The node runs them on SQLite
 * (store.ts); agreement and ingest unit tests run them in memory (memory.ts). Every message row's
 * `receivedAt` is the node's own first-seen time (its clock when it first stored the message); a later
 * copy of the same message never changes it (docs/protocol.md "First seen").
 */

export interface CommitmentRow {
  lab: string;
  seq: number;
  epoch: number;
  hash: Uint8Array;
  bytes: Uint8Array;
  receivedAt: number;
}
export interface EvidenceRow {
  hash: Uint8Array;
  kind: string;
  bytes: Uint8Array;
  receivedAt: number;
  /** The breach it proves (breachIdOf), its reporter and the epoch it is about (migration 3). */
  breachId?: Uint8Array;
  reporter?: string;
  epoch?: number;
}
export interface VoteRow {
  height: number;
  target: string;
  voter: string;
  bytes: Uint8Array;
  receivedAt: number;
}
export interface CertificateRow {
  height: number;
  hash: Uint8Array;
  bytes: Uint8Array;
  receivedAt: number;
}
export interface PeerRow {
  peerId: string;
  lab: string | null;
  addrs: string[];
  lastSeen: number;
}
export interface ChainHead {
  lab: string;
  seq: number;
  hash: Uint8Array;
}

/** Outcome of an insert: new, already present (same bytes), or a different message in the same slot. */
export type InsertResult = 'inserted' | 'duplicate' | 'conflict';

/** Per-lab hash chains (table commitments). */
export interface CommitmentRepository {
  /** Insert at (lab, seq); same hash -> duplicate, different hash at that slot -> conflict. */
  insert(row: CommitmentRow): InsertResult;
  /** The head (highest seq) of a lab's chain. */
  last(lab: string): CommitmentRow | undefined;
  get(lab: string, seq: number): CommitmentRow | undefined;
  byHash(hash: Uint8Array): CommitmentRow | undefined;
  /** Commitments of `lab` with fromSeq <= seq <= toSeq, ascending, at most `limit`. */
  range(lab: string, fromSeq: number, toSeq: number, limit: number): CommitmentRow[];
  /** Commitments of `lab` (or all labs) with fromEpoch <= epoch <= toEpoch, ordered by lab, seq. */
  byEpoch(lab: string | undefined, fromEpoch: number, toEpoch: number, limit: number): CommitmentRow[];
  /** Stored commitments of `lab` at `epoch` or at `seq`, in seq order (equivocation rivals). */
  rivals(lab: string, epoch: number, seq: number): CommitmentRow[];
  /** Head of every lab's chain. */
  heads(): ChainHead[];
  /** Stored commitments (of `lab`; with `epochs`, only those with from <= epoch <= to). */
  count(lab?: string, epochs?: { from: number; to: number }): number;
}

/** Signed evidence (table evidence). */
export interface EvidenceRepository {
  /** Insert keyed by hash; false if already present (its first-seen time is kept). */
  insert(row: EvidenceRow): boolean;
  has(hash: Uint8Array): boolean;
  /** Whether `reporter` already has evidence for breach `breachId` stored. */
  hasFor(breachId: Uint8Array, reporter: string): boolean;
  /** Judged evidence (missed, report) stored from `reporter` about `epoch`. */
  countJudged(reporter: string, epoch: number): number;
  count(): number;
  /** All evidence, oldest first, at most `limit`. */
  list(limit?: number, offset?: number): EvidenceRow[];
}

/** Signed votes (table votes). */
export interface VoteRepository {
  /** Insert; false if (height, target, voter) is already present. */
  insert(row: VoteRow): boolean;
  has(height: number, target: string, voter: string): boolean;
  /** Votes with fromHeight <= height <= toHeight, at most `limit`. */
  range(fromHeight: number, toHeight: number, limit: number): VoteRow[];
  count(height: number): number;
}

/** Certificates (table certificates). */
export interface CertificateRepository {
  /** Insert the certificate of its height; a different certificate at the same height -> conflict. */
  insert(row: CertificateRow): InsertResult;
  get(height: number): CertificateRow | undefined;
  byHash(hash: Uint8Array): CertificateRow | undefined;
  /** Highest certified height (0 if none). */
  height(): number;
  range(fromHeight: number, toHeight: number, limit: number): CertificateRow[];
}

/** A breach row (table breaches, migration 3). */
export interface BreachRow {
  id: Uint8Array;
  /** null: known only because a certified resume named it (its evidence never reached this node). */
  kind: EvidenceKind | null;
  /** The accused lab (report: the subject). */
  lab: string | null;
  epoch: number | null;
  /** evidenceHash of the first evidence this node stored for it. */
  evidenceHash: Uint8Array | null;
  firstSeenAt: number | null;
  actedOnHeight: number | null;
  resolvedHeight: number | null;
}

/**
 * The node's breaches (docs/protocol.md "Breach identity"): one row per breach id, written with the
 * evidence that first proves it (ingest, same transaction) and updated in the transaction that applies
 * the certificate acting on / resolving it. The pause machine is rebuilt from it on start.
 */
export interface BreachRepository {
  /** Record a breach proven by stored evidence (no-op when the breach is already known with its evidence). */
  seen(b: {
    id: Uint8Array;
    kind: EvidenceKind;
    lab: string;
    epoch: number;
    evidenceHash: Uint8Array;
    firstSeenAt: number;
  }): void;
  get(id: Uint8Array): BreachRow | undefined;
  /** Open breaches (known evidence, not resolved), oldest first. */
  open(limit?: number): BreachRow[];
  /** Open breaches in the order a default resume resolves them: acted on by a pause first, then oldest. */
  openForResume(limit: number): BreachRow[];
  /** Every breach id a certified resume resolved, with its height. */
  resolved(): { id: Uint8Array; height: number }[];
  /** A pause certificate at `height` acts on every breach open now (inside the apply transaction). */
  actOn(height: number): void;
  /** A resume certificate at `height` resolves `ids` (inside the apply transaction). */
  resolve(ids: readonly Uint8Array[], height: number): void;
  counts(): { open: number; resolved: number };
}

/** Remembered peers (table peers; docs/protocol.md "Admission control"). */
export interface PeerRepository {
  upsert(row: PeerRow): void;
  /** Keep at most `maxNonMembers` non-member rows (lab null), the most recently seen; returns how many went. */
  prune(maxNonMembers: number): number;
  /** Member rows first, then the most recently seen, at most `limit`. */
  list(limit: number): PeerRow[];
}

/** Outcome of asking slashing protection to sign at a height. */
export type SignOnceResult =
  /** Nothing was signed at this height before: `sign()` ran and its bytes are now durable. */
  | { kind: 'new'; vote: Uint8Array }
  /** The same statement was signed before: these are the stored bytes (never re-signed). */
  | { kind: 'same'; vote: Uint8Array }
  /** A different statement was signed at this height: refused. */
  | { kind: 'conflict'; signedTarget: PauseState };

/**
 * Slashing protection (table signed_heights; EIP-3076 spirit): at most one signed statement per height,
 * recorded durably BEFORE the vote leaves the process.
 */
export interface SignedHeightRepository {
  /**
   * Signs (via `sign`) only if nothing or the same statement was signed at `height`; the check and the
   * insert are one transaction, committed (fsynced) before this returns. Refused inside another transaction.
   */
  signOnce(
    height: number,
    target: PauseState,
    statement: Uint8Array,
    sign: () => Uint8Array,
    now: number,
  ): SignOnceResult;
  /** Every vote this member signed (its bytes carry the statement: target, step, resolves), ascending height. */
  all(): { height: number; target: PauseState; vote: Uint8Array }[];
  /** The vote bytes stored for a height, if this member signed there. */
  signedAt(height: number): { target: PauseState; statement: Uint8Array; vote: Uint8Array } | undefined;
}

/** The applied (certified) pause state of this node. */
export interface AppliedState {
  height: number;
  state: PauseState;
  /** Local unix ms when this state was applied (null at height 0). */
  since: number | null;
  /** Hash of the certificate that set it (null at height 0). */
  certificateHash: Uint8Array | null;
}

/** Table pause_state (one row). */
export interface PauseStateRepository {
  /** Current applied state (height 0 RUNNING when nothing was applied). */
  get(): AppliedState;
  /** Record a new applied state (inside the transaction that applies the certificate). */
  set(s: AppliedState): void;
}

/** An operator approval: PAUSED -> the judged breach ids approved; RUNNING -> what the resume resolves. */
export interface ApprovalRecord {
  height: number;
  target: PauseState;
  at: number;
  breaches: Uint8Array[];
}

/** Tables approvals and approval_breaches. */
export interface ApprovalRepository {
  /** Durably record an operator approval and the breach ids it names (one fsynced transaction). */
  approve(height: number, target: PauseState, breaches: readonly Uint8Array[], now: number): void;
  /** Approvals for heights above `height`, with the breach ids each names. */
  above(height: number): ApprovalRecord[];
}

/** The hook journal (table hook_journal) with the synchronous reads and writes the agreement needs. */
export interface HookJournalRepository extends HookJournal {
  /** Rows of one certificate (status API, restart). */
  entriesFor(certificateHash: string): HookJournalEntry[];
  /** Latest rows (status API). */
  latest(limit: number): HookJournalEntry[];
  /** 'pending' rows for every hook of a certificate, inside the transaction that applies it; existing rows kept. */
  recordPending(
    cert: { certificateHash: string; height: number; action: HookAction },
    hookNames: readonly string[],
    now: number,
  ): void;
}

/** When this node was running (table node_runs; docs/protocol.md "First seen"). */
export interface NodeRunRepository {
  /** Record a start at `now`; returns the run's key. */
  start(now: number): number;
  /** Heartbeat of the run that started at `startedAt`. */
  alive(startedAt: number, now: number): void;
  /** Whether some run had been up for at least `settleMs` at instant `t` and was still up at `t`. */
  observed(t: number, settleMs: number): boolean;
}

/** Table meta (key/value). */
export interface MetaRepository {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

/** Durability of a group of writes (docs/protocol.md "Durability"). */
export interface Transactions {
  /** One transaction, fsynced before this returns: what this node signed, decided or acknowledged. */
  transaction<T>(fn: () => T): T;
  /** One transaction without an fsync (a killed process loses nothing; a power loss may lose the tail). */
  relaxed<T>(fn: () => T): T;
}

/** Everything the node keeps, by table group, with its transactions. */
export interface NodeStore extends Transactions {
  readonly isOpen: boolean;
  readonly meta: MetaRepository;
  readonly commitments: CommitmentRepository;
  readonly evidence: EvidenceRepository;
  readonly votes: VoteRepository;
  readonly certificates: CertificateRepository;
  readonly breaches: BreachRepository;
  readonly peers: PeerRepository;
  readonly signedHeights: SignedHeightRepository;
  readonly pauseState: PauseStateRepository;
  readonly approvals: ApprovalRepository;
  readonly hookJournal: HookJournalRepository;
  /** Durable per-hook key/value store (table hook_state). */
  hookState(hookName: string): HookStateStore;
  readonly runs: NodeRunRepository;
  close(): void;
}
