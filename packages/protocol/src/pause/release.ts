import { compareBytes, toHex } from '../bytes.js';
import type { PledgeCondition } from '../compliance/pledge.js';
import { networkIdOf } from '../signing.js';
import type {
  Genesis,
  LabId,
  ReleaseCertificate,
  ReleasePayload,
  SignedReleaseVote,
  Validation,
} from '../types.js';
import {
  releasePayloadProblem,
  validateReleaseCertificate,
  validateReleaseVote,
} from '../validation/release.js';
import { type BlsVerifyFn, ignore, memberById, OK } from '../validation/result.js';

/**
 * Pure release machine (docs/protocol.md "Conditional pledges"): `(state, event, now) -> (state, effects)`
 * for `release` certificates, in their own sequence (1, 2, ...) so that a release never races a pause
 * height. A member signs release r only after its operator approved it, only for labs whose pledge
 * condition it computes as broken, citing breaches that broke them, and at most one statement per r.
 */

export interface ReleaseConfig {
  genesis: Genesis;
  networkId: Uint8Array;
  self?: LabId;
  verifyPartial?: BlsVerifyFn;
  blsVerify?: BlsVerifyFn;
  clockSkewMs?: number;
}

export interface ReleaseMachineState {
  readonly config: ReleaseConfig;
  /** The last applied release sequence (0 = none). */
  readonly sequence: number;
  /** Applied release certificates, ascending sequence. */
  readonly certificates: readonly ReleaseCertificate[];
  /** Slashing protection: sequence -> the payload key this member signed there. */
  readonly signed: ReadonlyMap<number, string>;
  /** Pledge conditions as this node last computed them (pledgeConditions). */
  readonly conditions: readonly PledgeCondition[];
  /** Valid votes for sequence + 1, one per voter. */
  readonly votes: ReadonlyMap<LabId, SignedReleaseVote>;
}

export type ReleaseEvent =
  /** The node recomputed the pledge conditions from its store. */
  | { type: 'conditions'; conditions: readonly PledgeCondition[] }
  /** The local operator approves release `sequence` with this payload. */
  | ({ type: 'approve'; sequence: number } & ReleasePayload)
  | { type: 'vote'; vote: SignedReleaseVote }
  | { type: 'certificate'; certificate: ReleaseCertificate; local?: boolean };

export type ReleaseEffect =
  /** Sign a BLS partial on the release statement, persist it (fsync), then publish the vote. */
  | ({ type: 'sign-release-vote'; sequence: number } & ReleasePayload)
  | ({
      type: 'recover-release';
      sequence: number;
      partials: { index: number; voter: LabId; signature: Uint8Array }[];
    } & ReleasePayload)
  | { type: 'publish-release-certificate'; certificate: ReleaseCertificate }
  /** Persist the certificate; the released labs may run their resume hooks while the network level stays. */
  | { type: 'apply-release'; certificate: ReleaseCertificate };

export interface ReleaseStepResult {
  state: ReleaseMachineState;
  effects: ReleaseEffect[];
  validation: Validation;
}

/** Initial state: no release, or the applied ones and this member's signed record from the store. */
export function createReleaseState(
  genesis: Genesis,
  opts: Partial<Omit<ReleaseConfig, 'genesis'>> & {
    certificates?: readonly ReleaseCertificate[];
    signed?: Iterable<{ sequence: number } & ReleasePayload>;
  } = {},
): ReleaseMachineState {
  const { certificates, signed, networkId, ...rest } = opts;
  const certs = [...(certificates ?? [])].sort((a, b) => a.sequence - b.sequence);
  return {
    config: { genesis, networkId: networkId ?? networkIdOf(genesis), ...rest },
    sequence: certs[certs.length - 1]?.sequence ?? 0,
    certificates: certs,
    signed: new Map([...(signed ?? [])].map((x) => [x.sequence, payloadKey(x)])),
    conditions: [],
    votes: new Map(),
  };
}

/** Two release statements are equal iff their payloads are (same sequence). */
export function payloadKey(p: ReleasePayload): string {
  return `${p.released.join(',')}|${p.breaches.map(toHex).join(',')}`;
}

/**
 * RA_NOT_BROKEN: every released lab's condition is broken in `conditions`, each cited breach broke one of
 * them, and each released lab has a cited breach among those that broke its condition. Returns the problem.
 */
export function releaseProblem(p: ReleasePayload, conditions: readonly PledgeCondition[]): string | null {
  const cited = new Set(p.breaches.map(toHex));
  const proving = new Set<string>();
  for (const lab of p.released) {
    const c = conditions.find((x) => x.lab === lab);
    if (c === undefined || c.holds)
      return `${lab}'s pledge condition holds on this node: it cannot be released`;
    const ids = c.brokenBy.flatMap((b) => b.breaches);
    if (!ids.some((id) => cited.has(id)))
      return `none of the cited breaches broke ${lab}'s condition (it is broken by ${ids.join(', ')})`;
    for (const id of ids) proving.add(id);
  }
  for (const id of cited)
    if (!proving.has(id)) return `breach ${id} broke none of the released labs' conditions`;
  return null;
}

function result(
  state: ReleaseMachineState,
  effects: ReleaseEffect[],
  validation: Validation = OK,
): ReleaseStepResult {
  let s = state;
  for (const e of effects)
    if (e.type === 'sign-release-vote')
      s = { ...s, signed: new Map(s.signed).set(e.sequence, payloadKey(e)) };
  return { state: s, effects, validation };
}

function recoverEffect(s: ReleaseMachineState, key: string): ReleaseEffect[] {
  const group = [...s.votes.values()].filter((v) => payloadKey(v.vote) === key);
  if (group.length < s.config.genesis.threshold) return [];
  const first = (group[0] as SignedReleaseVote).vote;
  return [
    {
      type: 'recover-release',
      sequence: first.sequence,
      released: [...first.released],
      breaches: [...first.breaches],
      partials: group
        .map((v) => ({
          index: memberById(s.config.genesis, v.vote.voter)?.index ?? 0,
          voter: v.vote.voter,
          signature: v.vote.partial,
        }))
        .sort((a, b) => a.index - b.index),
    },
  ];
}

/** Advance the release machine by one event at time `now`. Pure. */
export function releaseStep(s: ReleaseMachineState, event: ReleaseEvent, now: number): ReleaseStepResult {
  const { config } = s;
  const base = {
    genesis: config.genesis,
    networkId: config.networkId,
    now,
    ...(config.clockSkewMs !== undefined ? { clockSkewMs: config.clockSkewMs } : {}),
  };
  switch (event.type) {
    case 'conditions':
      return result({ ...s, conditions: [...event.conditions] }, []);
    case 'approve': {
      const payload: ReleasePayload = {
        released: [...event.released],
        breaches: [...event.breaches].sort(compareBytes),
      };
      // [IGNORE] RA_POLICY: a network whose policy holds never releases.
      if (config.genesis.policy.onBrokenCondition !== 'release')
        return result(
          s,
          [],
          ignore('RA_POLICY', 'policy.onBrokenCondition is "hold": nothing can be released'),
        );
      // [IGNORE] RA_SEQUENCE: releases are approved for sequence + 1.
      if (event.sequence !== s.sequence + 1)
        return result(
          s,
          [],
          ignore('RA_SEQUENCE', `the next release is ${s.sequence + 1}, not ${event.sequence}`),
        );
      const problem = releasePayloadProblem(payload, config.genesis);
      if (problem !== null) return result(s, [], ignore('RA_PAYLOAD', problem));
      // [IGNORE] RA_NOT_BROKEN: never on one node's word: this member checks every condition itself.
      const broken = releaseProblem(payload, s.conditions);
      if (broken !== null) return result(s, [], ignore('RA_NOT_BROKEN', broken));
      if (config.self === undefined || !config.genesis.dkg || !memberById(config.genesis, config.self))
        return result(s, [], ignore('RA_CANNOT_SIGN', 'this node is not a member with a key share'));
      // [IGNORE] RA_ALREADY_SIGNED: one statement per release sequence.
      const mine = s.signed.get(event.sequence);
      if (mine !== undefined)
        return mine === payloadKey(payload)
          ? result(s, [])
          : result(
              s,
              [],
              ignore('RA_ALREADY_SIGNED', `this member signed another release ${event.sequence}`),
            );
      return result(s, [{ type: 'sign-release-vote', sequence: event.sequence, ...payload }]);
    }
    case 'vote': {
      const v = event.vote.vote;
      if (v.sequence === s.sequence + 1 && s.votes.has(v.voter))
        return result(s, [], ignore('RV_DUPLICATE', `${v.voter} already voted for release ${v.sequence}`));
      const val = validateReleaseVote(event.vote, {
        ...base,
        currentSequence: s.sequence,
        ...(config.verifyPartial ? { verifyPartial: config.verifyPartial } : {}),
      });
      if (!val.ok) return result(s, [], val);
      const next = { ...s, votes: new Map(s.votes).set(v.voter, event.vote) };
      return result(next, recoverEffect(next, payloadKey(v)));
    }
    case 'certificate': {
      const c = event.certificate;
      const val = validateReleaseCertificate(c, {
        genesis: config.genesis,
        networkId: config.networkId,
        currentSequence: s.sequence,
        ...(config.blsVerify ? { blsVerify: config.blsVerify } : {}),
      });
      if (!val.ok) return result(s, [], val);
      const next: ReleaseMachineState = {
        ...s,
        sequence: c.sequence,
        certificates: [...s.certificates, c],
        votes: new Map(),
      };
      const effects: ReleaseEffect[] = [{ type: 'apply-release', certificate: c }];
      if (event.local) effects.push({ type: 'publish-release-certificate', certificate: c });
      return result(next, effects);
    }
  }
}

/**
 * Labs a release currently lets run their resume hooks: those of every applied release certificate at
 * least one of whose cited breaches is still unresolved (once all are resolved, the condition is restored
 * and the release lapses). Map lab -> the sequences releasing it.
 */
export function releasedLabs(
  certificates: readonly ReleaseCertificate[],
  isResolved: (breachIdHex: string) => boolean,
): Map<LabId, number[]> {
  const out = new Map<LabId, number[]>();
  for (const c of certificates) {
    if (c.breaches.every((id) => isResolved(toHex(id)))) continue;
    for (const lab of c.released) out.set(lab, [...(out.get(lab) ?? []), c.sequence]);
  }
  return out;
}
