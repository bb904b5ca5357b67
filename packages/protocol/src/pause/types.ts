import type {
  Certificate,
  EvidenceKind,
  Genesis,
  LabId,
  Level,
  PauseState,
  SignedEvidence,
  SignedVote,
  Step,
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

/** An open breach: proven by validated evidence and not yet resolved by a certified step down. */
export interface OpenBreach {
  /** Breach id (breachIdOf), 32 bytes. */
  id: Uint8Array;
  kind: EvidenceKind;
  /** The level policy assigns to it (breachLevel). */
  level: Level;
  /** true when policy.autoVote lists the kind (self-proving); false = judged, needs approval. */
  auto: boolean;
  /** evidenceHash of the first validated evidence that proved it (cited by votes). */
  ref: Uint8Array;
}

/** One statement this member signed at a height (its slashing-protection record). */
export interface SignedStatement {
  target: Level;
  step: Step;
  /** What a step down resolves (ascending); empty for a step up. */
  resolves: readonly Uint8Array[];
}

/**
 * Immutable machine state; pauseStep returns a new object and never mutates one. The breach sets are
 * persistent maps (IdMap), so a step costs the same whether 1 or 20 000 breaches are held.
 */
export interface PauseMachineState {
  readonly config: PauseConfig;
  /** Height of the applied certificate (0 = genesis). */
  readonly height: number;
  /** The applied level: the highest level certified at the highest certified height. */
  readonly state: PauseState;
  /** Step of the applied certificate (null at genesis): an `up` keeps escalations at this height. */
  readonly step: Step | null;
  /** unix ms at which the current state began (0 at genesis). */
  readonly since: number;
  readonly certificate: Certificate | null;
  /** Statements this member signed, per height (slashing protection: the node's DB plus own sign-vote effects). */
  readonly signed: ReadonlyMap<number, readonly SignedStatement[]>;
  /** Open breaches by hex id: they stay open across certificates until a step down names them. */
  readonly open: IdMap<OpenBreach>;
  /** Open breaches of an automatic kind per level (so deciding a vote never walks `open`). */
  readonly autoOpen: Readonly<Record<'REDUCED' | 'PAUSED', number>>;
  /** Breach ids resolved by certified steps down (value: the height of that certificate). Never counted again. */
  readonly resolved: IdMap<number>;
  /** Operator approvals for the open heights. */
  readonly approval: PendingApproval;
  /**
   * Valid votes in the open window (the applied height for steps up above the applied level, and the next
   * height), keyed by `height:target:voter`: a voter counts once per (height, level).
   */
  readonly votes: ReadonlyMap<string, SignedVote>;
}

/** What the local operator approved. */
export interface PendingApproval {
  /** Judged breaches (hex ids) approved for a step up at `upHeight` (they may arrive later). */
  readonly up: ReadonlySet<string>;
  readonly upHeight: number;
  /** The approved step down (height = applied + 1), or null. */
  readonly down: {
    readonly height: number;
    readonly target: Level;
    readonly resolves: readonly Uint8Array[];
  } | null;
}

/**
 * `validated`: the caller already ran the message's validation rules (validateEvidence / validateVote /
 * validateCertificate, same genesis and network); the machine then applies only its state rules (the
 * height rules V_STALE/V_FUTURE, K_STALE/K_CONFLICT/K_FUTURE, duplicates, resolved breaches), so no
 * signature is checked twice. The node's ingest path validates every message once and sets it.
 */
export type PauseEvent =
  | { type: 'evidence'; evidence: SignedEvidence; validated?: boolean }
  /**
   * The local operator approves. `up`: the judged breach ids approved for the escalation height
   * (escalationHeight(state)); `down`: a step down to `target` at height + 1 that resolves `breaches`
   * (ascending, ≤ 64).
   */
  | { type: 'approve'; step: 'up'; height: number; breaches: readonly Uint8Array[] }
  | { type: 'approve'; step: 'down'; height: number; target: Level; breaches: readonly Uint8Array[] }
  | { type: 'vote'; vote: SignedVote; validated?: boolean }
  /** `local: true` when this node recovered it (then it also publishes it). */
  | { type: 'certificate'; certificate: Certificate; local?: boolean; validated?: boolean };

export type PauseEffect =
  /**
   * Sign a BLS partial on the statement of (height, target, step, resolves), persist it (fsync), then
   * publish the vote. up: `breaches` it acts on and the `evidenceRefs` that proved them; down: `resolves`.
   */
  | {
      type: 'sign-vote';
      height: number;
      target: PauseState;
      step: Step;
      breaches: Uint8Array[];
      evidenceRefs: Uint8Array[];
      resolves: Uint8Array[];
    }
  /** Ask the operator: judged breaches (ids, ≤ 16 shown) await an `up` approval for this height. */
  | { type: 'approval-needed'; height: number; target: PauseState; step: 'up'; breaches: Uint8Array[] }
  /** t or more distinct valid partials on one statement: recover the group signature and feed back a certificate. */
  | {
      type: 'recover';
      height: number;
      target: PauseState;
      step: Step;
      resolves: Uint8Array[];
      partials: { index: number; voter: LabId; signature: Uint8Array }[];
    }
  | { type: 'publish-certificate'; certificate: Certificate }
  /** Persist the certificate (and the breaches it acts on / resolves), then run the hooks of its level. */
  | { type: 'apply'; certificate: Certificate }
  /**
   * A valid step down the applied state dominates (same height and lower level, or a lower height) that
   * resolves breaches not yet resolved: persist it and mark those breaches resolved; the level and the
   * hooks do not change.
   */
  | { type: 'record-dominated'; certificate: Certificate };

export interface PauseStepResult {
  state: PauseMachineState;
  effects: PauseEffect[];
  /** Verdict on the event's message (for gossip ACCEPT/IGNORE/REJECT); ok for accepted events. */
  validation: Validation;
}
