import type { HookAction } from '@pausenet/hooks';
import type {
  Certificate,
  Genesis,
  LabId,
  PauseState,
  SignedCommitment,
  SignedEvidence,
  SignedVote,
  Validation,
} from '@pausenet/protocol';
import type { Logger } from './logger.js';
import type { Store } from './store/store.js';

/** The four message kinds that flow through the one ingest path. */
export type MessageKind = 'commitment' | 'evidence' | 'vote' | 'certificate';

export interface MessageOf {
  commitment: SignedCommitment;
  evidence: SignedEvidence;
  vote: SignedVote;
  certificate: Certificate;
}
export type AnyMessage = MessageOf[MessageKind];

/** How a message reached agreement.onAccepted. */
export interface AcceptInfo {
  /**
   * True: stored by ingest (a commitment then extends its lab's chain: later epoch, next seq, so no stored
   * commitment can rival it). False: handed on without storing (a commitment forking a stored chain).
   */
  stored: boolean;
}

/** This node's signing identity (members only). */
export interface SelfIdentity {
  lab: LabId;
  /** BLS share index (1-based). */
  index: number;
  /** Ed25519 identity seed (32 bytes). */
  identitySecretKey: Uint8Array;
  /** BLS secret share (32 bytes BE) or null before the DKG. */
  blsShare: Uint8Array | null;
}

export interface HookStatusView {
  height: number;
  action: HookAction;
  hook: string;
  status: 'ok' | 'failed' | 'pending';
  attempts: number;
  lastError: string | null;
  /** Start-up re-asserts that ran this hook again after it was ok (docs/protocol.md "Re-assert on start"). */
  reasserts: number;
}

export interface AgreementStatus {
  state: PauseState;
  height: number;
  since: number | null;
  /** One entry per statement voted on at the open height (a split resume shows several). */
  pendingVotes: { height: number; target: PauseState; resolves: string[]; voters: LabId[]; needed: number }[];
  /** What waits for / was given by this operator at the open height (breach ids, hex). */
  approvals: { height: number; target: PauseState; approved: boolean; breaches: string[] }[];
  hooks: HookStatusView[];
  /**
   * Readiness (GET /v1/health): false until the start-up re-assert of the current state's hooks has
   * completed; `reason` says what it waits for.
   */
  ready: boolean;
  readyReason: string | null;
}

/** POST /v1/approve options (docs/protocol.md "Approvals"). */
export interface ApproveOptions {
  /** PAUSED: the judged breach ids approved; RUNNING: the ids the resume resolves. Default: see the spec. */
  breaches?: readonly Uint8Array[];
  /** Approve a resolves set that differs from another member's pending resume vote (splits the resume). */
  force?: boolean;
  /** Report what would be approved and signed, change nothing. */
  dryRun?: boolean;
}

/** A breach an approval names, as this node knows it. */
export interface ApprovedBreach {
  id: string;
  /** null when this node has not seen evidence for it (named by a pending vote or the operator). */
  kind: string | null;
  lab: string | null;
  epoch: number | null;
  /** Hash of the evidence that proved it here (fetch it with GET /v1/evidence). */
  evidence: string | null;
  status: 'open' | 'resolved' | 'unknown';
}

/** Where the breach set of an approval came from. */
export type ApprovalSource = 'explicit' | 'pending-vote' | 'open-breaches';

export interface ApproveResult {
  /** This member's vote for the transition is signed (now or before). */
  signed: boolean;
  reason?: string;
  /** Set when the approval was refused (nothing recorded): the error code. */
  refused?: string;
  height: number;
  target: PauseState;
  /** PAUSED: the breaches approved; RUNNING: the breaches the resume resolves. */
  breaches: ApprovedBreach[];
  source: ApprovalSource;
  /** source pending-vote: the members whose resume vote named this set. */
  voters?: LabId[];
  /** RUNNING: open breaches this resume leaves open (a new pause follows by policy). */
  leftOpen?: number;
  dryRun?: boolean;
}

/** Persist via the node's ingest path, then gossip; resolves to the ingest verdict. */
export type PublishFn = <K extends MessageKind>(kind: K, msg: MessageOf[K]) => Promise<Validation>;

/** What the node hands to the agreement (docs: BRIEF "Node internals split"). */
export interface AgreementDeps {
  genesis: Genesis;
  networkId: Uint8Array;
  self: SelfIdentity | null;
  store: Store;
  /** HookRunner from @pausenet/hooks, or null (observers / no hooks configured). */
  hooks: unknown;
  publish: PublishFn;
  logger: Logger;
  now: () => number;
}

/** The agreement surface the node calls (implemented in src/agreement/ by the agreement engineer). */
export interface Agreement {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
  /** State-aware check (height, duplicates) after protocol validation, before persist. Sync: runs inside the ingest step. */
  check<K extends MessageKind>(kind: K, msg: MessageOf[K]): Validation;
  /**
   * Called once per newly persisted message (after the store commit), in acceptance order; also for a
   * commitment that forks a stored chain (not stored: `info.stored` false) so equivocation gets filed.
   */
  onAccepted<K extends MessageKind>(kind: K, msg: MessageOf[K], info?: AcceptInfo): Promise<void>;
  approve(height: number, target: PauseState, opts?: ApproveOptions): Promise<ApproveResult>;
  status(): AgreementStatus;
  on(event: 'change', fn: () => void): void;
}

export type AgreementFactory = (deps: AgreementDeps) => Agreement;

/**
 * Stand-in used until the agreement module is wired: the height is the highest stored certificate
 * (certificates are still fully verified by protocol rules), votes are ignored, approvals refused.
 */
export class NoAgreement implements Agreement {
  constructor(private readonly store?: Store) {}
  start(): void {}
  stop(): void {}
  check<K extends MessageKind>(kind: K, _msg: MessageOf[K]): Validation {
    if (kind === 'vote') {
      return {
        ok: false,
        action: 'ignore',
        code: 'NO_AGREEMENT',
        detail: `this node does not process ${kind}s`,
      };
    }
    return { ok: true };
  }
  async onAccepted(): Promise<void> {}
  async approve(height: number, target: PauseState): Promise<ApproveResult> {
    return {
      signed: false,
      refused: 'NO_AGREEMENT',
      reason: 'agreement module not enabled on this node',
      height,
      target,
      breaches: [],
      source: 'explicit',
    };
  }
  status(): AgreementStatus {
    const height = this.store?.certifiedHeight() ?? 0;
    return {
      state: height % 2 === 1 ? 'PAUSED' : 'RUNNING',
      height,
      since: null,
      pendingVotes: [],
      approvals: [],
      hooks: [],
      ready: true,
      readyReason: null,
    };
  }
  on(): void {}
}
