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
}

export interface AgreementStatus {
  state: PauseState;
  height: number;
  since: number | null;
  pendingVotes: { height: number; target: PauseState; voters: LabId[]; needed: number }[];
  approvals: { height: number; target: PauseState; approved: boolean }[];
  hooks: HookStatusView[];
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
  approve(height: number, target: PauseState): Promise<{ signed: boolean; reason?: string }>;
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
  async approve(): Promise<{ signed: boolean; reason?: string }> {
    return { signed: false, reason: 'agreement module not enabled on this node' };
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
    };
  }
  on(): void {}
}
