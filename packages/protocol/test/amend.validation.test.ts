import { describe, expect, it } from 'vitest';
import { draftAmendment } from '../src/amend/build.js';
import { RevisionChain } from '../src/amend/chain.js';
import { signAmendmentProposal } from '../src/amend/signing.js';
import type { Amendment } from '../src/amend/types.js';
import { validateAmendmentProposal, validateAmendmentVote } from '../src/amend/validation.js';
import { sha256, utf8 } from '../src/bytes.js';
import type { Genesis, Validation } from '../src/types.js';
import {
  amendment2,
  amendment3,
  amendPartial,
  amendVote,
  bls2,
  chain1,
  chain2,
  draft2,
  genesis2,
  genesis3,
  propose,
} from './helpers/amend.js';
import { bls, epochStart, genesis, labKeys, makeGenesis, outsiderKey } from './helpers/fixtures.js';

function expectFail(v: Validation, code: string, action: 'reject' | 'ignore') {
  expect(v).toMatchObject({ ok: false, code, action });
}

const NOW = epochStart(1) + 120_000;
const ctx1 = { chain: chain1, now: NOW };
/** The draft of revision 3 against chain2 (no dkg). */
const draft3: Amendment = draftAmendment(chain2, genesis3(), 6);
const ctx2 = { chain: chain2, now: epochStart(4) };

describe('amendment proposals (AP_*)', () => {
  it('a member of the revision in force proposes a draft of the next revision', () => {
    expect(validateAmendmentProposal(propose(draft2), ctx1)).toEqual({ ok: true });
    expect(validateAmendmentProposal(propose(draft3, 'lab-e', epochStart(3)), ctx2)).toEqual({ ok: true });
  });

  it('size, network (AP_SIZE, AP_NETWORK)', () => {
    expectFail(
      validateAmendmentProposal({ ...propose(draft2), summary: 'x'.repeat(1025) }, ctx1),
      'AP_SIZE',
      'reject',
    );
    const other = { ...draft2, networkId: sha256(utf8('elsewhere')) };
    expectFail(validateAmendmentProposal(propose(other), ctx1), 'AP_NETWORK', 'reject');
  });

  it('a stale base is refused, typed, and changes nothing (AP_STALE; AP_PREV; AP_FUTURE)', () => {
    // Revision 2 is already certified: a proposal of another revision 2 amends a revision no longer in force.
    expectFail(
      validateAmendmentProposal(propose(draft2), { chain: chain2, now: epochStart(4) }),
      'AP_STALE',
      'ignore',
    );
    // The right number but a prev that is not the head's hash (built on an uncertified or foreign base).
    expectFail(
      validateAmendmentProposal(propose({ ...draft2, prev: sha256(utf8('x')) }), ctx1),
      'AP_PREV',
      'reject',
    );
    expectFail(
      validateAmendmentProposal(propose(draft3, 'lab-a', epochStart(3)), ctx1),
      'AP_FUTURE',
      'ignore',
    );
    expect(chain2.head.revision).toBe(2);
  });

  it('nothing is amended before the DKG (AP_NO_DKG)', () => {
    const bare = RevisionChain.fromGenesis(makeGenesis({ withDkg: false }));
    const d = draftAmendment(bare, genesis2(), 3);
    expectFail(validateAmendmentProposal(propose(d), { chain: bare, now: NOW }), 'AP_NO_DKG', 'ignore');
  });

  it('the proposer is a member of the revision in force; new members propose only once it is in effect (AP_PROPOSER, AP_EARLY)', () => {
    expectFail(validateAmendmentProposal(propose(draft2, 'lab-e'), ctx1), 'AP_PROPOSER', 'reject');
    // lab-e is a member of revision 2, which takes effect at epoch 3: before that it proposes nothing.
    expectFail(
      validateAmendmentProposal(propose(draft3, 'lab-e', epochStart(2)), {
        chain: chain2,
        now: epochStart(2) + 1,
      }),
      'AP_EARLY',
      'reject',
    );
  });

  it('signature, clock (AP_SIGNATURE, AP_FROM_FUTURE, AP_TOO_LATE)', () => {
    const forged = signAmendmentProposal(
      { amendment: draft2, proposer: 'lab-a', summary: '', issuedAt: epochStart(1) },
      outsiderKey,
    );
    expectFail(validateAmendmentProposal(forged, ctx1), 'AP_SIGNATURE', 'reject');
    expectFail(
      validateAmendmentProposal(propose(draft2, 'lab-a', NOW + 60_000), ctx1),
      'AP_FROM_FUTURE',
      'ignore',
    );
    // Effective epoch 3 starts within the clock skew: it could not be certified before it takes effect.
    expectFail(
      validateAmendmentProposal(propose(draft2, 'lab-a', epochStart(2)), {
        chain: chain1,
        now: epochStart(3) - 10_000,
      }),
      'AP_TOO_LATE',
      'ignore',
    );
  });

  it('a proposal carries a draft, never a DKG result (A_DRAFT)', () => {
    expectFail(validateAmendmentProposal(propose(amendment2), ctx1), 'A_DRAFT', 'reject');
  });

  it('a proposal that removes so many members that fewer than t remain (A_THRESHOLD)', () => {
    const g: Genesis = { ...genesis, members: genesis.members.slice(0, 2) };
    const d = draftAmendment(chain1, g, 3);
    const v = validateAmendmentProposal(propose(d), ctx1);
    expectFail(v, 'A_THRESHOLD', 'reject');
    expect(v.ok === false && v.detail).toContain('fewer than t members would remain');
    // The same removal with the threshold lowered in the same amendment is fine (2 of 2).
    const ok = draftAmendment(chain1, { ...g, threshold: 2 }, 3);
    expect(validateAmendmentProposal(propose(ok), ctx1)).toEqual({ ok: true });
  });
});

describe('amendment votes (AV_*)', () => {
  it("a member of the revision in force partially signs the next revision's statement with its share", () => {
    for (const l of ['lab-a', 'lab-b', 'lab-c', 'lab-d'])
      expect(validateAmendmentVote(amendVote(amendment2, l), ctx1)).toEqual({ ok: true });
    const v3 = amendVote(amendment3, 'lab-e', { base: genesis2(), setup: bls2, issuedAt: epochStart(3) });
    expect(validateAmendmentVote(v3, ctx2)).toEqual({ ok: true });
  });

  it('network, order (AV_NETWORK, AV_STALE, AV_FUTURE)', () => {
    const v = amendVote(amendment2, 'lab-a');
    expectFail(
      validateAmendmentVote({ ...v, vote: { ...v.vote, networkId: sha256(utf8('x')) } }, ctx1),
      'AV_NETWORK',
      'reject',
    );
    expectFail(validateAmendmentVote(v, ctx2), 'AV_STALE', 'ignore');
    const v3 = amendVote(amendment3, 'lab-a', { base: genesis2(), setup: bls2, issuedAt: epochStart(3) });
    expectFail(validateAmendmentVote(v3, { chain: chain1, now: epochStart(4) }), 'AV_FUTURE', 'ignore');
  });

  it('a lab outside the revision in force cannot vote; a new member votes only once its revision is in effect (AV_MEMBER, AV_EARLY)', () => {
    const e = amendVote(amendment2, 'lab-e', { base: genesis2(), setup: bls2 });
    expectFail(validateAmendmentVote(e, ctx1), 'AV_MEMBER', 'reject');
    const early = amendVote(amendment3, 'lab-e', { base: genesis2(), setup: bls2, issuedAt: epochStart(2) });
    expectFail(validateAmendmentVote(early, { chain: chain2, now: epochStart(2) + 1 }), 'AV_EARLY', 'reject');
  });

  it('signature, clock, partial: an old share is no use once resharing replaced it (AV_SIGNATURE, AV_FROM_FUTURE, AV_PARTIAL)', () => {
    const v = amendVote(amendment2, 'lab-a');
    expectFail(
      validateAmendmentVote({ ...v, signature: new Uint8Array(64) }, ctx1),
      'AV_SIGNATURE',
      'reject',
    );
    expectFail(
      validateAmendmentVote(amendVote(amendment2, 'lab-a', { issuedAt: NOW + 60_000 }), ctx1),
      'AV_FROM_FUTURE',
      'ignore',
    );
    // lab-b's partial offered as lab-a's.
    const wrong = amendVote(amendment2, 'lab-a', {
      partial: amendPartial(amendment2, genesis, bls, 'lab-b'),
    });
    expectFail(validateAmendmentVote(wrong, ctx1), 'AV_PARTIAL', 'reject');
    // lab-a signs revision 3 with its revision-1 share: revision 2 is in force, whose public shares differ.
    const old = amendVote(amendment3, 'lab-a', { base: genesis, setup: bls, issuedAt: epochStart(3) });
    expectFail(validateAmendmentVote(old, ctx2), 'AV_PARTIAL', 'reject');
    expect(labKeys['lab-e']).toBeUndefined();
  });
});
