import type { EvidenceKind, LabId } from '@pausenet/protocol';
import type { AgreementDeps, AgreementStatus as PortStatus } from '../agreement-port.js';
import type { FailSafeStatus } from './failSafe.js';

export type {
  AnyMessage,
  HookStatusView,
  MessageKind,
  MessageOf,
  PublishFn,
  Readiness,
  SelfIdentity,
} from '../agreement-port.js';

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
export interface AgreementStatus extends PortStatus {
  threshold: number;
  failSafe: FailSafeStatus;
  /** How many breaches the pause machine holds open (of them automatic) and knows as resolved. */
  breaches: { open: number; openAuto: number; resolved: number };
}
