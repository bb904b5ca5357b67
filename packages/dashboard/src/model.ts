/** Pure derivations from API data to what the page shows. No DOM, no clock: `now` comes in. */
import { commitmentDeadline, epochAt as protocolEpochAt } from '@pausenet/protocol/browser';
import type {
  CertificateJson,
  CommitmentJson,
  EvidenceJson,
  GenesisJson,
  HookStatusJson,
  PauseState,
  StatusJson,
} from './api.js';
import { capRatio } from './format.js';

export const CAP_NAMES = ['trainingFlop', 'largestRunFlop', 'maxParams', 'datasetTokens'] as const;
export type CapName = (typeof CAP_NAMES)[number];

export const CAP_LABELS: Record<CapName, string> = {
  trainingFlop: 'Training FLOP',
  largestRunFlop: 'Largest run FLOP',
  maxParams: 'Max parameters',
  datasetTokens: 'Dataset tokens',
};

type Policy = GenesisJson['policy'];

/**
 * Epoch containing time `now` (protocol's epochAt; -1 before genesis). The policy is API data the page
 * did not validate: a non-positive epoch length gives -1 too, never an endless epoch range.
 */
export function epochAt(policy: Policy, now: number): number {
  return policy.epochMs > 0 ? protocolEpochAt(policy, now) : -1;
}

/** Deadline for a lab's epoch-e commitment: start(e+1) + deadlineMs (protocol's commitmentDeadline). */
export const deadlineOf: (policy: Policy, epoch: number) => number = commitmentDeadline;

/**
 * The first epoch the network was running, as far as `window` (all commitments of epochs from..to) and
 * the status show: the earliest epoch any lab made its first commitment (seq 0) for. A lab's chain numbers
 * its commitments 0, 1, 2… with increasing epochs, so a lab whose earliest commitment in the window has
 * seq > 0 (or that has a last commitment but none in the window) committed before the window: the network
 * was running before it (-Infinity). No commitment from any lab: it is not running yet (+Infinity).
 * Epochs before this are not "missed": genesisTime may lie long before the members started.
 */
export function networkFirstEpoch(
  status: Pick<StatusJson, 'labs'> | null,
  commitments: CommitmentJson[],
  window: { from: number; to: number },
): number {
  let first = Number.POSITIVE_INFINITY;
  const earliest = new Map<string, CommitmentJson>();
  for (const c of commitments) {
    if (c.epoch < window.from || c.epoch > window.to) continue;
    const e = earliest.get(c.lab);
    if (!e || c.seq < e.seq) earliest.set(c.lab, c);
  }
  for (const c of earliest.values())
    first = Math.min(first, c.seq === 0 ? c.epoch : Number.NEGATIVE_INFINITY);
  for (const l of status?.labs ?? [])
    if (l.lastCommitment && !earliest.has(l.id))
      first = Math.min(
        first,
        l.lastCommitment.epoch < window.from ? Number.NEGATIVE_INFINITY : l.lastCommitment.epoch,
      );
  return first;
}

/**
 * Epochs in [from, to] whose deadline has passed at `now` and for which `lab` has no commitment, from
 * `firstEpoch` on (the network's first committed epoch, networkFirstEpoch: earlier epochs are not missed).
 */
export function missedEpochs(
  policy: Policy,
  commitments: CommitmentJson[],
  lab: string,
  from: number,
  to: number,
  now: number,
  firstEpoch = 0,
): number[] {
  const have = new Set(commitments.filter((c) => c.lab === lab).map((c) => c.epoch));
  const out: number[] = [];
  for (let e = Math.max(0, from, firstEpoch); e <= to; e++) {
    if (!have.has(e) && deadlineOf(policy, e) < now) out.push(e);
  }
  return out;
}

export interface CapUse {
  cap: CapName;
  value: string;
  limit: string;
  ratio: number;
  over: boolean;
}

export interface MemberRow {
  id: string;
  name: string;
  connected: boolean;
  latest: CommitmentJson | null;
  caps: CapUse[];
  overCap: boolean;
  missed: number[];
}

/** One row per genesis member (in genesis order), merged with live status and recent commitments. */
export function memberRows(
  genesis: GenesisJson,
  status: StatusJson | null,
  commitments: CommitmentJson[],
  window: { from: number; to: number },
  now: number,
): MemberRow[] {
  const first = networkFirstEpoch(status, commitments, window);
  return [...genesis.members]
    .sort((a, b) => a.index - b.index)
    .map((m) => {
      const live = status?.labs.find((l) => l.id === m.id);
      const mine = commitments.filter((c) => c.lab === m.id);
      const newest = mine.reduce<CommitmentJson | null>(
        (a, c) => (a === null || c.seq > a.seq ? c : a),
        null,
      );
      const latest = pickLatest(live?.lastCommitment ?? null, newest);
      const caps: CapUse[] = CAP_NAMES.map((cap) => {
        const value = latest?.metrics[cap] ?? '0';
        const limit = genesis.policy.caps[cap];
        const ratio = capRatio(value, limit);
        return { cap, value, limit, ratio, over: latest !== null && ratio > 1 };
      });
      return {
        id: m.id,
        name: m.name,
        connected: live?.connected ?? false,
        latest,
        caps,
        overCap: caps.some((c) => c.over),
        missed: missedEpochs(genesis.policy, commitments, m.id, window.from, window.to, now, first),
      };
    });
}

function pickLatest(a: CommitmentJson | null, b: CommitmentJson | null): CommitmentJson | null {
  if (!a) return b;
  if (!b) return a;
  return b.seq > a.seq ? b : a;
}

export interface Series {
  lab: string;
  /** trainingFlop / cap per epoch; null where the lab has no commitment for that epoch. */
  points: { epoch: number; ratio: number | null; missed: boolean }[];
}

/** Per-lab series of a capped metric as a fraction of its cap over the epoch window. */
export function capSeries(
  genesis: GenesisJson,
  commitments: CommitmentJson[],
  cap: CapName,
  window: { from: number; to: number },
  now: number,
  first = 0,
): Series[] {
  return [...genesis.members]
    .sort((a, b) => a.index - b.index)
    .map((m) => {
      const byEpoch = new Map<number, CommitmentJson>();
      for (const c of commitments) {
        if (c.lab !== m.id) continue;
        const prev = byEpoch.get(c.epoch);
        if (!prev || c.seq > prev.seq) byEpoch.set(c.epoch, c);
      }
      const missed = new Set(
        missedEpochs(genesis.policy, commitments, m.id, window.from, window.to, now, first),
      );
      const points = [];
      for (let e = Math.max(0, window.from); e <= window.to; e++) {
        const c = byEpoch.get(e);
        points.push({
          epoch: e,
          ratio: c ? capRatio(c.metrics[cap], genesis.policy.caps[cap]) : null,
          missed: missed.has(e),
        });
      }
      return { lab: m.id, points };
    });
}

export interface EvidenceView {
  hash: string;
  /** Breach id it proves, when the node says (GET /v1/evidence `breach`). */
  breach: string | null;
  epoch: number | null;
  /** What it shows, without the epoch ("over the Training FLOP cap"). */
  what: string;
  kind: string;
  subject: string;
  reporter: string;
  issuedAt: number | null;
  detail: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
}

/** Lab a signed commitment JSON belongs to, whether nested ({commitment:{lab}}) or flat ({lab}). */
function commitmentLab(v: unknown): string | undefined {
  const o = obj(v);
  return str(o?.['lab']) ?? str(obj(o?.['commitment'])?.['lab']);
}

/** Normalise one GET /v1/evidence element (fields at top level or under `evidence`). */
export function describeEvidence(e: EvidenceJson): EvidenceView {
  const inner = obj(e.evidence) ?? {};
  const kind = str(e.kind) ?? str(inner['kind']) ?? 'unknown';
  const pick = (k: string): unknown => (k in inner ? inner[k] : e[k]);
  const subject =
    str(pick('subject')) ??
    str(pick('lab')) ??
    commitmentLab(pick('commitment')) ??
    commitmentLab(pick('a')) ??
    str(e['subjectLab']) ??
    '—';
  const signedEpoch = (v: unknown): number | undefined => num(obj(obj(v)?.['commitment'])?.['epoch']);
  const epoch = num(pick('epoch')) ?? signedEpoch(pick('commitment')) ?? signedEpoch(pick('a'));
  let detail = '';
  switch (kind) {
    case 'cap-exceeded':
      detail = `over the ${CAP_LABELS[pick('cap') as CapName] ?? String(pick('cap') ?? 'policy')} cap`;
      break;
    case 'equivocation':
      detail = 'two different signed commitments for one epoch';
      break;
    case 'missed':
      detail = `no commitment by the deadline${epoch !== undefined ? ` of epoch ${epoch}` : ''}`;
      break;
    case 'report':
      detail = str(pick('summary')) ?? 'report';
      break;
    default:
      detail = kind;
  }
  const what = detail;
  if (epoch !== undefined && kind !== 'missed') detail += ` (epoch ${epoch})`;
  return {
    hash: str(e.hash) ?? '',
    breach: str(e.breach) ?? null,
    epoch: epoch ?? null,
    what,
    kind,
    subject,
    reporter: str(e.reporter) ?? str(inner['reporter']) ?? '—',
    issuedAt: num(e.issuedAt) ?? num(inner['issuedAt']) ?? null,
    detail,
  };
}

export type TimelineStep =
  | { type: 'evidence'; at: number | null; evidence: EvidenceView }
  | { type: 'votes'; height: number; target: PauseState; voters: string[]; needed: number; done: boolean }
  | { type: 'certificate'; at: number | null; cert: CertificateJson }
  | { type: 'hooks'; height: number; hooks: HookStatusJson[] };

export interface Episode {
  height: number;
  target: PauseState;
  /** False for the transition still collecting votes. */
  certified: boolean;
  steps: TimelineStep[];
}

/**
 * Group what happened into episodes, one per transition (newest first): the evidence that led to a
 * pause, the votes (certificate signers, or pending voters), the certificate, and the hook runs.
 * Evidence is assigned to the first PAUSE that cannot have happened before it was filed (bounded by
 * the earliest known apply time of that or any later certificate; a pending pause is unbounded);
 * evidence no PAUSE can hold goes to the latest one.
 */
export function timeline(
  certs: CertificateJson[],
  evidence: EvidenceJson[],
  status: StatusJson | null,
  threshold: number,
): Episode[] {
  const sorted = [...certs].sort((a, b) => a.height - b.height);
  const certAt = (c: CertificateJson): number | null =>
    num(c.appliedAt) ?? num(c.firstSeenAt) ?? (status && c.height === status.height ? status.since : null);
  const episodes: Episode[] = sorted.map((c) => ({
    height: c.height,
    target: c.target,
    certified: true,
    steps: [],
  }));
  const pending = (status?.pendingVotes ?? []).filter((p) => !sorted.some((c) => c.height === p.height));
  const pendingEpisodes: Episode[] = pending.map((p) => ({
    height: p.height,
    target: p.target,
    certified: false,
    steps: [],
  }));
  const all = [...episodes, ...pendingEpisodes].sort((a, b) => a.height - b.height);
  const pauses = all.filter((ep) => ep.target === 'PAUSED');
  const views = evidence.map(describeEvidence).sort((a, b) => (a.issuedAt ?? 0) - (b.issuedAt ?? 0));
  // A transition at height h happened no later than the earliest known time of any certificate >= h.
  const bound = (height: number): number => {
    let b = Number.POSITIVE_INFINITY;
    for (const c of sorted) {
      const at = c.height >= height ? certAt(c) : null;
      if (at !== null && at < b) b = at;
    }
    return b;
  };
  for (const v of views) {
    const home =
      (v.issuedAt === null ? undefined : pauses.find((ep) => (v.issuedAt as number) <= bound(ep.height))) ??
      pauses[pauses.length - 1];
    home?.steps.push({ type: 'evidence', at: v.issuedAt, evidence: v });
  }
  for (const ep of all) {
    const c = sorted.find((x) => x.height === ep.height);
    if (c) {
      ep.steps.push({
        type: 'votes',
        height: c.height,
        target: c.target,
        voters: c.signers,
        needed: threshold,
        done: true,
      });
      ep.steps.push({ type: 'certificate', at: certAt(c), cert: c });
    } else {
      const p = pending.find((x) => x.height === ep.height)!;
      ep.steps.push({
        type: 'votes',
        height: p.height,
        target: p.target,
        voters: p.voters,
        needed: p.needed,
        done: false,
      });
    }
    const hooks = (status?.hooks ?? []).filter((h) => h.height === ep.height);
    if (hooks.length) ep.steps.push({ type: 'hooks', height: ep.height, hooks });
  }
  return all.reverse();
}
