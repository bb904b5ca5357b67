import { bytesEqual, toHex } from '../bytes.js';
import { epochStart } from '../epoch.js';
import { levelRank } from '../level.js';
import { escalationHeight } from '../pause/machine.js';
import type { PauseMachineState } from '../pause/types.js';
import type { LabId, Validation } from '../types.js';
import { type BlsVerifyFn, ignore, memberById, OK, reject, skewOf } from '../validation/result.js';
import { completeAmendment, needsReshare, reshareRole } from './build.js';
import type { RevisionChain } from './chain.js';
import { amendmentRules } from './rules.js';
import { amendmentHash, proposalId } from './signing.js';
import type {
  Amendment,
  CertifiedAmendment,
  ReshareResult,
  SignedAmendmentProposal,
  SignedAmendmentVote,
} from './types.js';
import {
  validateAmendmentProposal,
  validateAmendmentVote,
  validateCertifiedAmendment,
} from './validation.js';

/**
 * Pure amendment state machine (docs/protocol.md "Amendment flow"): `(state, event, now, pause) -> (state,
 * effects)`, beside the pause machine and independent of it. Proposal -> operator approval -> reshare (when
 * the committee changes) -> the head's committee signs the amendment statement -> t partials recover the
 * certificate -> apply. The node executes the effects and feeds results back as events.
 */

/** What the pause side tells the amendment side (docs/protocol.md "An amendment racing a pause"). */
export interface PauseView {
  /** This member signed a pause (escalation) vote for a height not yet certified. */
  pendingPauseVote: boolean;
  /** Open breaches of an automatic kind that no applied certificate acted on: a pause is forming. */
  unactedAutoBreaches: number;
}

/**
 * The view of the pause machine: a step up this member signed at the escalation height above the applied
 * level (not yet certified); automatic breaches open above the applied level (an escalation is forming).
 */
export function pauseViewOf(s: PauseMachineState): PauseView {
  const rank = levelRank(s.state);
  return {
    pendingPauseVote: (s.signed.get(escalationHeight(s)) ?? []).some(
      (x) => x.step === 'up' && levelRank(x.target) > rank,
    ),
    unactedAutoBreaches: (rank < 1 ? s.autoOpen.REDUCED : 0) + (rank < 2 ? s.autoOpen.PAUSED : 0),
  };
}

export const QUIET_PAUSE: PauseView = { pendingPauseVote: false, unactedAutoBreaches: 0 };

export interface AmendConfig {
  /** This node's lab id; undefined for observers (which never approve, reshare or sign). */
  self?: LabId;
  verifyPartial?: BlsVerifyFn;
  blsVerify?: BlsVerifyFn;
  clockSkewMs?: number;
}

/** Immutable; amendStep returns a new object. Everything but `chain` and `signed` concerns revision head + 1. */
export interface AmendMachineState {
  readonly config: AmendConfig;
  readonly chain: RevisionChain;
  /** Valid proposals by proposal id (hex). */
  readonly proposals: ReadonlyMap<string, SignedAmendmentProposal>;
  /** Proposal ids (hex) the local operator approved. */
  readonly approved: ReadonlySet<string>;
  /** Complete amendments built here (approved draft + own reshare result), by amendment hash (hex), in order built. */
  readonly complete: ReadonlyMap<string, Amendment>;
  /** Valid amendment votes, one per voter. */
  readonly votes: ReadonlyMap<LabId, SignedAmendmentVote>;
  /** Slashing protection: revision -> amendment hash this member signed (one statement per revision). */
  readonly signed: ReadonlyMap<number, Uint8Array>;
}

export type AmendEvent =
  | { type: 'proposal'; proposal: SignedAmendmentProposal }
  /** The local operator approves a proposal (by proposal id): this member may deal, receive and sign for it. */
  | { type: 'approve'; proposal: Uint8Array }
  /** The node's reshare ceremony for an approved proposal finished with this public result. */
  | { type: 'reshared'; proposal: Uint8Array; result: ReshareResult }
  | { type: 'vote'; vote: SignedAmendmentVote }
  /** `local: true` when this node recovered it (then it also publishes it). */
  | { type: 'certified'; certified: CertifiedAmendment; local?: boolean }
  /** Time passed or the pause side changed: re-evaluate a deferred signature. */
  | { type: 'tick' };

export type AmendEffect =
  /** Ask the operator about a proposal this node has a part in. */
  | { type: 'approval-needed'; proposal: Uint8Array; revision: number; draft: Amendment }
  /** Run (or join) the reshare ceremony of the draft (inputs: reshareInputs(chain, draft)) in this role. */
  | {
      type: 'reshare';
      proposal: Uint8Array;
      draft: Amendment;
      role: { previousIndex?: number; index?: number };
    }
  /** Partial-sign the statement of `amendment` with the head's share, persist (fsync) it, then publish the vote. */
  | { type: 'sign-amendment'; revision: number; amendment: Amendment; hash: Uint8Array }
  /** t or more valid partials on one amendment: recover, verify, feed back `certified` (local). */
  | {
      type: 'recover-amendment';
      revision: number;
      amendment: Amendment;
      threshold: number;
      partials: { index: number; voter: LabId; signature: Uint8Array }[];
    }
  /** Persist the certified amendment (the new revision) and its chain; the node swaps revisions at its effective epoch. */
  | { type: 'apply-amendment'; certified: CertifiedAmendment }
  | { type: 'publish-amendment'; certified: CertifiedAmendment };

/** Why this member did not sign an amendment it approved (typed; nothing changes, a `tick` re-evaluates). */
export type AmendRefusal = {
  code: 'AMEND_PAUSE_PENDING' | 'AMEND_NOT_IN_EFFECT' | 'AMEND_TOO_LATE' | 'AMEND_ALREADY_SIGNED';
  detail: string;
};

export interface AmendStepResult {
  state: AmendMachineState;
  effects: AmendEffect[];
  /** Verdict on the event's message (gossip ACCEPT/IGNORE/REJECT); ok for accepted events. */
  validation: Validation;
  /** Set when a signature this member would give is refused or deferred. */
  refusal?: AmendRefusal;
}

export interface CreateAmendOptions extends AmendConfig {
  /** Slashing-protection record from the node's store: revision -> amendment hash signed. */
  signed?: Iterable<[number, Uint8Array]>;
}

/** Initial state over a verified chain (restart: the node's stored chain and slashing record). */
export function createAmendState(chain: RevisionChain, opts: CreateAmendOptions = {}): AmendMachineState {
  const { signed, ...config } = opts;
  return {
    config,
    chain,
    proposals: new Map(),
    approved: new Set(),
    complete: new Map(),
    votes: new Map(),
    signed: new Map(signed ?? []),
  };
}

function isMemberOfHead(s: AmendMachineState): boolean {
  const self = s.config.self;
  return self !== undefined && memberById(s.chain.head.genesis, self) !== undefined;
}

/**
 * Whether this member signs an approved complete amendment now (A_SIGN rules): one statement per revision;
 * only once the head is in effect; only while it can still take effect in time; never while a pause is
 * forming (the pause is never blocked: this member signs the amendment once the pause is certified).
 */
function decideSign(
  s: AmendMachineState,
  now: number,
  pause: PauseView,
): { state: AmendMachineState; effects: AmendEffect[]; refusal?: AmendRefusal } {
  const none = { state: s, effects: [] };
  if (!isMemberOfHead(s) || s.complete.size === 0) return none;
  const { chain } = s;
  const revision = chain.head.revision + 1;
  const [key, amendment] = s.complete.entries().next().value as [string, Amendment];
  const already = s.signed.get(revision);
  if (already !== undefined) {
    if (toHex(already) === key) return none;
    return {
      ...none,
      refusal: {
        code: 'AMEND_ALREADY_SIGNED',
        detail: `this member signed another amendment for revision ${revision} (${toHex(already).slice(0, 16)}…): one statement per revision`,
      },
    };
  }
  if (now < chain.activeFrom(chain.head.revision))
    return {
      ...none,
      refusal: {
        code: 'AMEND_NOT_IN_EFFECT',
        detail: `revision ${chain.head.revision} takes effect at epoch ${chain.head.effectiveEpoch}: its committee signs from then on`,
      },
    };
  if (now + skewOf(s.config) >= epochStart(chain.original.policy, amendment.effectiveEpoch))
    return {
      ...none,
      refusal: {
        code: 'AMEND_TOO_LATE',
        detail: `effective epoch ${amendment.effectiveEpoch} has started: propose again with a later effective epoch`,
      },
    };
  if (pause.pendingPauseVote || pause.unactedAutoBreaches > 0)
    return {
      ...none,
      refusal: {
        code: 'AMEND_PAUSE_PENDING',
        detail: pause.pendingPauseVote
          ? 'a pause vote of this member is not certified yet: the amendment is signed once the pause is decided'
          : `${pause.unactedAutoBreaches} automatic breach(es) open and not yet acted on: a pause is forming`,
      },
    };
  const hash = amendmentHash(amendment);
  const signed = new Map(s.signed);
  signed.set(revision, hash);
  return { state: { ...s, signed }, effects: [{ type: 'sign-amendment', revision, amendment, hash }] };
}

/** P_RECOVER for amendments: t of the head's committee on one amendment this node knows completely. */
function recoverEffect(s: AmendMachineState, hashHex: string): AmendEffect[] {
  const amendment = s.complete.get(hashHex);
  if (amendment === undefined) return [];
  const head = s.chain.head.genesis;
  const group = [...s.votes.values()].filter((v) => toHex(v.vote.amendment) === hashHex);
  if (group.length < head.threshold) return [];
  const partials = group
    .map((v) => ({
      index: memberById(head, v.vote.voter)?.index ?? 0,
      voter: v.vote.voter,
      signature: v.vote.partial,
    }))
    .sort((a, b) => a.index - b.index);
  return [
    {
      type: 'recover-amendment',
      revision: s.chain.head.revision + 1,
      amendment,
      threshold: head.threshold,
      partials,
    },
  ];
}

function result(
  state: AmendMachineState,
  effects: AmendEffect[],
  validation: Validation = OK,
  refusal?: AmendRefusal,
): AmendStepResult {
  return refusal ? { state, effects, validation, refusal } : { state, effects, validation };
}

/** Sign decision appended to a step. */
function withSign(
  s: AmendMachineState,
  effects: AmendEffect[],
  now: number,
  pause: PauseView,
  validation: Validation = OK,
): AmendStepResult {
  const d = decideSign(s, now, pause);
  return result(d.state, [...effects, ...d.effects], validation, d.refusal);
}

/** Advance the amendment machine by one event. Never throws on bad input: it is a validation verdict. */
export function amendStep(
  s: AmendMachineState,
  event: AmendEvent,
  now: number,
  pause: PauseView = QUIET_PAUSE,
): AmendStepResult {
  const ctx = {
    chain: s.chain,
    now,
    clockSkewMs: s.config.clockSkewMs,
    verifyPartial: s.config.verifyPartial,
  };
  switch (event.type) {
    case 'proposal': {
      const p = event.proposal;
      const v = validateAmendmentProposal(p, ctx);
      if (!v.ok) return result(s, [], v);
      const id = toHex(proposalId(p));
      // [IGNORE] AM_DUPLICATE: the draft is already held (from any proposer).
      if (s.proposals.has(id)) return result(s, [], ignore('AM_DUPLICATE', 'proposal already held'));
      const proposals = new Map(s.proposals);
      proposals.set(id, p);
      const self = s.config.self;
      const role = self === undefined ? null : reshareRole(s.chain, p.amendment, self);
      const effects: AmendEffect[] =
        role === null
          ? []
          : [
              {
                type: 'approval-needed',
                proposal: proposalId(p),
                revision: p.amendment.revision,
                draft: p.amendment,
              },
            ];
      return result({ ...s, proposals }, effects);
    }
    case 'approve': {
      const id = toHex(event.proposal);
      const p = s.proposals.get(id);
      // [IGNORE] AM_UNKNOWN_PROPOSAL: approvals name a held, still open proposal.
      if (p === undefined)
        return result(
          s,
          [],
          ignore('AM_UNKNOWN_PROPOSAL', 'no open proposal with this id (stale or never seen)'),
        );
      const self = s.config.self;
      const role = self === undefined ? null : reshareRole(s.chain, p.amendment, self);
      // [REJECT] AM_NOT_INVOLVED: only a member of the head or of the draft approves.
      if (role === null)
        return result(
          s,
          [],
          reject('AM_NOT_INVOLVED', 'this node is in neither the current nor the proposed committee'),
        );
      if (s.approved.has(id)) return withSign(s, [], now, pause, ignore('AM_DUPLICATE', 'already approved'));
      const approved = new Set(s.approved);
      approved.add(id);
      const next = { ...s, approved };
      if (needsReshare(s.chain, p.amendment))
        return result(next, [{ type: 'reshare', proposal: event.proposal, draft: p.amendment, role }]);
      const amendment = completeAmendment(s.chain, p.amendment);
      const complete = new Map(s.complete);
      complete.set(toHex(amendmentHash(amendment)), amendment);
      return withSign(
        { ...next, complete },
        recoverEffect({ ...next, complete }, toHex(amendmentHash(amendment))),
        now,
        pause,
      );
    }
    case 'reshared': {
      const id = toHex(event.proposal);
      const p = s.proposals.get(id);
      // [IGNORE] AM_NOT_APPROVED: a reshare result belongs to a held proposal this operator approved.
      if (p === undefined || !s.approved.has(id))
        return result(
          s,
          [],
          ignore('AM_NOT_APPROVED', 'reshare result for a proposal that is not approved here'),
        );
      const amendment = completeAmendment(s.chain, p.amendment, event.result);
      // The result must make a valid complete amendment (group key kept, shares consistent): else refuse it.
      const rules = amendmentRules(amendment, s.chain.head, { networkId: s.chain.networkId, draft: false });
      if (!rules.ok) return result(s, [], rules);
      const key = toHex(amendmentHash(amendment));
      const complete = new Map(s.complete);
      complete.set(key, amendment);
      const next = { ...s, complete };
      return withSign(next, recoverEffect(next, key), now, pause);
    }
    case 'vote': {
      const sv = event.vote;
      const v = validateAmendmentVote(sv, ctx);
      if (!v.ok) return result(s, [], v);
      const prior = s.votes.get(sv.vote.voter);
      // [IGNORE] AM_DUPLICATE_VOTE: one vote per voter and revision counts (a second, different one is the
      // voter's double signature; it is ignored, never combined).
      if (prior !== undefined)
        return result(
          s,
          [],
          bytesEqual(prior.vote.amendment, sv.vote.amendment) &&
            bytesEqual(prior.vote.partial, sv.vote.partial)
            ? ignore('AM_DUPLICATE_VOTE', `vote of ${sv.vote.voter} already counted`)
            : ignore(
                'AM_DUPLICATE_VOTE',
                `${sv.vote.voter} already voted for another amendment of this revision`,
              ),
        );
      const votes = new Map(s.votes);
      votes.set(sv.vote.voter, sv);
      const next = { ...s, votes };
      return result(next, recoverEffect(next, toHex(sv.vote.amendment)));
    }
    case 'certified': {
      const c = event.certified;
      const v = validateCertifiedAmendment(c, { chain: s.chain, blsVerify: s.config.blsVerify });
      if (!v.ok) return result(s, [], v);
      const next: AmendMachineState = {
        ...s,
        chain: s.chain.appendValidated(c),
        proposals: new Map(),
        approved: new Set(),
        complete: new Map(),
        votes: new Map(),
      };
      const effects: AmendEffect[] = [{ type: 'apply-amendment', certified: c }];
      if (event.local) effects.push({ type: 'publish-amendment', certified: c });
      return result(next, effects);
    }
    case 'tick':
      return withSign(s, [], now, pause);
  }
}
