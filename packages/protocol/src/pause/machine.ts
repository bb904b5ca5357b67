import { toHex } from '../bytes.js';
import { LIMITS } from '../codec/limits.js';
import { stateAtHeight } from '../epoch.js';
import { evidenceHash, networkIdOf } from '../signing.js';
import type { Certificate, LabId, PauseState, Validation } from '../types.js';
import { validateCertificate } from '../validation/certificate.js';
import { validateEvidence } from '../validation/evidence.js';
import { ignore, memberById, OK } from '../validation/result.js';
import { validateVote } from '../validation/vote.js';
import type { PauseConfig, PauseEffect, PauseEvent, PauseMachineState, PauseStepResult } from './types.js';

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
}

/** Initial state: height 0 RUNNING, or the state of the given last applied certificate. */
export function createPauseState(
  genesis: PauseConfig['genesis'],
  opts: CreatePauseOptions = {},
): PauseMachineState {
  const { certificate, since, signedHeights, networkId, ...rest } = opts;
  return {
    config: { genesis, networkId: networkId ?? networkIdOf(genesis), ...rest },
    height: certificate?.height ?? 0,
    state: certificate?.target ?? 'RUNNING',
    since: since ?? 0,
    certificate: certificate ?? null,
    signedHeights: new Map(signedHeights ?? []),
    evidence: new Map(),
    spent: new Set(),
    approvals: new Set(),
    votes: new Map(),
  };
}

function approvalKey(height: number, target: PauseState): string {
  return `${height}:${target}`;
}

/** Whether this member should sign the next statement now, and with which evidence refs. */
function decideSign(s: PauseMachineState): PauseEffect[] {
  const { config } = s;
  if (!config.self || !config.genesis.dkg || !memberById(config.genesis, config.self)) return [];
  const next = s.height + 1;
  const target = stateAtHeight(next);
  // Slashing protection: never a second statement for a height already signed.
  if (s.signedHeights.has(next)) return [];
  const approved = s.approvals.has(approvalKey(next, target));
  if (target === 'RUNNING') {
    // v1: a resume vote is signed only after the operator's approve event.
    return approved ? [{ type: 'sign-vote', height: next, target, evidenceRefs: [] }] : [];
  }
  const all = [...s.evidence.values()];
  // A pause vote always cites validated evidence: an operator's approval alone cannot pause.
  if (all.length === 0) return [];
  const auto = all.some((e) => e.auto);
  if (!auto && !approved) return [];
  const evidenceRefs = all
    .map((e) => e.ref)
    .sort((a, b) => toHex(a).localeCompare(toHex(b)))
    .slice(0, LIMITS.voteEvidenceRefs);
  return [{ type: 'sign-vote', height: next, target, evidenceRefs }];
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

function recoverEffect(s: PauseMachineState): PauseEffect[] {
  const t = s.config.genesis.threshold;
  if (s.votes.size < t) return [];
  const partials = [...s.votes.values()]
    .map((v) => ({
      index: memberById(s.config.genesis, v.vote.voter)?.index ?? 0,
      voter: v.vote.voter,
      signature: v.vote.partial,
    }))
    .sort((a, b) => a.index - b.index);
  return [{ type: 'recover', height: s.height + 1, target: stateAtHeight(s.height + 1), partials }];
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
      const v = validateEvidence(event.evidence, base);
      if (!v.ok) return result(s, [], v);
      const ref = evidenceHash(event.evidence);
      const key = toHex(ref);
      if (s.evidence.has(key) || s.spent.has(key))
        return result(s, [], ignore('P_EVIDENCE_SEEN', 'already counted'));
      // Evidence filed before the current state began was already weighed by that transition.
      if (event.evidence.issuedAt <= s.since)
        return result(s, [], ignore('P_EVIDENCE_OLD', `issued before the state at height ${s.height} began`));
      const kind = event.evidence.evidence.kind;
      const auto = config.genesis.policy.autoVote.includes(kind);
      const evidence = new Map(s.evidence).set(key, { ref, kind, auto });
      const next: PauseMachineState = { ...s, evidence };
      if (s.state === 'PAUSED') return result(next, []);
      const sign = decideSign(next);
      if (sign.length > 0) return result(next, sign);
      const target = stateAtHeight(s.height + 1);
      const needs: PauseEffect[] =
        config.self && !s.signedHeights.has(s.height + 1)
          ? [{ type: 'approval-needed', height: s.height + 1, target, evidenceRefs: [ref] }]
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
      const approvals = new Set(s.approvals).add(approvalKey(event.height, event.target));
      const next = { ...s, approvals };
      return result(next, decideSign(next));
    }
    case 'vote': {
      const voter: LabId = event.vote.vote.voter;
      // A voter counts once per height, whatever envelope its vote came in; checked before the pairing (cheap first).
      if (event.vote.vote.height === s.height + 1 && s.votes.has(voter))
        return result(s, [], ignore('P_DUPLICATE_VOTE', `${voter} already voted for height ${s.height + 1}`));
      const v = validateVote(event.vote, {
        ...base,
        currentHeight: s.height,
        ...(config.verifyPartial ? { verifyPartial: config.verifyPartial } : {}),
      });
      if (!v.ok) return result(s, [], v);
      const next = { ...s, votes: new Map(s.votes).set(voter, event.vote) };
      return result(next, recoverEffect(next));
    }
    case 'certificate': {
      const cert = event.certificate;
      const v = validateCertificate(cert, {
        genesis: config.genesis,
        networkId: config.networkId,
        currentHeight: s.height,
        ...(config.blsVerify ? { blsVerify: config.blsVerify } : {}),
      });
      if (!v.ok) return result(s, [], v);
      const spent = new Set(s.spent);
      for (const k of s.evidence.keys()) spent.add(k);
      const next: PauseMachineState = {
        ...s,
        height: cert.height,
        state: cert.target,
        since: now,
        certificate: cert,
        evidence: new Map(),
        spent,
        approvals: new Set(),
        votes: new Map(),
      };
      const effects: PauseEffect[] = [{ type: 'apply', certificate: cert }];
      if (event.local) effects.push({ type: 'publish-certificate', certificate: cert });
      return result(next, effects);
    }
  }
}

export interface PauseStatus {
  height: number;
  state: PauseState;
  since: number;
  pendingVotes: { height: number; target: PauseState; voters: LabId[]; needed: number }[];
  approvals: { height: number; target: PauseState; approved: boolean }[];
}

/** Summary for the status API (/v1/status pendingVotes and approvals). */
export function pauseStatus(s: PauseMachineState): PauseStatus {
  const height = s.height + 1;
  const target = stateAtHeight(height);
  const voters = [...s.votes.keys()];
  return {
    height: s.height,
    state: s.state,
    since: s.since,
    pendingVotes: voters.length > 0 ? [{ height, target, voters, needed: s.config.genesis.threshold }] : [],
    approvals: [{ height, target, approved: s.approvals.has(approvalKey(height, target)) }],
  };
}
