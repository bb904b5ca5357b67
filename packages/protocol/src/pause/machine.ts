import { breachIdOf } from '../breach.js';
import { toHex } from '../bytes.js';
import { LIMITS } from '../codec/limits.js';
import { stateAtHeight } from '../epoch.js';
import { evidenceHash, networkIdOf, resolvesDigest, resolvesProblem } from '../signing.js';
import type { Certificate, EvidenceKind, LabId, PauseState, SignedVote, Validation } from '../types.js';
import { validateCertificate } from '../validation/certificate.js';
import { validateEvidence } from '../validation/evidence.js';
import { ignore, memberById, OK } from '../validation/result.js';
import { validateVote } from '../validation/vote.js';
import { IdMap } from './idmap.js';
import type {
  OpenBreach,
  PauseConfig,
  PauseEffect,
  PauseEvent,
  PauseMachineState,
  PauseStepResult,
  PendingApproval,
} from './types.js';

/**
 * Pure pause state machine (docs/protocol.md "Pause state machine"): `(state, event, now) -> (state, effects)`.
 * The node executes effects (sign + persist + publish a vote, recover, persist + apply a certificate).
 */

export interface CreatePauseOptions extends Partial<Omit<PauseConfig, 'genesis'>> {
  /** Last applied certificate from the store (restores height/state after a restart). */
  certificate?: Certificate | null;
  /** When the current state began (unix ms); default 0. */
  since?: number;
  /** Slashing-protection record: heights this member already signed. */
  signedHeights?: Iterable<[number, PauseState]>;
  /** Breaches from the node's store (restart): open ones, and ids resolved by certified resumes. */
  breaches?: {
    open?: Iterable<{ id: Uint8Array; kind: EvidenceKind; ref: Uint8Array }>;
    resolved?: Iterable<{ id: Uint8Array; height: number }>;
  };
}

const NO_APPROVAL: PendingApproval = { pause: new Set(), resume: null };

/** Initial state: height 0 RUNNING, or the state of the given last applied certificate and breaches. */
export function createPauseState(
  genesis: PauseConfig['genesis'],
  opts: CreatePauseOptions = {},
): PauseMachineState {
  const { certificate, since, signedHeights, networkId, breaches, ...rest } = opts;
  const auto = new Set<string>(genesis.policy.autoVote);
  let open = IdMap.empty<OpenBreach>();
  let autoOpen = 0;
  for (const b of breaches?.open ?? []) {
    const isAuto = auto.has(b.kind);
    open = open.set(toHex(b.id), { id: b.id, kind: b.kind, auto: isAuto, ref: b.ref });
    if (isAuto) autoOpen++;
  }
  let resolved = IdMap.empty<number>();
  for (const r of breaches?.resolved ?? []) {
    const key = toHex(r.id);
    resolved = resolved.set(key, r.height);
    const b = open.get(key);
    if (b !== undefined) {
      open = open.delete(key);
      if (b.auto) autoOpen--;
    }
  }
  return {
    config: { genesis, networkId: networkId ?? networkIdOf(genesis), ...rest },
    height: certificate?.height ?? 0,
    state: certificate?.target ?? 'RUNNING',
    since: since ?? 0,
    certificate: certificate ?? null,
    signedHeights: new Map(signedHeights ?? []),
    open,
    autoOpen,
    resolved,
    approval: NO_APPROVAL,
    votes: new Map(),
  };
}

/** Whether this member should sign the next statement now (P_SIGN_AUTO, P_SIGN_JUDGED, P_SIGN_RESUME). */
function decideSign(s: PauseMachineState): PauseEffect[] {
  const { config } = s;
  if (!config.self || !config.genesis.dkg || !memberById(config.genesis, config.self)) return [];
  const next = s.height + 1;
  const target = stateAtHeight(next);
  // Slashing protection: never a second statement for a height already signed.
  if (s.signedHeights.has(next)) return [];
  if (target === 'RUNNING') {
    const resolves = s.approval.resume;
    // A resume vote is signed only after the operator's approve event, with exactly the approved set.
    return resolves === null
      ? []
      : [
          {
            type: 'sign-vote',
            height: next,
            target,
            breaches: [],
            evidenceRefs: [],
            resolves: [...resolves],
          },
        ];
  }
  // A pause vote always acts on open breaches: auto kinds at once, judged ones once approved.
  let approvedOpen = false;
  for (const k of s.approval.pause) {
    if (s.open.has(k)) {
      approvedOpen = true;
      break;
    }
  }
  if (s.autoOpen === 0 && !approvedOpen) return [];
  // Walks the open set once per height (the sign is then recorded in signedHeights), in id order.
  const cited: OpenBreach[] = [];
  for (const [k, b] of s.open.entries()) {
    if (!b.auto && !s.approval.pause.has(k)) continue;
    cited.push(b);
    if (cited.length === LIMITS.voteBreaches) break;
  }
  return [
    {
      type: 'sign-vote',
      height: next,
      target,
      breaches: cited.map((b) => b.id),
      evidenceRefs: cited.map((b) => b.ref),
      resolves: [],
    },
  ];
}

/** Judged open breaches (ids, at most 16, ascending) that wait for the operator at the open height. */
function judgedWaiting(s: PauseMachineState): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (s.open.size === s.autoOpen) return out;
  for (const b of s.open.values()) {
    if (b.auto) continue;
    out.push(b.id);
    if (out.length === LIMITS.voteBreaches) break;
  }
  return out;
}

/** Record the effects' sign-vote heights in signedHeights so the machine itself never emits a second one. */
function withSigned(s: PauseMachineState, effects: PauseEffect[]): PauseMachineState {
  const signs = effects.filter((e) => e.type === 'sign-vote');
  if (signs.length === 0) return s;
  const signedHeights = new Map(s.signedHeights);
  for (const e of signs) signedHeights.set(e.height, e.target);
  return { ...s, signedHeights };
}

function result(
  state: PauseMachineState,
  effects: PauseEffect[],
  validation: Validation = OK,
): PauseStepResult {
  return { state: withSigned(state, effects), effects, validation };
}

/** Statement key of a vote at the open height (votes on different resolves sets sign different statements). */
function statementKey(sv: SignedVote): string {
  return toHex(resolvesDigest(sv.vote.target, sv.vote.resolves));
}

/** P_RECOVER: t or more votes on the statement `key` -> recover from them. */
function recoverEffect(s: PauseMachineState, key: string): PauseEffect[] {
  const t = s.config.genesis.threshold;
  const group = [...s.votes.values()].filter((v) => statementKey(v) === key);
  if (group.length < t) return [];
  const partials = group
    .map((v) => ({
      index: memberById(s.config.genesis, v.vote.voter)?.index ?? 0,
      voter: v.vote.voter,
      signature: v.vote.partial,
    }))
    .sort((a, b) => a.index - b.index);
  const first = group[0] as SignedVote;
  return [
    {
      type: 'recover',
      height: s.height + 1,
      target: stateAtHeight(s.height + 1),
      resolves: [...first.vote.resolves],
      partials,
    },
  ];
}

/** P_APPLY: the state after certificate `cert` (validated); a resume removes what it resolves from `open`. */
function applied(s: PauseMachineState, cert: Certificate, now: number): PauseMachineState {
  let open = s.open;
  let autoOpen = s.autoOpen;
  let resolved = s.resolved;
  for (const id of cert.resolves) {
    const key = toHex(id);
    const b = open.get(key);
    if (b !== undefined) {
      open = open.delete(key);
      if (b.auto) autoOpen--;
    }
    resolved = resolved.set(key, cert.height);
  }
  return {
    ...s,
    height: cert.height,
    state: cert.target,
    since: now,
    certificate: cert,
    open,
    autoOpen,
    resolved,
    approval: NO_APPROVAL,
    votes: new Map(),
  };
}

/**
 * The height rules alone (V_STALE/V_FUTURE for votes, K_STALE/K_FUTURE for certificates), for a message
 * the caller validated earlier: the machine may have applied a certificate since.
 */
function heightRule(prefix: 'V' | 'K', height: number, current: number): Validation {
  if (height <= current) return ignore(`${prefix}_STALE`, `height ${height} <= current ${current}`);
  if (height > current + 1)
    return ignore(`${prefix}_FUTURE`, `height ${height} > current ${current} + 1: sync the gap first`);
  return OK;
}

/** Advance the machine by one event at time `now`. Pure. */
export function pauseStep(s: PauseMachineState, event: PauseEvent, now: number): PauseStepResult {
  const { config } = s;
  const base = {
    genesis: config.genesis,
    networkId: config.networkId,
    now,
    ...(config.clockSkewMs !== undefined ? { clockSkewMs: config.clockSkewMs } : {}),
  };
  switch (event.type) {
    case 'evidence': {
      const v = event.validated === true ? OK : validateEvidence(event.evidence, base);
      if (!v.ok) return result(s, [], v);
      const id = breachIdOf(event.evidence.evidence);
      const key = toHex(id);
      // [IGNORE] P_BREACH_RESOLVED: a certified resume named this breach; it never counts again.
      const at = s.resolved.get(key);
      if (at !== undefined)
        return result(s, [], ignore('P_BREACH_RESOLVED', `breach ${key} was resolved at height ${at}`));
      // [IGNORE] P_BREACH_OPEN: the breach is already held (other evidence proved it first).
      if (s.open.has(key)) return result(s, [], ignore('P_BREACH_OPEN', `breach ${key} is already open`));
      const kind = event.evidence.evidence.kind;
      const auto = config.genesis.policy.autoVote.includes(kind);
      const next: PauseMachineState = {
        ...s,
        open: s.open.set(key, { id, kind, auto, ref: evidenceHash(event.evidence) }),
        autoOpen: s.autoOpen + (auto ? 1 : 0),
      };
      // While PAUSED the breach stands (it stays open through the resume unless the resume names it).
      if (s.state === 'PAUSED') return result(next, []);
      const sign = decideSign(next);
      if (sign.length > 0) return result(next, sign);
      const needs: PauseEffect[] =
        !auto && config.self && !s.signedHeights.has(s.height + 1)
          ? [{ type: 'approval-needed', height: s.height + 1, target: 'PAUSED', breaches: [id] }]
          : [];
      return result(next, needs);
    }
    case 'approve': {
      if (event.height !== s.height + 1 || event.target !== stateAtHeight(event.height))
        return result(
          s,
          [],
          ignore('P_APPROVAL_HEIGHT', `only ${s.height + 1}:${stateAtHeight(s.height + 1)} can be approved`),
        );
      const keys = event.breaches.map(toHex);
      for (const k of keys) {
        const at = s.resolved.get(k);
        if (at !== undefined)
          return result(s, [], ignore('P_BREACH_RESOLVED', `breach ${k} was resolved at height ${at}`));
      }
      let approval: PendingApproval;
      if (event.target === 'PAUSED') {
        approval = { pause: new Set([...s.approval.pause, ...keys]), resume: s.approval.resume };
      } else {
        const problem = resolvesProblem(event.breaches);
        if (problem !== null) return result(s, [], ignore('P_APPROVAL_RESOLVES', problem));
        approval = { pause: s.approval.pause, resume: [...event.breaches] };
      }
      const next = { ...s, approval };
      return result(next, decideSign(next));
    }
    case 'vote': {
      const voter: LabId = event.vote.vote.voter;
      // A voter counts once per height, whatever envelope or statement its vote came in; checked before
      // the pairing (cheap first). A second statement by one voter is a double sign, never counted.
      if (event.vote.vote.height === s.height + 1 && s.votes.has(voter))
        return result(s, [], ignore('P_DUPLICATE_VOTE', `${voter} already voted for height ${s.height + 1}`));
      const v =
        event.validated === true
          ? heightRule('V', event.vote.vote.height, s.height)
          : validateVote(event.vote, {
              ...base,
              currentHeight: s.height,
              ...(config.verifyPartial ? { verifyPartial: config.verifyPartial } : {}),
            });
      if (!v.ok) return result(s, [], v);
      const next = { ...s, votes: new Map(s.votes).set(voter, event.vote) };
      return result(next, recoverEffect(next, statementKey(event.vote)));
    }
    case 'certificate': {
      const cert = event.certificate;
      const v =
        event.validated === true
          ? heightRule('K', cert.height, s.height)
          : validateCertificate(cert, {
              genesis: config.genesis,
              networkId: config.networkId,
              currentHeight: s.height,
              ...(config.blsVerify ? { blsVerify: config.blsVerify } : {}),
            });
      if (!v.ok) return result(s, [], v);
      const next = applied(s, cert, now);
      const effects: PauseEffect[] = [{ type: 'apply', certificate: cert }];
      if (event.local) effects.push({ type: 'publish-certificate', certificate: cert });
      if (cert.target === 'RUNNING') {
        // P_REPAUSE: breaches the resume did not name are still open: a new pause by policy.
        const sign = decideSign(next);
        effects.push(...sign);
        const waiting = sign.length === 0 && config.self ? judgedWaiting(next) : [];
        if (waiting.length > 0 && !next.signedHeights.has(next.height + 1))
          effects.push({
            type: 'approval-needed',
            height: next.height + 1,
            target: 'PAUSED',
            breaches: waiting,
          });
      }
      return result(next, effects);
    }
  }
}

export interface PauseStatus {
  height: number;
  state: PauseState;
  since: number;
  /** Valid votes for height+1, one entry per statement (a split resume shows as several). */
  pendingVotes: {
    height: number;
    target: PauseState;
    /** Breach ids (hex) the statement resolves (RUNNING); empty for PAUSED. */
    resolves: string[];
    voters: LabId[];
    needed: number;
  }[];
  approvals: { height: number; target: PauseState; approved: boolean; breaches: string[] }[];
  breaches: { open: number; openAuto: number; resolved: number };
}

/** Summary for the status API (/v1/status pendingVotes and approvals). */
export function pauseStatus(s: PauseMachineState): PauseStatus {
  const height = s.height + 1;
  const target = stateAtHeight(height);
  const groups = new Map<string, { resolves: string[]; voters: LabId[] }>();
  for (const v of s.votes.values()) {
    const key = statementKey(v);
    const g = groups.get(key) ?? { resolves: v.vote.resolves.map(toHex), voters: [] };
    g.voters.push(v.vote.voter);
    groups.set(key, g);
  }
  const approved = target === 'RUNNING' ? s.approval.resume !== null : s.approval.pause.size > 0;
  const approvedIds =
    target === 'RUNNING' ? (s.approval.resume ?? []).map(toHex) : [...s.approval.pause].sort();
  return {
    height: s.height,
    state: s.state,
    since: s.since,
    pendingVotes: [...groups.values()].map((g) => ({
      height,
      target,
      resolves: g.resolves,
      voters: g.voters,
      needed: s.config.genesis.threshold,
    })),
    approvals: [{ height, target, approved, breaches: approvedIds }],
    breaches: { open: s.open.size, openAuto: s.autoOpen, resolved: s.resolved.size },
  };
}
