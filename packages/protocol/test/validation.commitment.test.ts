import { describe, expect, it } from 'vitest';
import { ZERO_HASH } from '../src/bytes.js';
import { missedAfter } from '../src/epoch.js';
import { attestCommitment, signCommitment } from '../src/sign.js';
import { hashSignedCommitment, networkIdOf } from '../src/signing.js';
import type { SignedCommitment, Validation } from '../src/types.js';
import { type CommitmentContext, validateCommitment } from '../src/validation/commitment.js';
import {
  chain,
  commitment,
  GENESIS_TIME,
  genesis,
  labKeys,
  makeGenesis,
  networkId,
  outsiderKey,
  signed,
} from './helpers/fixtures.js';

const base = signed();
const now = base.commitment.issuedAt + 1_000;
const ctx = (over: Partial<CommitmentContext> = {}): CommitmentContext => ({
  genesis,
  networkId,
  now,
  ...over,
});

function expectFail(v: Validation, code: string, action: 'reject' | 'ignore') {
  expect(v).toMatchObject({ ok: false, code, action });
}

describe('commitment validation (C_*)', () => {
  it('accepts a valid first commitment and a valid chain link', () => {
    expect(validateCommitment(base, ctx())).toEqual({ ok: true });
    const [c0, c1] = chain('lab-b', 2) as [SignedCommitment, SignedCommitment];
    expect(
      validateCommitment(
        c1,
        ctx({ now: c1.commitment.issuedAt, lastOfLab: { seq: 0, hash: hashSignedCommitment(c0), epoch: 0 } }),
      ),
    ).toEqual({ ok: true });
  });
  it('C_SIZE: a value that cannot be encoded canonically within limits', () => {
    const c = commitment({ runsRoot: new Uint8Array(31) });
    expectFail(
      validateCommitment({ commitment: c, signature: new Uint8Array(64) }, ctx()),
      'C_SIZE',
      'reject',
    );
  });
  it('C_NETWORK: signed for another network', () => {
    const other = networkIdOf(makeGenesis({ withDkg: false }));
    expectFail(validateCommitment(signed({ networkId: other }), ctx()), 'C_NETWORK', 'reject');
  });
  it('C_MEMBER: lab not in genesis', () => {
    const c = commitment({ lab: 'lab-z' });
    expectFail(validateCommitment(signCommitment(c, outsiderKey), ctx()), 'C_MEMBER', 'reject');
  });
  it('C_FROM_FUTURE: issuedAt beyond now + skew', () => {
    expectFail(
      validateCommitment(base, ctx({ now: base.commitment.issuedAt - 30_001 })),
      'C_FROM_FUTURE',
      'ignore',
    );
    expect(validateCommitment(base, ctx({ now: base.commitment.issuedAt - 30_000 })).ok).toBe(true);
  });
  it('C_STALE: epoch closed (deadline + grace + skew passed), unless historic', () => {
    const late = missedAfter(genesis.policy, 0) + 30_001;
    expectFail(validateCommitment(base, ctx({ now: late })), 'C_STALE', 'ignore');
    expect(validateCommitment(base, ctx({ now: late, historic: true })).ok).toBe(true);
  });
  it('C_SEQ_OLD: seq not above the stored one', () => {
    expectFail(
      validateCommitment(base, ctx({ lastOfLab: { seq: 0, hash: hashSignedCommitment(base) } })),
      'C_SEQ_OLD',
      'ignore',
    );
  });
  it('C_SEQ_GAP: seq skips ahead', () => {
    const cs = chain('lab-a', 3);
    const c2 = cs[2]!;
    expectFail(
      validateCommitment(
        c2,
        ctx({ now: c2.commitment.issuedAt, lastOfLab: { seq: 0, hash: hashSignedCommitment(cs[0]!) } }),
      ),
      'C_SEQ_GAP',
      'ignore',
    );
  });
  it('C_SIGNATURE: one flipped signature bit', () => {
    const sig = Uint8Array.from(base.signature);
    sig[10] = (sig[10] as number) ^ 1;
    expectFail(validateCommitment({ ...base, signature: sig }, ctx()), 'C_SIGNATURE', 'reject');
    // signed by another member's key
    expectFail(
      validateCommitment(signCommitment(base.commitment, labKeys['lab-b']!), ctx()),
      'C_SIGNATURE',
      'reject',
    );
  });
  it('C_ATTESTATION: a bad co-signature', () => {
    const c = commitment();
    const att = attestCommitment(c, 'dc-1', new Uint8Array(32).fill(5));
    const good = signCommitment({ ...c, attestations: [att] }, labKeys['lab-a']!);
    expect(validateCommitment(good, ctx()).ok).toBe(true);
    const badAtt = { ...att, signature: new Uint8Array(64).fill(1) };
    expectFail(
      validateCommitment(signCommitment({ ...c, attestations: [badAtt] }, labKeys['lab-a']!), ctx()),
      'C_ATTESTATION',
      'reject',
    );
  });
  it('C_PREV_GENESIS: seq 0 with a non-zero prev, or seq > 0 with zero prev', () => {
    expectFail(
      validateCommitment(signed({ prev: new Uint8Array(32).fill(1) }), ctx()),
      'C_PREV_GENESIS',
      'reject',
    );
    expectFail(validateCommitment(signed({ seq: 1, prev: ZERO_HASH }), ctx()), 'C_PREV_GENESIS', 'reject');
  });
  it('C_ISSUED_BEFORE_EPOCH: issued before the epoch started', () => {
    const sc = signed({ epoch: 0, issuedAt: GENESIS_TIME - 1 });
    expectFail(validateCommitment(sc, ctx({ now: GENESIS_TIME })), 'C_ISSUED_BEFORE_EPOCH', 'reject');
  });
  it('C_ISSUED_AFTER_GRACE: issued after deadline + grace', () => {
    const t = missedAfter(genesis.policy, 0) + 1;
    expectFail(
      validateCommitment(signed({ issuedAt: t }), ctx({ now: t })),
      'C_ISSUED_AFTER_GRACE',
      'reject',
    );
  });
  it('C_PREV_MISMATCH: prev does not link to the stored commitment', () => {
    const c1 = chain('lab-a', 2)[1]!;
    expectFail(
      validateCommitment(
        c1,
        ctx({ now: c1.commitment.issuedAt, lastOfLab: { seq: 0, hash: new Uint8Array(32).fill(7) } }),
      ),
      'C_PREV_MISMATCH',
      'reject',
    );
  });
  it('C_EPOCH_ORDER: epoch does not increase along the chain', () => {
    const c1 = signed({ epoch: 0, seq: 1, prev: hashSignedCommitment(base) });
    expectFail(
      validateCommitment(c1, ctx({ lastOfLab: { seq: 0, hash: hashSignedCommitment(base), epoch: 0 } })),
      'C_EPOCH_ORDER',
      'reject',
    );
  });
  it('C_HEIGHT_ORDER: the applied (height, level) a commitment states never goes back along the chain', () => {
    const last = (height: number, level: 'RUNNING' | 'REDUCED' | 'PAUSED') => ({
      seq: 0,
      hash: hashSignedCommitment(base),
      epoch: 0,
      height,
      level,
    });
    const next = (height: number, level: 'RUNNING' | 'REDUCED' | 'PAUSED') =>
      signed({ epoch: 1, seq: 1, prev: hashSignedCommitment(base), height, level });
    const at = (sc: SignedCommitment) => ({ now: sc.commitment.issuedAt });
    const c = next(2, 'RUNNING');
    expect(validateCommitment(c, ctx({ ...at(c), lastOfLab: last(1, 'PAUSED') }))).toEqual({ ok: true });
    const up = next(1, 'PAUSED');
    expect(validateCommitment(up, ctx({ ...at(up), lastOfLab: last(1, 'REDUCED') }))).toEqual({ ok: true });
    const same = next(1, 'REDUCED');
    expect(validateCommitment(same, ctx({ ...at(same), lastOfLab: last(1, 'REDUCED') }))).toEqual({
      ok: true,
    });
    const lower = next(1, 'REDUCED');
    expectFail(
      validateCommitment(lower, ctx({ ...at(lower), lastOfLab: last(1, 'PAUSED') })),
      'C_HEIGHT_ORDER',
      'reject',
    );
    const earlier = next(0, 'RUNNING');
    expectFail(
      validateCommitment(earlier, ctx({ ...at(earlier), lastOfLab: last(1, 'REDUCED') })),
      'C_HEIGHT_ORDER',
      'reject',
    );
    // Without the stored head's state the rule cannot be judged (as C_EPOCH_ORDER without its epoch).
    expect(
      validateCommitment(
        earlier,
        ctx({ ...at(earlier), lastOfLab: { seq: 0, hash: hashSignedCommitment(base) } }),
      ),
    ).toEqual({
      ok: true,
    });
  });
});
