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

export interface ValidatedEvidence {
  ref: Uint8Array;
  kind: EvidenceKind;
  /** true when policy.autoVote lists the kind (self-proving); false = judged, needs approval. */
  auto: boolean;
}

/** Immutable machine state; pauseStep returns a new object, never mutates. */
export interface PauseMachineState {
  readonly config: PauseConfig;
  /** Height of the last applied certificate (0 = genesis). */
  readonly height: number;
  readonly state: PauseState;
  /** unix ms at which the current state began (0 at genesis); evidence issued before it does not count. */
  readonly since: number;
  readonly certificate: Certificate | null;
  /** Heights this member already signed (slashing protection, from the node's DB plus own sign-vote effects). */
  readonly signedHeights: ReadonlyMap<number, PauseState>;
  /** Validated evidence since the last transition, by hex hash. */
  readonly evidence: ReadonlyMap<string, ValidatedEvidence>;
  /** Evidence hashes consumed by an earlier transition (never count again). */
  readonly spent: ReadonlySet<string>;
  /** Operator approvals for height+1 ("<height>:<target>"). */
  readonly approvals: ReadonlySet<string>;
  /** Valid votes for height+1, one per voter. */
  readonly votes: ReadonlyMap<LabId, SignedVote>;
}

export type PauseEvent =
  | { type: 'evidence'; evidence: SignedEvidence }
  | { type: 'approve'; height: number; target: PauseState }
  | { type: 'vote'; vote: SignedVote }
  /** `local: true` when this node recovered it (then it also publishes it). */
  | { type: 'certificate'; certificate: Certificate; local?: boolean };

export type PauseEffect =
  /** Sign a BLS partial on statementBytes(height, target), persist it (fsync), then publish the vote. */
  | { type: 'sign-vote'; height: number; target: PauseState; evidenceRefs: Uint8Array[] }
  /** Ask the operator: judged evidence (or a resume) awaits `approve` for this height/target. */
  | { type: 'approval-needed'; height: number; target: PauseState; evidenceRefs: Uint8Array[] }
  /** t or more distinct valid partials are present: recover the group signature and feed back a certificate. */
  | {
      type: 'recover';
      height: number;
      target: PauseState;
      partials: { index: number; voter: LabId; signature: Uint8Array }[];
    }
  | { type: 'publish-certificate'; certificate: Certificate }
  /** Persist the certificate, then run the hooks (halt on PAUSED, resume on RUNNING). */
  | { type: 'apply'; certificate: Certificate };

export interface PauseStepResult {
  state: PauseMachineState;
  effects: PauseEffect[];
  /** Verdict on the event's message (for gossip ACCEPT/IGNORE/REJECT); ok for accepted events. */
  validation: Validation;
}
