/**
 * Why the network is in its state, and what the latest figures mean after a resume. Pure: from the
 * status (open breaches), the certificate chain (what each resume resolved) and the evidence list.
 */
import type {
  CertificateJson,
  CommitmentJson,
  EvidenceJson,
  OpenBreachJson,
  PauseState,
  StatusJson,
} from './api.js';
import { describeEvidence, type EvidenceView } from './model.js';

/** One breach as the page names it. */
export interface BreachLine {
  id: string;
  kind: string;
  lab: string;
  epoch: number | null;
  /** What the evidence shows ("over the Training FLOP cap"), when this node holds the evidence. */
  detail: string | null;
}

export type StateReason =
  | {
      /** PAUSED or REDUCED: the open breaches a step-up certificate acted on, and those opened since. */
      kind: 'paused';
      actedOn: BreachLine[];
      openedSince: BreachLine[];
      /** Open breaches beyond those listed (the status lists at most 100). */
      unlisted: number;
      /** False when the node does not report breaches (an older node): the reason is unknown here. */
      known: boolean;
    }
  | {
      /** RUNNING after a resume (a step down): what its certificate resolved (signed), and what is still open. */
      kind: 'resumed';
      height: number;
      resolved: BreachLine[];
      stillOpen: BreachLine[];
    }
  | {
      /** RUNNING since genesis; open breaches have not (yet) led to a certified pause. */
      kind: 'running';
      stillOpen: BreachLine[];
    };

function byBreach(evidence: EvidenceJson[]): Map<string, EvidenceView> {
  const m = new Map<string, EvidenceView>();
  for (const e of evidence) {
    const v = describeEvidence(e);
    if (v.breach && !m.has(v.breach)) m.set(v.breach, v);
  }
  return m;
}

function lineOfOpen(b: OpenBreachJson, views: Map<string, EvidenceView>): BreachLine {
  return { id: b.id, kind: b.kind, lab: b.lab, epoch: b.epoch, detail: views.get(b.id)?.what ?? null };
}

function lineOfId(id: string, views: Map<string, EvidenceView>): BreachLine {
  const v = views.get(id);
  return v
    ? { id, kind: v.kind, lab: v.subject, epoch: v.epoch, detail: v.what }
    : { id, kind: 'breach', lab: '—', epoch: null, detail: null };
}

/** The reason shown in the state banner (docs/protocol.md "Breach identity", "Approvals"). */
export function stateReason(
  status: StatusJson,
  current: CertificateJson | null,
  evidence: EvidenceJson[],
): StateReason {
  const views = byBreach(evidence);
  const open = status.breaches?.open ?? [];
  const unlisted = Math.max(0, (status.breaches?.openCount ?? open.length) - open.length);
  if (status.state !== 'RUNNING') {
    // acted_on_height is set on every breach open when a step-up certificate is applied: those are the
    // reason for the level; a breach with none arrived while the network was already held there.
    return {
      kind: 'paused',
      actedOn: open.filter((b) => b.actedOnHeight !== null).map((b) => lineOfOpen(b, views)),
      openedSince: open.filter((b) => b.actedOnHeight === null).map((b) => lineOfOpen(b, views)),
      unlisted,
      known: status.breaches !== undefined,
    };
  }
  const stillOpen = open.map((b) => lineOfOpen(b, views));
  if (status.height > 0 && current && isStepDown(current))
    return {
      kind: 'resumed',
      height: current.height,
      resolved: (current.resolves ?? []).map((id) => lineOfId(id, views)),
      stillOpen,
    };
  return { kind: 'running', stillOpen };
}

/** A de-escalation (PAUSED -> REDUCED/RUNNING, REDUCED -> RUNNING): the certificates that resolve breaches. */
function isStepDown(c: CertificateJson): boolean {
  return c.step === 'down' || c.target === 'RUNNING';
}

/** Breach id -> height of the step-down certificate that resolved it (its `resolves` is signed). */
export function resolvedHeights(certs: CertificateJson[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of [...certs].sort((a, b) => a.height - b.height))
    if (isStepDown(c)) for (const id of c.resolves ?? []) if (!m.has(id)) m.set(id, c.height);
  return m;
}

/** Where a lab's latest commitment stands relative to the current epoch and the certificate chain. */
export interface CommitmentContext {
  /** The commitment is for the epoch the clock is in now. */
  currentEpoch: boolean;
  /** A step-down certificate this node saw after the commitment (the figures predate it), else null. */
  beforeResumeAt: number | null;
  /** The level that step went down to (RUNNING: a resume). */
  resumedTo: PauseState | null;
  /** A breach this commitment proves was resolved by the step down at this height, else null. */
  resolvedAt: number | null;
}

/** Context for the figures of `latest` (a lab's newest commitment). */
export function commitmentContext(
  latest: CommitmentJson,
  nowEpoch: number,
  certs: CertificateJson[],
  evidence: EvidenceJson[],
): CommitmentContext {
  const seenAt = latest.firstSeenAt ?? latest.issuedAt;
  const resume = [...certs]
    .filter((c) => isStepDown(c) && (c.firstSeenAt ?? c.appliedAt ?? 0) > seenAt)
    .sort((a, b) => a.height - b.height)[0];
  const resolved = resolvedHeights(certs);
  let resolvedAt: number | null = null;
  for (const e of evidence) {
    const v = describeEvidence(e);
    if (v.subject !== latest.lab || v.epoch !== latest.epoch || !v.breach) continue;
    const at = resolved.get(v.breach);
    if (at !== undefined && (resolvedAt === null || at < resolvedAt)) resolvedAt = at;
  }
  return {
    currentEpoch: latest.epoch === nowEpoch,
    beforeResumeAt: resume?.height ?? null,
    resumedTo: resume?.target ?? null,
    resolvedAt,
  };
}
