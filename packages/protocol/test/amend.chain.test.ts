import { describe, expect, it } from 'vitest';
import { RevisionChain } from '../src/amend/chain.js';
import { AmendmentChainError, verifyAmendmentChain } from '../src/amend/chain-verify.js';
import { amendmentHash } from '../src/amend/signing.js';
import type { Amendment, CertifiedAmendment } from '../src/amend/types.js';
import { validateCertifiedAmendment } from '../src/amend/validation.js';
import { sha256, toHex, utf8 } from '../src/bytes.js';
import type { Genesis } from '../src/types.js';
import {
  amendment2,
  amendment3,
  bls2,
  bls3,
  certified2,
  certified3,
  certify,
  chain1,
  chain2,
  genesis2,
  genesis3,
} from './helpers/amend.js';
import { dealShares } from './helpers/bls.js';
import { bls, epochStart, genesis, makeGenesis, networkId } from './helpers/fixtures.js';

/** Expect verifyAmendmentChain to fail with `code` at list position `position`. */
function expectChainError(
  list: CertifiedAmendment[],
  code: string,
  position: number,
  original: Genesis = genesis,
) {
  let err: unknown;
  try {
    verifyAmendmentChain(original, list);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(AmendmentChainError);
  expect((err as AmendmentChainError).code).toBe(code);
  expect((err as AmendmentChainError).position).toBe(position);
}

/** Amendment 3 with its genesis changed by `f`, certified by revision 2's committee. */
function variant3(f: (g: Genesis) => Genesis, over: Partial<Amendment> = {}): CertifiedAmendment {
  const a: Amendment = { ...amendment3, genesis: f(genesis3()), ...over };
  return certify(a, genesis2(), bls2, ['lab-a', 'lab-c', 'lab-d', 'lab-e']);
}

describe('verifyAmendmentChain: a chain of two amendments from the original genesis', () => {
  it('verifies and returns the genesis in effect at every epoch', () => {
    const chain = verifyAmendmentChain(genesis, [certified2, certified3]);
    expect(chain.head.revision).toBe(3);
    expect(toHex(chain.networkId)).toBe(toHex(networkId));
    expect(chain.revisions.map((r) => r.effectiveEpoch)).toEqual([0, 3, 6]);
    // Revision 1 in epochs 0..2, revision 2 in 3..5, revision 3 from 6 on.
    expect([0, 2, 3, 5, 6, 100].map((e) => chain.atEpoch(e).revision)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(chain.genesisAt(4).members.map((m) => m.id)).toEqual([
      'lab-a',
      'lab-b',
      'lab-c',
      'lab-d',
      'lab-e',
    ]);
    expect(chain.genesisAt(6).members.map((m) => m.id)).toEqual(['lab-a', 'lab-c', 'lab-d', 'lab-e']);
    expect(chain.genesisAt(6).policy.caps.trainingFlop).toBe(2n * 10n ** 26n);
    expect(chain.genesisAt(-1)).toBe(genesis);
    // The group key never changes; the hashes link.
    for (const r of chain.revisions)
      expect(toHex(r.genesis.dkg!.groupPublicKey)).toBe(toHex(bls.groupPublicKey));
    expect(toHex(chain.get(2)!.hash)).toBe(toHex(amendmentHash(amendment2)));
    expect(toHex(amendment3.prev)).toBe(toHex(chain.get(2)!.hash));
    expect(chain.amendments).toEqual([certified2, certified3]);
  });

  it('activation windows: a revision counts from its effective epoch until the end of the next one', () => {
    const chain = verifyAmendmentChain(genesis, [certified2, certified3]);
    expect(chain.activeFrom(1)).toBe(Number.NEGATIVE_INFINITY);
    expect(chain.activeFrom(2)).toBe(epochStart(3));
    expect(chain.retiredAt(1)).toBe(epochStart(4));
    expect(chain.retiredAt(2)).toBe(epochStart(7));
    expect(chain.retiredAt(3)).toBeNull();
    const active = (t: number) => chain.activeAt(t).map((r) => r.revision);
    expect(active(epochStart(2))).toEqual([1]);
    expect(active(epochStart(3))).toEqual([1, 2]);
    expect(active(epochStart(4) - 1)).toEqual([1, 2]);
    expect(active(epochStart(4))).toEqual([2]);
    expect(active(epochStart(6) + 5)).toEqual([2, 3]);
    expect(active(epochStart(7))).toEqual([3]);
    expect(chain.atTime(epochStart(5) + 1).revision).toBe(2);
  });

  it('an empty list is the original genesis; the original must carry its DKG result', () => {
    expect(verifyAmendmentChain(genesis, []).head.revision).toBe(1);
    expectChainError([], 'AK_NO_DKG', -1, makeGenesis({ withDkg: false }));
  });
});

describe('verifyAmendmentChain: tampered chains do not verify (typed, first failing item)', () => {
  it('order: a gap, a repeat, a reversed pair (AK_ORDER)', () => {
    expectChainError([certified3], 'AK_ORDER', 0);
    expectChainError([certified2, certified2], 'AK_ORDER', 1);
    expectChainError([certified3, certified2], 'AK_ORDER', 0);
  });

  it('a link to another revision than the previous one (AK_PREV: stale base)', () => {
    // Revision 3 that amends revision 1 (prev = network id) instead of revision 2.
    expectChainError([certified2, variant3((g) => g, { prev: networkId })], 'AK_PREV', 1);
  });

  it('effective epochs must increase (A_EFFECTIVE_EPOCH)', () => {
    expectChainError([certified2, variant3((g) => g, { effectiveEpoch: 3 })], 'A_EFFECTIVE_EPOCH', 1);
  });

  it('signed by fewer than t of the previous revision, or by members of a stale revision (AK_THRESHOLD, AK_SIGNERS)', () => {
    // Revision 2's threshold is 4: three signers are too few, even if their partials did recover
    // (here: the same signature relabelled).
    expectChainError(
      [certified2, { ...certified3, signers: ['lab-a', 'lab-c', 'lab-d'] }],
      'AK_THRESHOLD',
      1,
    );
    // A signer that is no member of revision 2 is refused.
    expectChainError(
      [certified2, { ...certified3, signers: ['lab-a', 'lab-c', 'lab-d', 'lab-x'] }],
      'AK_SIGNERS',
      1,
    );
    // Revision 3 certified by three members of revision 1 (its threshold 3) is under a stale revision:
    // revision 2 (t = 4) is in force.
    const stale = certify(amendment3, genesis, bls, ['lab-a', 'lab-c', 'lab-d']);
    expectChainError([certified2, stale], 'AK_THRESHOLD', 1);
    expectChainError(
      [certified2, { ...certified3, signers: ['lab-a', 'lab-a', 'lab-c', 'lab-d'] }],
      'AK_SIGNERS',
      1,
    );
    expectChainError(
      [certified2, { ...certified3, signers: ['lab-c', 'lab-a', 'lab-d', 'lab-e'] }],
      'AK_SIGNERS',
      1,
    );
  });

  it('a body changed after signing, or a signature over another revision (AK_SIGNATURE)', () => {
    const changed = { ...certified3, amendment: { ...amendment3, effectiveEpoch: 7 } };
    expectChainError([certified2, changed], 'AK_SIGNATURE', 1);
    const swapped = { ...certified3, signature: certified2.signature };
    expectChainError([certified2, swapped], 'AK_SIGNATURE', 1);
    const member = genesis3().members[0]!;
    const renamed = {
      ...certified3,
      amendment: {
        ...amendment3,
        genesis: { ...genesis3(), members: [{ ...member, name: 'Lab A2' }, ...genesis3().members.slice(1)] },
      },
    };
    expectChainError([certified2, renamed], 'AK_SIGNATURE', 1);
  });

  it('another group key, shares that do not share it, a DKG result for an unchanged committee (A_GROUP_KEY, A_SHARES, A_DKG)', () => {
    const other = dealShares(4, 3, 'other', 'other');
    expectChainError(
      [certified2, variant3((g) => ({ ...g, dkg: { ...g.dkg!, groupPublicKey: other.groupPublicKey } }))],
      'A_GROUP_KEY',
      1,
    );
    expectChainError(
      [certified2, variant3((g) => ({ ...g, dkg: { ...g.dkg!, publicShares: other.publicShares } }))],
      'A_SHARES',
      1,
    );
    // Shares at threshold 3 claimed as threshold 2 (a committee where 2 could not sign).
    const t2: Genesis = { ...genesis3(), members: genesis3().members.slice(0, 3), threshold: 2 };
    expectChainError(
      [
        certified2,
        variant3(() => ({ ...t2, dkg: { ...t2.dkg!, publicShares: bls3.publicShares.slice(0, 3) } })),
      ],
      'A_SHARES',
      1,
    );
    // Same committee as revision 2 (a caps-only change) must keep revision 2's DKG result exactly.
    const capsOnly = (dkg: Genesis['dkg']): CertifiedAmendment => {
      const g2 = genesis2();
      const g: Genesis = { ...g2, policy: { ...g2.policy, deadlineMs: 1_800_000 }, dkg };
      return certify({ ...amendment3, genesis: g }, g2, bls2, ['lab-a', 'lab-b', 'lab-c', 'lab-d']);
    };
    expect(verifyAmendmentChain(genesis, [certified2, capsOnly(genesis2().dkg)]).head.revision).toBe(3);
    expectChainError(
      [certified2, capsOnly({ ...genesis2().dkg!, transcriptHash: sha256(utf8('other')) })],
      'A_DKG',
      1,
    );
    expectChainError([certified2, capsOnly(undefined)], 'A_DKG', 1);
  });

  it('an amendment that leaves fewer than t members, or t <= n/2 (A_THRESHOLD)', () => {
    // Revision 2 (t = 4) minus two labs, threshold unchanged: 3 members < t.
    const g2 = genesis2();
    const few: Genesis = { ...g2, members: g2.members.slice(0, 3) };
    expectChainError([certified2, variant3(() => few)], 'A_THRESHOLD', 1);
    const low: Genesis = { ...genesis3(), threshold: 2 };
    expectChainError([certified2, variant3(() => low)], 'A_THRESHOLD', 1);
  });

  it('epoch axis changed, nothing changed, a stayer rotating its key in a reshare (A_EPOCH_AXIS, A_UNCHANGED, A_KEYS)', () => {
    expectChainError(
      [certified2, variant3((g) => ({ ...g, policy: { ...g.policy, epochMs: g.policy.epochMs * 2 } }))],
      'A_EPOCH_AXIS',
      1,
    );
    const same = certify({ ...amendment3, genesis: genesis2() }, genesis2(), bls2, [
      'lab-a',
      'lab-b',
      'lab-c',
      'lab-d',
    ]);
    expectChainError([certified2, same], 'A_UNCHANGED', 1);
    expectChainError(
      [
        certified2,
        variant3((g) => ({
          ...g,
          members: g.members.map((m) =>
            m.id === 'lab-c' ? { ...m, publicKey: sha256(utf8('new key')) } : m,
          ),
        })),
      ],
      'A_KEYS',
      1,
    );
  });

  it('an amendment for another network, a duplicate member (A_NETWORK, A_GENESIS)', () => {
    expectChainError([variant2({ networkId: sha256(utf8('elsewhere')) })], 'AK_NETWORK', 0);
    const g2 = genesis2();
    const dup: Genesis = { ...g2, members: g2.members.map((m, i) => (i === 4 ? { ...m, id: 'lab-a' } : m)) };
    expectChainError(
      [certify({ ...amendment2, genesis: dup }, genesis, bls, ['lab-a', 'lab-b', 'lab-c'])],
      'A_GENESIS',
      0,
    );
  });

  it('validateCertifiedAmendment says ignore for decided and future revisions (AK_STALE, AK_FUTURE), and changes nothing', () => {
    const v1 = validateCertifiedAmendment(certified2, { chain: chain2 });
    expect(v1).toMatchObject({ ok: false, action: 'ignore', code: 'AK_STALE' });
    const v2 = validateCertifiedAmendment(certified3, { chain: chain1 });
    expect(v2).toMatchObject({ ok: false, action: 'ignore', code: 'AK_FUTURE' });
    expect(chain1.head.revision).toBe(1);
    expect(RevisionChain.fromGenesis(genesis).revisions).toHaveLength(1);
  });
});

/** Amendment 2 with fields replaced, certified by revision 1's committee. */
function variant2(over: Partial<Amendment>): CertifiedAmendment {
  return certify({ ...amendment2, ...over }, genesis, bls, ['lab-a', 'lab-b', 'lab-c']);
}
