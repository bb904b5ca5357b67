import { blsVerify, type DkgOutput, recoverSignature } from '@pausenet/crypto';
import { describe, expect, it } from 'vitest';
import { draftAmendment } from '../src/amend/build.js';
import { verifyAmendmentChain } from '../src/amend/chain-verify.js';
import { validateVoteInChain } from '../src/amend/in-chain.js';
import {
  type AmendEffect,
  type AmendMachineState,
  type AmendStepResult,
  amendStep,
  createAmendState,
  type PauseView,
  pauseViewOf,
  QUIET_PAUSE,
} from '../src/amend/machine.js';
import {
  amendmentHash,
  amendmentStatementBytes,
  proposalId,
  signAmendmentVote,
} from '../src/amend/signing.js';
import type { Amendment, CertifiedAmendment, SignedAmendmentVote } from '../src/amend/types.js';
import { toHex } from '../src/bytes.js';
import { checkCaps } from '../src/evidence.js';
import { createPauseState, pauseStep } from '../src/pause/machine.js';
import { signVote } from '../src/sign.js';
import { statementBytes } from '../src/signing.js';
import type { Evidence, Genesis, LabId } from '../src/types.js';
import {
  amendVote,
  bls2,
  certified2,
  chain1,
  chain2,
  draft2,
  genesis2,
  indexIn,
  keyOf,
  propose,
} from './helpers/amend.js';
import { blsSign } from './helpers/bls.js';
import {
  bls,
  epochStart,
  fileEvidence,
  genesis,
  metrics,
  networkId,
  SOME_BREACH,
  signed,
} from './helpers/fixtures.js';
import { runReshare } from './helpers/reshare.js';

const T0 = epochStart(1) + 120_000;
const rev1Share = (lab: LabId) => bls.secretShares[indexIn(genesis, lab) - 1] as Uint8Array;

function effectsOf<T extends AmendEffect['type']>(
  r: AmendStepResult,
  type: T,
): Extract<AmendEffect, { type: T }>[] {
  return r.effects.filter((e): e is Extract<AmendEffect, { type: T }> => e.type === type);
}

/** Sign an amendment vote for a sign-amendment effect, as the node does (share of the head revision). */
function voteFor(lab: LabId, e: Extract<AmendEffect, { type: 'sign-amendment' }>, share: Uint8Array, t = T0) {
  return signAmendmentVote(
    {
      networkId,
      revision: e.revision,
      amendment: e.hash,
      voter: lab,
      partial: blsSign(share, amendmentStatementBytes(networkId, e.revision, e.hash)),
      issuedAt: t,
    },
    keyOf(lab),
  );
}

/** Recover a certified amendment from a recover-amendment effect (what the node does). */
function recover(e: Extract<AmendEffect, { type: 'recover-amendment' }>): CertifiedAmendment {
  const signature = recoverSignature(
    e.partials.slice(0, e.threshold).map((p) => ({ index: p.index, signature: p.signature })),
    e.threshold,
  );
  return { amendment: e.amendment, signers: e.partials.slice(0, e.threshold).map((p) => p.voter), signature };
}

describe('amendment machine: a lab joins with a real reshare among exactly t old holders', () => {
  it('proposal -> approvals -> reshare (lab-d offline) -> t partials -> certificate; the new member votes only from the effective epoch', () => {
    const labs: LabId[] = ['lab-a', 'lab-b', 'lab-c', 'lab-d', 'lab-e'];
    let m = new Map<LabId, AmendMachineState>(labs.map((l) => [l, createAmendState(chain1, { self: l })]));
    const step = (l: LabId, ev: Parameters<typeof amendStep>[1], pause: PauseView = QUIET_PAUSE) => {
      const r = amendStep(m.get(l)!, ev, T0, pause);
      m = new Map(m).set(l, r.state);
      return r;
    };
    const proposal = propose(draft2);
    const id = proposalId(proposal);
    // Every lab with a part (old committee and the newcomer) is asked; an observer would not be.
    for (const l of labs) {
      const r = step(l, { type: 'proposal', proposal });
      expect(r.validation).toEqual({ ok: true });
      expect(effectsOf(r, 'approval-needed')).toHaveLength(1);
    }
    expect(
      effectsOf(amendStep(createAmendState(chain1), { type: 'proposal', proposal }, T0), 'approval-needed'),
    ).toEqual([]);

    // Exactly t = 3 old operators approve, plus the newcomer; lab-d is offline.
    const online: LabId[] = ['lab-a', 'lab-b', 'lab-c', 'lab-e'];
    for (const l of online) {
      const r = step(l, { type: 'approve', proposal: id });
      const [reshare] = effectsOf(r, 'reshare');
      expect(reshare?.role).toEqual(
        l === 'lab-e' ? { index: 5 } : { previousIndex: indexIn(genesis, l), index: indexIn(genesis, l) },
      );
      expect(effectsOf(r, 'sign-amendment')).toEqual([]); // nothing is signed before the reshare
    }
    const outs = runReshare(chain1, draft2, online, keyOf, (l) => rev1Share(l));
    const result = (o: DkgOutput) => ({
      groupPublicKey: o.groupPublicKey,
      publicShares: o.publicShares,
      transcriptHash: o.transcriptHash,
    });
    const signs = new Map<LabId, Extract<AmendEffect, { type: 'sign-amendment' }>>();
    for (const l of online) {
      const r = step(l, { type: 'reshared', proposal: id, result: result(outs.get(l)!) });
      expect(r.validation).toEqual({ ok: true });
      const [s] = effectsOf(r, 'sign-amendment');
      if (l === 'lab-e')
        expect(s).toBeUndefined(); // a new member signs nothing for the old committee
      else signs.set(l, s!);
    }
    const hashes = new Set([...signs.values()].map((s) => toHex(s.hash)));
    expect(hashes.size).toBe(1); // every old holder built the same complete amendment from its own output

    // The three old holders' votes reach every node; the third completes t = 3.
    const votes = [...signs].map(([l, s]) => voteFor(l, s, rev1Share(l)));
    let recovered: CertifiedAmendment | undefined;
    for (const v of votes)
      for (const l of online) {
        const r = step(l, { type: 'vote', vote: v });
        expect(r.validation).toEqual({ ok: true });
        const [rec] = effectsOf(r, 'recover-amendment');
        if (rec && !recovered) recovered = recover(rec);
      }
    expect(recovered).toBeDefined();
    const applied = step('lab-a', { type: 'certified', certified: recovered!, local: true });
    expect(applied.effects.map((e) => e.type)).toEqual(['apply-amendment', 'publish-amendment']);
    for (const l of ['lab-b', 'lab-c', 'lab-e'] as LabId[])
      expect(step(l, { type: 'certified', certified: recovered! }).effects.map((e) => e.type)).toEqual([
        'apply-amendment',
      ]);

    // Anyone verifies the chain from the original genesis; the group key is unchanged.
    const chain = verifyAmendmentChain(genesis, [recovered!]);
    expect(toHex(chain.head.genesis.dkg!.groupPublicKey)).toBe(toHex(bls.groupPublicKey));
    expect(chain.head.genesis.threshold).toBe(4);
    expect(toHex(m.get('lab-e')!.chain.head.hash)).toBe(toHex(chain.head.hash));

    // lab-e's pause vote with its new share: refused before epoch 3, valid from then on; a pause certificate
    // recovered from four revision-2 partials including lab-e's verifies under the unchanged group key.
    const st = { networkId, height: 1, target: 'PAUSED' as const, step: 'up' as const, resolves: [] };
    const pauseVote = (l: LabId, issuedAt: number) =>
      signVote(
        {
          networkId,
          height: 1,
          target: 'PAUSED',
          step: 'up',
          voter: l,
          partial: blsSign(outs.get(l)!.secretShare, statementBytes(st)),
          evidence: [],
          breaches: [SOME_BREACH],
          resolves: [],
          issuedAt,
          revision: 2,
        },
        keyOf(l),
      );
    expect(validateVoteInChain(pauseVote('lab-e', T0), { chain, now: T0 })).toMatchObject({
      ok: false,
      code: 'V_REVISION_EARLY',
    });
    const t3 = epochStart(3) + 1;
    const pv = online.map((l) => pauseVote(l, t3));
    for (const v of pv) expect(validateVoteInChain(v, { chain, now: t3 })).toEqual({ ok: true });
    const sig = recoverSignature(
      pv.map((v) => ({ index: indexIn(chain.head.genesis, v.vote.voter), signature: v.vote.partial })),
      4,
    );
    expect(blsVerify(bls.groupPublicKey, statementBytes(st), sig)).toBe(true);
  });
});

describe('amendment machine: a lab leaves with a real reshare among exactly t holders', () => {
  it('lab-b leaves (5 -> 4, t 4 -> 3): it deals and signs, then its share is retired; lab-e offline gets nothing', () => {
    const now = epochStart(4);
    const g3: Genesis = {
      ...genesis2(),
      members: genesis2()
        .members.filter((m) => m.id !== 'lab-b')
        .map((m, i) => ({ ...m, index: i + 1 })),
      threshold: 3,
    };
    const draft = draftAmendment(chain2, g3, 6);
    const proposal = propose(draft, 'lab-c', epochStart(3) + 1, 'lab-b leaves');
    const id = proposalId(proposal);
    const share2 = (l: LabId) => bls2.secretShares[indexIn(genesis2(), l) - 1] as Uint8Array;
    // Exactly t = 4 of revision 2's holders take part, the leaver among them; lab-e is down.
    const online: LabId[] = ['lab-a', 'lab-b', 'lab-c', 'lab-d'];
    const states = new Map<LabId, AmendMachineState>();
    for (const l of online) {
      let s = createAmendState(chain2, { self: l });
      s = amendStep(s, { type: 'proposal', proposal }, now).state;
      const r = amendStep(s, { type: 'approve', proposal: id }, now);
      const [reshare] = effectsOf(r, 'reshare');
      expect(reshare?.role).toEqual(
        l === 'lab-b'
          ? { previousIndex: 2 }
          : { previousIndex: indexIn(genesis2(), l), index: indexIn(g3, l) },
      );
      states.set(l, r.state);
    }
    const outs = runReshare(chain2, draft, online, keyOf, (l) => share2(l));
    expect(outs.get('lab-b')!.index).toBeNull();
    const votes: SignedAmendmentVote[] = [];
    for (const l of online) {
      const o = outs.get(l)!;
      const r = amendStep(
        states.get(l)!,
        {
          type: 'reshared',
          proposal: id,
          result: {
            groupPublicKey: o.groupPublicKey,
            publicShares: o.publicShares,
            transcriptHash: o.transcriptHash,
          },
        },
        now,
      );
      const [sign] = effectsOf(r, 'sign-amendment');
      votes.push(voteFor(l, sign!, share2(l), now));
      states.set(l, r.state);
    }
    let s = states.get('lab-a')!;
    let recovered: CertifiedAmendment | undefined;
    for (const v of votes) {
      const r = amendStep(s, { type: 'vote', vote: v }, now);
      s = r.state;
      const [rec] = effectsOf(r, 'recover-amendment');
      if (rec) recovered = recover(rec);
    }
    const chain = verifyAmendmentChain(genesis, [certified2, recovered!]);
    expect(chain.head.genesis.members.map((m) => m.id)).toEqual(['lab-a', 'lab-c', 'lab-d', 'lab-e']);
    expect(recovered!.signers).toEqual(['lab-a', 'lab-b', 'lab-c', 'lab-d']);
    // After the window (end of epoch 6) lab-b's revision-2 share no longer counts; revision 3 knows no lab-b.
    const st = { networkId, height: 1, target: 'PAUSED' as const, step: 'up' as const, resolves: [] };
    const pv = (l: LabId, share: Uint8Array, revision: number, issuedAt: number) =>
      signVote(
        {
          networkId,
          height: 1,
          target: 'PAUSED',
          step: 'up',
          voter: l,
          partial: blsSign(share, statementBytes(st)),
          evidence: [],
          breaches: [SOME_BREACH],
          resolves: [],
          issuedAt,
          revision,
        },
        keyOf(l),
      );
    const t7 = epochStart(7) + 1;
    expect(
      validateVoteInChain(pv('lab-b', share2('lab-b'), 2, epochStart(6) + 1), {
        chain,
        now: epochStart(6) + 2,
      }),
    ).toEqual({
      ok: true,
    });
    expect(validateVoteInChain(pv('lab-b', share2('lab-b'), 2, t7), { chain, now: t7 })).toMatchObject({
      code: 'V_REVISION_LATE',
    });
    expect(validateVoteInChain(pv('lab-b', share2('lab-b'), 3, t7), { chain, now: t7 })).toMatchObject({
      code: 'V_MEMBER',
    });
    // The three remaining holders online (t = 3) pause under the unchanged group key.
    const three = ['lab-a', 'lab-c', 'lab-d'].map((l) => pv(l, outs.get(l)!.secretShare, 3, t7));
    for (const v of three) expect(validateVoteInChain(v, { chain, now: t7 })).toEqual({ ok: true });
    const sig = recoverSignature(
      three.map((v) => ({ index: indexIn(g3, v.vote.voter), signature: v.vote.partial })),
      3,
    );
    expect(blsVerify(bls.groupPublicKey, statementBytes(st), sig)).toBe(true);
  });
});

describe('amendment machine: refusals and bad input (typed, nothing changes)', () => {
  /** A caps-only amendment (no reshare): approving it completes it at once. */
  const capsDraft: Amendment = draftAmendment(
    chain1,
    {
      ...genesis,
      policy: { ...genesis.policy, caps: { ...genesis.policy.caps, maxParams: 3n * 10n ** 12n } },
    },
    3,
  );
  const capsProposal = propose(capsDraft);
  const approved = (self: LabId, pause: PauseView = QUIET_PAUSE, now = T0) => {
    const s = amendStep(
      createAmendState(chain1, { self }),
      { type: 'proposal', proposal: capsProposal },
      now,
    ).state;
    return amendStep(s, { type: 'approve', proposal: proposalId(capsProposal) }, now, pause);
  };

  it('a committee-preserving amendment is signed on approval with the unchanged DKG result', () => {
    const r = approved('lab-a');
    const [s] = effectsOf(r, 'sign-amendment');
    expect(s?.amendment.genesis.dkg).toEqual(genesis.dkg);
    expect(r.state.signed.get(2)).toEqual(s?.hash);
  });

  it('an amendment racing a pause: no signature while this member has a pending pause vote or a pause is forming; the pause goes on (AMEND_PAUSE_PENDING)', () => {
    // A real pause machine: lab-a sees over-cap evidence and signs a pause vote for height 1.
    const over = signed({ lab: 'lab-d', metrics: metrics({ trainingFlop: 10n ** 26n + 1n }) });
    let pause = createPauseState(genesis, { self: 'lab-a' });
    const ev = pauseStep(
      pause,
      { type: 'evidence', evidence: fileEvidence(checkCaps(over, genesis.policy) as Evidence, 'lab-b', T0) },
      T0,
    );
    pause = ev.state;
    expect(ev.effects.map((e) => e.type)).toEqual(['sign-vote']);
    expect(pauseViewOf(pause)).toEqual({ pendingPauseVote: true, unactedAutoBreaches: 1 });

    const r = approved('lab-a', pauseViewOf(pause));
    expect(effectsOf(r, 'sign-amendment')).toEqual([]);
    expect(r.refusal?.code).toBe('AMEND_PAUSE_PENDING');
    expect(r.state.signed.size).toBe(0);
    // A member that has not voted yet but holds an automatic breach no certificate acted on: a pause is forming.
    expect(approved('lab-b', { pendingPauseVote: false, unactedAutoBreaches: 1 }).refusal?.code).toBe(
      'AMEND_PAUSE_PENDING',
    );
    // The pause machine is unaffected: the pause certificate applies, then the amendment is signed on a tick.
    const votes = ['lab-a', 'lab-b', 'lab-c'].map((l) =>
      signVote(
        {
          networkId,
          height: 1,
          target: 'PAUSED',
          step: 'up',
          voter: l,
          partial: blsSign(
            rev1Share(l),
            statementBytes({ networkId, height: 1, target: 'PAUSED', step: 'up', resolves: [] }),
          ),
          evidence: [],
          breaches: ev.effects[0]!.type === 'sign-vote' ? ev.effects[0]!.breaches : [],
          resolves: [],
          issuedAt: T0,
        },
        keyOf(l),
      ),
    );
    let rec: ReturnType<typeof pauseStep> | undefined;
    for (const v of votes) {
      rec = pauseStep(pause, { type: 'vote', vote: v }, T0);
      pause = rec.state;
    }
    const recEff = rec!.effects.find((e) => e.type === 'recover');
    expect(recEff).toBeDefined();
    const cert = {
      networkId,
      height: 1,
      target: 'PAUSED' as const,
      step: 'up' as const,
      signers: ['lab-a', 'lab-b', 'lab-c'],
      resolves: [],
      signature: recoverSignature(
        votes.map((v, i) => ({ index: i + 1, signature: v.vote.partial })),
        3,
      ),
    };
    pause = pauseStep(pause, { type: 'certificate', certificate: cert }, T0).state;
    expect(pause.state).toBe('PAUSED');
    expect(pauseViewOf(pause)).toEqual({ pendingPauseVote: false, unactedAutoBreaches: 0 });
    const later = amendStep(r.state, { type: 'tick' }, T0 + 1, pauseViewOf(pause));
    expect(effectsOf(later, 'sign-amendment')).toHaveLength(1);
  });

  it('one amendment statement per revision (AMEND_ALREADY_SIGNED); a restart with the same record signs nothing again', () => {
    const first = approved('lab-a');
    const hash = effectsOf(first, 'sign-amendment')[0]!.hash;
    // After a restart the slashing record is loaded: approving the same amendment again emits nothing.
    let s = createAmendState(chain1, { self: 'lab-a', signed: [[2, hash]] });
    s = amendStep(s, { type: 'proposal', proposal: capsProposal }, T0).state;
    const again = amendStep(s, { type: 'approve', proposal: proposalId(capsProposal) }, T0);
    expect(again.effects).toEqual([]);
    expect(again.refusal).toBeUndefined();
    // Another amendment for revision 2: refused.
    const other = draftAmendment(chain1, { ...genesis, policy: { ...genesis.policy, graceMs: 1 } }, 3);
    const p2 = propose(other);
    s = amendStep(s, { type: 'proposal', proposal: p2 }, T0).state;
    const r = amendStep(s, { type: 'approve', proposal: proposalId(p2) }, T0);
    expect(effectsOf(r, 'sign-amendment')).toEqual([]);
    expect(r.refusal?.code).toBe('AMEND_ALREADY_SIGNED');
  });

  it('too late to take effect (AMEND_TOO_LATE); the revision in force not yet in effect (AMEND_NOT_IN_EFFECT)', () => {
    const late = epochStart(3) - 10_000;
    let s = createAmendState(chain1, { self: 'lab-a' });
    s = amendStep(s, { type: 'proposal', proposal: capsProposal }, T0).state;
    expect(amendStep(s, { type: 'approve', proposal: proposalId(capsProposal) }, late).refusal?.code).toBe(
      'AMEND_TOO_LATE',
    );
    // Revision 2 takes effect at epoch 3; a proposal on top of it, seen within the skew before that.
    const g3: Genesis = { ...genesis2(), policy: { ...genesis2().policy, graceMs: 1 } };
    const d3 = draftAmendment(chain2, g3, 5);
    const early = epochStart(3) - 1_000;
    let t = createAmendState(chain2, { self: 'lab-a' });
    const p = amendStep(t, { type: 'proposal', proposal: propose(d3, 'lab-a', epochStart(3)) }, early);
    expect(p.validation).toEqual({ ok: true });
    t = p.state;
    const r = amendStep(t, { type: 'approve', proposal: amendmentHash(d3) }, early);
    expect(r.refusal?.code).toBe('AMEND_NOT_IN_EFFECT');
    expect(effectsOf(amendStep(r.state, { type: 'tick' }, epochStart(3)), 'sign-amendment')).toHaveLength(1);
  });

  it('a reshare result that does not share the group key is refused (A_SHARES); unknown, uninvolved, duplicate (AM_*)', () => {
    let s = createAmendState(chain1, { self: 'lab-a' });
    s = amendStep(s, { type: 'proposal', proposal: propose(draft2) }, T0).state;
    const id = proposalId(propose(draft2));
    expect(
      amendStep(s, { type: 'reshared', proposal: id, result: genesis2().dkg! }, T0).validation,
    ).toMatchObject({
      code: 'AM_NOT_APPROVED',
      action: 'ignore',
    });
    s = amendStep(s, { type: 'approve', proposal: id }, T0).state;
    const bad = { ...genesis2().dkg!, publicShares: [...bls.publicShares, bls.groupPublicKey] };
    const r = amendStep(s, { type: 'reshared', proposal: id, result: bad }, T0);
    expect(r.validation).toMatchObject({ ok: false, code: 'A_SHARES', action: 'reject' });
    expect(r.state).toBe(s);
    expect(amendStep(s, { type: 'approve', proposal: new Uint8Array(32) }, T0).validation).toMatchObject({
      code: 'AM_UNKNOWN_PROPOSAL',
    });
    let o = createAmendState(chain1, { self: 'lab-z' });
    o = amendStep(o, { type: 'proposal', proposal: propose(draft2) }, T0).state;
    expect(amendStep(o, { type: 'approve', proposal: id }, T0).validation).toMatchObject({
      code: 'AM_NOT_INVOLVED',
      action: 'reject',
    });
    expect(
      amendStep(s, { type: 'proposal', proposal: propose(draft2, 'lab-b') }, T0).validation,
    ).toMatchObject({
      code: 'AM_DUPLICATE',
    });
  });

  it('votes: one per voter and revision (AM_DUPLICATE_VOTE); an invalid certificate changes nothing (AK_THRESHOLD)', () => {
    const s0 = createAmendState(chain1);
    const a = certified2.amendment;
    const s1 = amendStep(s0, { type: 'vote', vote: amendVote(a, 'lab-a') }, T0).state;
    const other: Amendment = { ...a, effectiveEpoch: 4 };
    const twice: SignedAmendmentVote = amendVote(other, 'lab-a');
    const r = amendStep(s1, { type: 'vote', vote: twice }, T0);
    expect(r.validation).toMatchObject({ code: 'AM_DUPLICATE_VOTE', action: 'ignore' });
    expect(r.state).toBe(s1);
    const few = { ...certified2, signers: ['lab-a', 'lab-b'] };
    const k = amendStep(s1, { type: 'certified', certified: few }, T0);
    expect(k.validation).toMatchObject({ code: 'AK_THRESHOLD', action: 'reject' });
    expect(k.state.chain.head.revision).toBe(1);
    expect(k.effects).toEqual([]);
    // An observer applies a valid certified amendment and clears what it held for that revision.
    const ok = amendStep(s1, { type: 'certified', certified: certified2 }, T0);
    expect(ok.state.chain.head.revision).toBe(2);
    expect(ok.state.votes.size).toBe(0);
  });
});
