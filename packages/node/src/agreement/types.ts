import type { HookAction } from '@pausenet/hooks';
import type { EvidenceKind, Genesis, LabId, PauseState, Step, Validation } from '@pausenet/protocol';
import type { Logger } from '../logger.js';
import type { MessageKind, MessageOf } from '../message.js';
import type { NodeStore } from '../store/repositories.js';
import type { FailSafeStatus } from './fail-safe.js';

/** The types the node and the agreement share (docs/agreement.md). */

export type { AnyMessage, MessageKind, MessageOf } from '../message.js';

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

/** The pause-state part of the agreement's status (AgreementStatus adds threshold, fail-safe, breaches). */
export interface AgreementStatusCore {
  state: PauseState;
  height: number;
  since: number | null;
  /** One entry per statement voted on at the open height (a split resume shows several). */
  pendingVotes: {
    height: number;
    target: PauseState;
    step: Step;
    resolves: string[];
    voters: LabId[];
    needed: number;
  }[];
  /** What waits for / was given by this operator at the open height (breach ids, hex). */
  approvals: { height: number; target: PauseState; step: Step; approved: boolean; breaches: string[] }[];
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

/**
 * The local door: this node's own message goes through the ingest path (validated once, stored, applied)
 * and is then gossiped; resolves to the ingest verdict.
 */
export type PublishFn = <K extends MessageKind>(kind: K, msg: MessageOf[K]) => Promise<Validation>;

/** What the node hands to the agreement. */
export interface AgreementDeps {
  genesis: Genesis;
  networkId: Uint8Array;
  self: SelfIdentity | null;
  store: NodeStore;
  /** HookRunner from @pausenet/hooks, or null (observers / no hooks configured). */
  hooks: unknown;
  publish: PublishFn;
  logger: Logger;
  now: () => number;
}

/** GET /v1/health's view of the agreement (cheap: no store reads). */
export interface Readiness {
  ready: boolean;
  reason: string | null;
  state: PauseState;
  height: number;
}

/** What the node hands to the agreement, plus agreement-specific knobs (all optional). */
export interface AgreementOptions extends AgreementDeps {
  /** Evidence kinds this member votes PAUSE on without its operator (config approvals.auto); default genesis policy.autoVote. */
  autoVote?: readonly EvidenceKind[];
  /** Fail-safe (off by default): run halt hooks locally when cut off from t members for longer than afterMs. */
  failSafe?: { enabled: boolean; afterMs: number };
  /** Members this node has a live connection to now (self may be omitted); used by the fail-safe. */
  connectedMembers?: () => LabId[];
  /**
   * Re-publish this member's vote for the open height every N ms (0 = never, the default: the node's
   * publish() drops messages its store already holds, and req/resp sync carries open votes instead).
   */
  republishMs?: number;
  /**
   * With t votes but not the canonical signer set (the t lowest member indices), wait up to this long for
   * it so that nodes tend to list the same signers. Default 0: the certificate id excludes the signer
   * list, so waiting only adds pause latency (the bench measured up to a second of it).
   */
  certificateGraceMs?: number;
}

/** The GET /v1/status fields owned by the agreement. */
export interface AgreementStatus extends AgreementStatusCore {
  threshold: number;
  failSafe: FailSafeStatus;
  /** How many breaches the pause machine holds open (of them automatic) and knows as resolved. */
  breaches: { open: number; openAuto: number; resolved: number };
}
