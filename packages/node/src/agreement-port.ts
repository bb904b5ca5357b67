import type { Genesis, LabId, PauseState, Validation } from '@pausenet/protocol';
import type { Logger } from './logger.js';
import type { MessageKind, MessageOf } from './message.js';
import type { NodeStore } from './store/repositories.js';

export type { AnyMessage, MessageKind, MessageOf } from './message.js';

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
  action: 'halt' | 'resume';
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
