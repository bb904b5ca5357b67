import type {
  Certificate,
  EvidenceKind,
  Genesis,
  LabId,
  PauseState,
  SignedEvidence,
  SignedVote,
  Validation,
} from '../types.js';
import type { BlsVerifyFn } from '../validation/result.js';
import type { IdMap } from './idmap.js';

/** Fixed inputs of the pause state machine. */
export interface PauseConfig {
  genesis: Genesis;
  /** Defaults to networkIdOf(genesis) in createPauseState. */
  networkId: Uint8Array;
  /** This node's member id; undefined for observers (which never sign). */
  self?: LabId;
  /** Default @pausenet/crypto verifyPartial. */
  verifyPartial?: BlsVerifyFn;
  /** Default @pausenet/crypto blsVerify. */
  blsVerify?: BlsVerifyFn;
  clockSkewMs?: number;
}

/** An open breach: proven by validated evidence and not yet resolved by a certified resume. */
export interface OpenBreach {
  /** Breach id (breachIdOf), 32 bytes. */
  id: Uint8Array;
  kind: EvidenceKind;
  /** true when policy.autoVote lists the kind (self-proving); false = judged, needs approval. */
  auto: boolean;
  /** evidenceHash of the first validated evidence that proved it (cited by pause votes). */
  ref: Uint8Array;
}

/**
 * Immutable machine state; pauseStep returns a new object and never mutates one. The breach sets are
 * persistent maps (IdMap), so a step costs the same whether 1 or 20 000 breaches are held.
 */
export interface PauseMachineState {
  readonly config: PauseConfig;
  /** Height of the last applied certificate (0 = genesis). */
  readonly height: number;
  readonly state: PauseState;
  /** unix ms at which the current state began (0 at genesis). */
  readonly since: number;
  readonly certificate: Certificate | null;
  /** Heights this member already signed (slashing protection, from the node's DB plus own sign-vote effects). */
  readonly signedHeights: ReadonlyMap<number, PauseState>;
  /** Open breaches by hex id: they stay open across certificates until a resume names them. */
  readonly open: IdMap<OpenBreach>;
  /** Number of open breaches of an automatic kind (so deciding a vote never walks `open`). */
  readonly autoOpen: number;
  /** Breach ids resolved by certified resumes (value: the height of that resume). Never counted again. */
  readonly resolved: IdMap<number>;
  /** Operator approvals for height+1. */
  readonly approval: PendingApproval;
  /** Valid votes for height+1, one per voter. */
  readonly votes: ReadonlyMap<LabId, SignedVote>;
}

/** What the local operator approved for the open height. */
export interface PendingApproval {
  /** PAUSED: hex ids of the judged breaches the operator approved (they may arrive later). */
  readonly pause: ReadonlySet<string>;
  /** RUNNING: the breach ids the approved resume resolves (ascending); null = no resume approved. */
  readonly resume: readonly Uint8Array[] | null;
}

/**
 * `validated`: the caller already ran the message's validation rules (validateEvidence / validateVote /
 * validateCertificate, same genesis and network); the machine then applies only its state rules (the
 * height rules V_STALE/V_FUTURE, K_STALE/K_FUTURE, duplicates, resolved breaches), so no signature is
 * checked twice. The node's ingest path validates every message once and sets it.
 */
export type PauseEvent =
  | { type: 'evidence'; evidence: SignedEvidence; validated?: boolean }
  /**
   * The local operator approves the transition to `target` at `height`. PAUSED: `breaches` are the judged
   * breach ids approved; RUNNING: the ids the resume resolves (ascending, ≤ 64).
   */
  | { type: 'approve'; height: number; target: PauseState; breaches: readonly Uint8Array[] }
  | { type: 'vote'; vote: SignedVote; validated?: boolean }
  /** `local: true` when this node recovered it (then it also publishes it). */
  | { type: 'certificate'; certificate: Certificate; local?: boolean; validated?: boolean };

export type PauseEffect =
  /**
   * Sign a BLS partial on the statement of (height, target, resolves), persist it (fsync), then publish the
   * vote. PAUSED: `breaches` it acts on and the `evidenceRefs` that proved them; RUNNING: `resolves`.
   */
  | {
      type: 'sign-vote';
      height: number;
      target: PauseState;
      breaches: Uint8Array[];
      evidenceRefs: Uint8Array[];
      resolves: Uint8Array[];
    }
  /** Ask the operator: judged breaches (ids, ≤ 16 shown) await `approve` for this height. */
  | { type: 'approval-needed'; height: number; target: PauseState; breaches: Uint8Array[] }
  /** t or more distinct valid partials on one statement: recover the group signature and feed back a certificate. */
  | {
      type: 'recover';
      height: number;
      target: PauseState;
      resolves: Uint8Array[];
      partials: { index: number; voter: LabId; signature: Uint8Array }[];
    }
  | { type: 'publish-certificate'; certificate: Certificate }
  /** Persist the certificate (and the breaches it acts on / resolves), then run the hooks. */
  | { type: 'apply'; certificate: Certificate };

export interface PauseStepResult {
  state: PauseMachineState;
  effects: PauseEffect[];
  /** Verdict on the event's message (for gossip ACCEPT/IGNORE/REJECT); ok for accepted events. */
  validation: Validation;
}
