// Over 400 lines on purpose: the pause state machine (docs/protocol.md "Pause state machine") is one pure
// transition function over one state; splitting its event handlers apart would hide the invariants they share.
import { breachIdOf, breachKeyOf } from '../breach.js';
import { toHex } from '../bytes.js';
import { LIMITS } from '../codec/limits.js';
import { PAUSE_STATES } from '../codec/messages.js';
import { breachLevel, kindLevel, levelRank } from '../level.js';
import { evidenceHash, networkIdOf, resolvesDigest, resolvesProblem } from '../signing.js';
import type {
  Certificate,
  EvidenceKind,
  LabId,
  Level,
  PauseState,
  SignedVote,
  Statement,
  Step,
  Validation,
} from '../types.js';
import { certificateHeightRule, validateCertificate } from '../validation/certificate.js';
import { validateEvidence } from '../validation/evidence.js';
import { ignore, memberById, OK } from '../validation/result.js';
import { validateVote, voteHeightRule } from '../validation/vote.js';
import { IdMap } from './idmap.js';
import type {
  OpenBreach,
  PauseConfig,
  PauseEffect,
  PauseEvent,
  PauseMachineState,
  PauseStepResult,
  PendingApproval,
  SignedStatement,
} from './types.js';

/**
 * Pure pause state machine (docs/protocol.md "Pause state machine"): `(state, event, now) -> (state, effects)`.
 * The node executes effects (sign + persist + publish a vote, recover, persist + apply a certificate).
 *
 * Levels RUNNING < REDUCED < PAUSED. A height holds at most one step down (its first statement) and then
 * steps up in strictly increasing levels; the applied state is the highest level certified at the highest
 * certified height ("escalation dominates within a height").
 */

export interface CreatePauseOptions extends Partial<Omit<PauseConfig, 'genesis'>> {
  /** The applied certificate from the store (restores height/level after a restart). */
  certificate?: Certificate | null;
  /** When the current state began (unix ms); default 0. */
  since?: number;
  /** Slashing-protection record: the statements this member already signed. */
  signed?: Iterable<{ height: number; target: Level; step: Step; resolves?: readonly Uint8Array[] }>;
  /**
   * Breaches from the node's store (restart): open ones, and ids resolved by certified steps down. An open
   * breach without `level` gets its kind's level (policy.levels.kinds; a cap entry needs the level given).
   */
  breaches?: {
    open?: Iterable<{ id: Uint8Array; kind: EvidenceKind; ref: Uint8Array; level?: Level }>;
    resolved?: Iterable<{ id: Uint8Array; height: number }>;
  };
}

const NO_APPROVAL: PendingApproval = { up: new Set(), upHeight: 0, down: null };
const NO_IDS: ReadonlySet<string> = new Set();

type AutoCounts = PauseMachineState['autoOpen'];

function countAuto(c: AutoCounts, level: Level, delta: number): AutoCounts {
  if (level === 'RUNNING') return c;
  return { ...c, [level]: c[level] + delta };
}

/** Initial state: height 0 RUNNING, or the state of the given applied certificate and breaches. */
export function createPauseState(
  genesis: PauseConfig['genesis'],
  opts: CreatePauseOptions = {},
): PauseMachineState {
  const { certificate, since, signed, networkId, breaches, ...rest } = opts;
  const auto = new Set<string>(genesis.policy.autoVote);
  let open = IdMap.empty<OpenBreach>();
  let autoOpen: AutoCounts = { REDUCED: 0, PAUSED: 0 };
  for (const b of breaches?.open ?? []) {
    const isAuto = auto.has(b.kind);
    const level = b.level ?? kindLevel(genesis.policy, b.kind);
    const key = toHex(b.id);
    const old = open.get(key);
    if (old?.auto) autoOpen = countAuto(autoOpen, old.level, -1);
    open = open.set(key, { id: b.id, kind: b.kind, level, auto: isAuto, ref: b.ref });
    if (isAuto) autoOpen = countAuto(autoOpen, level, 1);
  }
  let resolved = IdMap.empty<number>();
  for (const r of breaches?.resolved ?? []) {
    const key = toHex(r.id);
    resolved = resolved.set(key, r.height);
    const b = open.get(key);
    if (b !== undefined) {
      open = open.delete(key);
      if (b.auto) autoOpen = countAuto(autoOpen, b.level, -1);
    }
  }
  const record = new Map<number, SignedStatement[]>();
  for (const x of signed ?? []) {
    const list = record.get(x.height) ?? [];
    list.push({ target: x.target, step: x.step, resolves: [...(x.resolves ?? [])] });
    record.set(x.height, list);
  }
  return {
    config: { genesis, networkId: networkId ?? networkIdOf(genesis), ...rest },
    height: certificate?.height ?? 0,
    state: certificate?.target ?? 'RUNNING',
    step: certificate?.step ?? null,
    since: since ?? 0,
    certificate: certificate ?? null,
    signed: record,
    open,
    autoOpen,
    resolved,
    approval: NO_APPROVAL,
    votes: new Map(),
  };
}

/**
 * The height at which this state escalates (P_ESCALATION_HEIGHT): the applied height when the applied
 * certificate is a step up (further escalations join it), else the next height (after a step down, or at
 * genesis). A step down always goes to the next height.
 */
export function escalationHeight(s: Pick<PauseMachineState, 'height' | 'step'>): number {
  return s.step === 'up' ? s.height : s.height + 1;
}

/** Outcome of the slashing-protection rule for one statement at one height. */
export type SigningCheck =
  | { kind: 'new' }
  /** This exact statement was signed before: re-send it, never re-sign. */
  | { kind: 'same' }
  | { kind: 'refused'; code: 'P_LEVEL_ORDER' | 'P_DOWN_NOT_FIRST'; detail: string };

const sameIds = (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean =>
  a.length === b.length && a.every((x, i) => toHex(x) === toHex(b[i] as Uint8Array));

/**
 * P_NO_DOUBLE_SIGN (docs/protocol.md "Levels"): at one height a member signs at most one step down, and only
 * as its first statement there; every later statement is a step up to a level strictly above every level it
 * signed at that height. `record` is what it signed at the statement's height. Pure: the node's
 * slashing-protection table applies the same rule.
 */
export function checkSigning(record: readonly SignedStatement[], st: SignedStatement): SigningCheck {
  for (const r of record)
    if (r.target === st.target && r.step === st.step && sameIds(r.resolves, st.resolves))
      return { kind: 'same' };
  if (record.length === 0) return { kind: 'new' };
  if (st.step === 'down')
    return {
      kind: 'refused',
      code: 'P_DOWN_NOT_FIRST',
      detail: `a step down is only ever the first statement a member signs at a height (already signed ${record.map((r) => `${r.step} ${r.target}`).join(', ')})`,
    };
  const top = Math.max(...record.map((r) => levelRank(r.target)));
  if (levelRank(st.target) <= top)
    return {
      kind: 'refused',
      code: 'P_LEVEL_ORDER',
      detail: `levels signed at one height strictly increase: ${st.target} is not above ${PAUSE_STATES[top]}`,
    };
  return { kind: 'new' };
}

/** The level every step up at the escalation height must exceed: the applied level and whatever this member signed there. */
function baseRank(s: PauseMachineState, height: number): number {
  let base = levelRank(s.state);
  for (const r of s.signed.get(height) ?? []) base = Math.max(base, levelRank(r.target));
  return base;
}

function isSigner(s: PauseMachineState): boolean {
  const { config } = s;
  return (
    config.self !== undefined &&
    config.genesis.dkg !== undefined &&
    memberById(config.genesis, config.self) !== undefined
  );
}

function approvedUp(s: PauseMachineState, height: number): ReadonlySet<string> {
  return s.approval.upHeight === height ? s.approval.up : NO_IDS;
}

/**
 * P_SIGN_UP: whether this member should sign a step up now, and to which level. The level is the highest
 * level of the open breaches it may act on (automatic kinds, and judged ones its operator approved for that
 * height), if that exceeds the applied level and everything it signed at the escalation height. The vote
 * cites the open breaches of that level, ascending by id, at most 16. Breaches its own step down at that
 * height resolves are not cited (the member already asked to resolve them).
 */
function decideUp(s: PauseMachineState): PauseEffect[] {
  if (!isSigner(s)) return [];
  const height = escalationHeight(s);
  const base = baseRank(s, height);
  if (base >= 2) return [];
  const approved = approvedUp(s, height);
  // An upper bound of the reachable level from counters and the (small) approved set, so that an
  // evidence event that changes nothing never walks the open breaches.
  let bound = s.autoOpen.PAUSED > 0 ? 2 : s.autoOpen.REDUCED > 0 ? 1 : 0;
  if (bound < 2)
    for (const k of approved) {
      const b = s.open.get(k);
      if (b !== undefined) bound = Math.max(bound, levelRank(b.level));
    }
  if (bound <= base) return [];
  const excluded = new Set<string>();
  for (const r of s.signed.get(height) ?? [])
    if (r.step === 'down') for (const id of r.resolves) excluded.add(toHex(id));
  const byRank: OpenBreach[][] = [[], [], []];
  let top = base;
  for (const [k, b] of s.open.entries()) {
    if (!b.auto && !approved.has(k)) continue;
    if (excluded.has(k)) continue;
    const r = levelRank(b.level);
    if (r <= base) continue;
    const list = byRank[r] as OpenBreach[];
    if (list.length < LIMITS.voteBreaches) list.push(b);
    top = Math.max(top, r);
    // Nothing can exceed the bound: stop once its list is full.
    if (excluded.size === 0 && top === bound && list.length === LIMITS.voteBreaches && r === bound) break;
  }
  if (top <= base) return [];
  const cited = byRank[top] as OpenBreach[];
  return [
    {
      type: 'sign-vote',
      height,
      target: PAUSE_STATES[top] as Level,
      step: 'up',
      breaches: cited.map((b) => b.id),
      evidenceRefs: cited.map((b) => b.ref),
      resolves: [],
    },
  ];
}

/** P_SIGN_DOWN: sign the approved step down unless the slashing rule refuses it. */
function decideDown(s: PauseMachineState): { effects: PauseEffect[]; validation: Validation } {
  const down = s.approval.down;
  if (down === null || !isSigner(s)) return { effects: [], validation: OK };
  const st: SignedStatement = { target: down.target, step: 'down', resolves: down.resolves };
  const c = checkSigning(s.signed.get(down.height) ?? [], st);
  if (c.kind === 'refused') return { effects: [], validation: ignore(c.code, c.detail) };
  if (c.kind === 'same') return { effects: [], validation: OK };
  return {
    effects: [
      {
        type: 'sign-vote',
        height: down.height,
        target: down.target,
        step: 'down',
        breaches: [],
        evidenceRefs: [],
        resolves: [...down.resolves],
      },
    ],
    validation: OK,
  };
}

/** Judged open breaches above the escalation base that wait for the operator (ids, at most 16, ascending). */
function judgedWaiting(s: PauseMachineState): PauseEffect[] {
  if (!isSigner(s)) return [];
  const height = escalationHeight(s);
  const base = baseRank(s, height);
  const approved = approvedUp(s, height);
  const ids: Uint8Array[] = [];
  let top = 0;
  for (const [k, b] of s.open.entries()) {
    if (b.auto || approved.has(k) || levelRank(b.level) <= base) continue;
    ids.push(b.id);
    top = Math.max(top, levelRank(b.level));
    if (ids.length === LIMITS.voteBreaches) break;
  }
  if (ids.length === 0) return [];
  return [{ type: 'approval-needed', height, target: PAUSE_STATES[top] as Level, step: 'up', breaches: ids }];
}

/** Record the effects' statements in `signed` so the machine itself never signs against its own rule. */
function withSigned(s: PauseMachineState, effects: PauseEffect[]): PauseMachineState {
  const signs = effects.filter((e) => e.type === 'sign-vote');
  if (signs.length === 0) return s;
  const signed = new Map(s.signed);
  for (const e of signs)
    signed.set(e.height, [
      ...(signed.get(e.height) ?? []),
      { target: e.target, step: e.step, resolves: e.resolves },
    ]);
  return { ...s, signed };
}

function result(
  state: PauseMachineState,
  effects: PauseEffect[],
  validation: Validation = OK,
): PauseStepResult {
  return { state: withSigned(state, effects), effects, validation };
}

/** Key of the statement a vote or certificate signs: votes on different statements never combine. */
export function statementKey(st: Pick<Statement, 'height' | 'target' | 'step' | 'resolves'>): string {
  return `${st.height}:${st.target}:${toHex(resolvesDigest(st.step, st.resolves))}`;
}

function voteKey(sv: SignedVote): string {
  return `${sv.vote.height}:${sv.vote.target}:${sv.vote.voter}`;
}

/** Whether a vote is still in the open window of state `s`. */
function inWindow(s: PauseMachineState, sv: SignedVote): boolean {
  const v = sv.vote;
  if (v.height === s.height + 1) return true;
  return v.height === s.height && v.step === 'up' && levelRank(v.target) > levelRank(s.state);
}

/** P_RECOVER: t or more votes on the statement `key` -> recover from them. */
function recoverEffect(s: PauseMachineState, key: string): PauseEffect[] {
  const t = s.config.genesis.threshold;
  const group = [...s.votes.values()].filter((v) => statementKey(v.vote) === key);
  if (group.length < t) return [];
  const partials = group
    .map((v) => ({
      index: memberById(s.config.genesis, v.vote.voter)?.index ?? 0,
      voter: v.vote.voter,
      signature: v.vote.partial,
    }))
    .sort((a, b) => a.index - b.index);
  const first = (group[0] as SignedVote).vote;
  return [
    {
      type: 'recover',
      height: first.height,
      target: first.target,
      step: first.step,
      resolves: [...first.resolves],
      partials,
    },
  ];
}

/** Every statement in the window that already has t votes (after the window moved). */
function recoverAll(s: PauseMachineState): PauseEffect[] {
  const keys = new Set([...s.votes.values()].map((v) => statementKey(v.vote)));
  return [...keys].flatMap((k) => recoverEffect(s, k));
}

/** Mark `ids` resolved at `height`: they leave the open set for good. */
function resolve(s: PauseMachineState, ids: readonly Uint8Array[], height: number): PauseMachineState {
  let open = s.open;
  let autoOpen = s.autoOpen;
  let resolved = s.resolved;
  for (const id of ids) {
    const key = toHex(id);
    const b = open.get(key);
    if (b !== undefined) {
      open = open.delete(key);
      if (b.auto) autoOpen = countAuto(autoOpen, b.level, -1);
    }
    if (!resolved.has(key)) resolved = resolved.set(key, height);
  }
  return { ...s, open, autoOpen, resolved };
}

/** P_APPLY: the state after certificate `cert` (validated, dominating the applied state). */
function applied(s: PauseMachineState, cert: Certificate, now: number): PauseMachineState {
  const r = resolve(s, cert.resolves, cert.height);
  const next: PauseMachineState = {
    ...r,
    height: cert.height,
    state: cert.target,
    step: cert.step,
    since: now,
    certificate: cert,
  };
  // Judged approvals hold for the escalation height they were given for; a step down approval is spent.
  const upHeight = escalationHeight(next);
  const approval: PendingApproval =
    s.approval.upHeight === upHeight ? { ...s.approval, down: null } : NO_APPROVAL;
  const votes = new Map([...s.votes].filter(([, v]) => inWindow(next, v)));
  return { ...next, approval, votes };
}

/**
 * How a valid certificate relates to the applied state: it dominates it ('apply'), it is dominated but
 * resolves breaches not yet resolved ('dominated'), or it changes nothing (an ignore verdict).
 */
function classify(s: PauseMachineState, cert: Certificate): 'apply' | 'dominated' | Validation {
  if (cert.height > s.height) return 'apply';
  if (cert.height === s.height && levelRank(cert.target) > levelRank(s.state)) return 'apply';
  if (cert.height === s.height && cert.target === s.state && s.certificate !== null) {
    const same = statementKey(cert) === statementKey(s.certificate);
    // [IGNORE] K_CONFLICT: two statements certified at one (height, level) need a member that signed
    // both: the group's threshold assumption is broken. The first one applied is kept.
    if (!same)
      return ignore(
        'K_CONFLICT',
        `another statement is certified at height ${cert.height} level ${cert.target}: the threshold assumption is broken`,
      );
    return ignore('K_STALE', `height ${cert.height} ${cert.target} is the applied certificate`);
  }
  // [IGNORE] K_STALE: dominated by the applied (height, level) and resolves nothing new.
  if (cert.step === 'down' && cert.resolves.some((id) => !s.resolved.has(toHex(id)))) return 'dominated';
  return ignore(
    'K_STALE',
    `height ${cert.height} ${cert.target} is dominated by the applied height ${s.height} ${s.state} and resolves nothing new`,
  );
}

/**
 * K_STALE / K_CONFLICT of a certificate against this state (null: it applies, or is dominated and only
 * recorded): the state rule a node runs before storing a certificate, without the signature check.
 */
export function certificateStaleRule(s: PauseMachineState, cert: Certificate): Validation | null {
  const k = classify(s, cert);
  return typeof k === 'string' ? null : k;
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
      const ev = event.evidence.evidence;
      const id = breachIdOf(ev);
      const key = toHex(id);
      // [IGNORE] P_BREACH_RESOLVED: a certified step down named this breach; it never counts again.
      const at = s.resolved.get(key);
      if (at !== undefined)
        return result(s, [], ignore('P_BREACH_RESOLVED', `breach ${key} was resolved at height ${at}`));
      // [IGNORE] P_BREACH_OPEN: the breach is already held (other evidence proved it first).
      if (s.open.has(key)) return result(s, [], ignore('P_BREACH_OPEN', `breach ${key} is already open`));
      const kind = ev.kind;
      const auto = config.genesis.policy.autoVote.includes(kind);
      const level = breachLevel(config.genesis.policy, breachKeyOf(ev));
      const next: PauseMachineState = {
        ...s,
        open: s.open.set(key, { id, kind, level, auto, ref: evidenceHash(event.evidence) }),
        autoOpen: auto ? countAuto(s.autoOpen, level, 1) : s.autoOpen,
      };
      const sign = decideUp(next);
      if (sign.length > 0) return result(next, sign);
      // P_SIGN_JUDGED: a judged breach above the level this member could sign waits for its operator.
      const height = escalationHeight(next);
      const needs: PauseEffect[] =
        !auto && isSigner(next) && levelRank(level) > baseRank(next, height)
          ? [{ type: 'approval-needed', height, target: level, step: 'up', breaches: [id] }]
          : [];
      return result(next, needs);
    }
    case 'approve': {
      const keys = event.breaches.map(toHex);
      for (const k of keys) {
        const at = s.resolved.get(k);
        if (at !== undefined)
          return result(s, [], ignore('P_BREACH_RESOLVED', `breach ${k} was resolved at height ${at}`));
      }
      if (event.step === 'up') {
        const height = escalationHeight(s);
        // [IGNORE] P_APPROVAL_HEIGHT: judged breaches are approved for the escalation height.
        if (event.height !== height)
          return result(
            s,
            [],
            ignore('P_APPROVAL_HEIGHT', `escalations are approved at height ${height}, not ${event.height}`),
          );
        const up = new Set([...approvedUp(s, height), ...keys]);
        const next = { ...s, approval: { ...s.approval, up, upHeight: height } };
        return result(next, decideUp(next));
      }
      // [IGNORE] P_APPROVAL_HEIGHT: a step down goes to the next height, to a level below the applied one.
      if (event.height !== s.height + 1)
        return result(
          s,
          [],
          ignore(
            'P_APPROVAL_HEIGHT',
            `a step down is approved at height ${s.height + 1}, not ${event.height}`,
          ),
        );
      if (levelRank(event.target) >= levelRank(s.state))
        return result(
          s,
          [],
          ignore(
            'P_APPROVAL_TARGET',
            `a step down from ${s.state} goes to a lower level, not ${event.target}`,
          ),
        );
      // [IGNORE] P_APPROVAL_RESOLVES: ≤ 64 ids, strictly ascending.
      const problem = resolvesProblem(event.breaches);
      if (problem !== null) return result(s, [], ignore('P_APPROVAL_RESOLVES', problem));
      const next: PauseMachineState = {
        ...s,
        approval: {
          ...s.approval,
          down: { height: event.height, target: event.target, resolves: [...event.breaches] },
        },
      };
      const d = decideDown(next);
      return result(next, d.effects, d.validation);
    }
    case 'vote': {
      const sv = event.vote;
      // A voter counts once per (height, level), whatever envelope or statement its vote came in; checked
      // before the pairing (cheap first). A second statement at one (height, level) is a double sign.
      if (s.votes.has(voteKey(sv)))
        return result(
          s,
          [],
          ignore(
            'P_DUPLICATE_VOTE',
            `${sv.vote.voter} already voted ${sv.vote.target} at height ${sv.vote.height}`,
          ),
        );
      const v =
        event.validated === true
          ? voteHeightRule(sv.vote, s.height, s.state)
          : validateVote(sv, {
              ...base,
              currentHeight: s.height,
              currentLevel: s.state,
              ...(config.verifyPartial ? { verifyPartial: config.verifyPartial } : {}),
            });
      if (!v.ok) return result(s, [], v);
      const next = { ...s, votes: new Map(s.votes).set(voteKey(sv), sv) };
      return result(next, recoverEffect(next, statementKey(sv.vote)));
    }
    case 'certificate': {
      const cert = event.certificate;
      const stale = (c: Certificate) => certificateStaleRule(s, c);
      const v =
        event.validated === true
          ? certificateHeightRule(cert, { currentHeight: s.height, stale })
          : validateCertificate(cert, {
              genesis: config.genesis,
              networkId: config.networkId,
              currentHeight: s.height,
              stale,
              ...(config.blsVerify ? { blsVerify: config.blsVerify } : {}),
            });
      if (!v.ok) return result(s, [], v);
      const publish: PauseEffect[] = event.local ? [{ type: 'publish-certificate', certificate: cert }] : [];
      if (classify(s, cert) === 'dominated') {
        // P_DOMINATED: keep what it resolves (the resolved set is the same whatever the order of arrival).
        const next = resolve(s, cert.resolves, cert.height);
        return result(next, [{ type: 'record-dominated', certificate: cert }, ...publish]);
      }
      const next = applied(s, cert, now);
      const effects: PauseEffect[] = [{ type: 'apply', certificate: cert }, ...publish];
      // P_REESCALATE: breaches a step down did not name are still open; an open breach above the new
      // level leads to a step up by policy (automatic kinds at once, judged ones after a new approval).
      const sign = decideUp(next);
      effects.push(...sign);
      if (sign.length === 0) effects.push(...judgedWaiting(next));
      effects.push(...recoverAll(next));
      return result(next, effects);
    }
  }
}

export interface PauseStatus {
  height: number;
  state: PauseState;
  step: Step | null;
  since: number;
  /** Valid votes in the open window, one entry per statement (a split step down shows as several). */
  pendingVotes: {
    height: number;
    target: PauseState;
    step: Step;
    /** Breach ids (hex) the statement resolves (step down); empty for a step up. */
    resolves: string[];
    voters: LabId[];
    needed: number;
  }[];
  /** What the operator can approve: escalations (while below PAUSED) and a step down (while above RUNNING). */
  approvals: { height: number; target: PauseState; step: Step; approved: boolean; breaches: string[] }[];
  breaches: { open: number; openAuto: number; resolved: number };
}

/** Summary for the status API (/v1/status pendingVotes and approvals). */
export function pauseStatus(s: PauseMachineState): PauseStatus {
  const groups = new Map<string, PauseStatus['pendingVotes'][number]>();
  for (const sv of s.votes.values()) {
    const v = sv.vote;
    const key = statementKey(v);
    const g = groups.get(key) ?? {
      height: v.height,
      target: v.target,
      step: v.step,
      resolves: v.resolves.map(toHex),
      voters: [],
      needed: s.config.genesis.threshold,
    };
    g.voters.push(v.voter);
    groups.set(key, g);
  }
  const approvals: PauseStatus['approvals'] = [];
  if (s.state !== 'PAUSED') {
    const height = escalationHeight(s);
    const ids = [...approvedUp(s, height)].sort();
    // The level the approved breaches held here lead to; PAUSED (the highest) when none is held yet.
    let top = -1;
    for (const k of ids) {
      const b = s.open.get(k);
      if (b !== undefined) top = Math.max(top, levelRank(b.level));
    }
    const target = top > levelRank(s.state) ? (PAUSE_STATES[top] as Level) : 'PAUSED';
    approvals.push({ height, target, step: 'up', approved: ids.length > 0, breaches: ids });
  }
  if (s.state !== 'RUNNING') {
    const d = s.approval.down;
    approvals.push({
      height: s.height + 1,
      target: d?.target ?? 'RUNNING',
      step: 'down',
      approved: d !== null,
      breaches: (d?.resolves ?? []).map(toHex),
    });
  }
  return {
    height: s.height,
    state: s.state,
    step: s.step,
    since: s.since,
    pendingVotes: [...groups.values()].sort((a, b) => a.height - b.height),
    approvals,
    breaches: {
      open: s.open.size,
      openAuto: s.autoOpen.REDUCED + s.autoOpen.PAUSED,
      resolved: s.resolved.size,
    },
  };
}
