import { describe, expect, it } from 'vitest';
import { judgedStaleAfter, missedAfter } from '../src/epoch.js';
import { checkCaps, detectEquivocation } from '../src/evidence.js';
import { signEvidence } from '../src/sign.js';
import { networkIdOf } from '../src/signing.js';
import type { Evidence, SignedCommitment, Validation } from '../src/types.js';
import { validateEvidence } from '../src/validation/evidence.js';
import {
  epochStart,
  fileEvidence,
  genesis,
  makeGenesis,
  metrics,
  networkId,
  outsiderKey,
  signed,
} from './helpers/fixtures.js';

const now = epochStart(2);
const ctx = { genesis, networkId, now };
const over = signed({ lab: 'lab-d', metrics: metrics({ trainingFlop: 10n ** 26n + 1n }) });
const a = signed({ lab: 'lab-c', epoch: 1 });
const b = signed({ lab: 'lab-c', epoch: 1, metrics: metrics({ trainingFlop: 1n }) });

function expectFail(v: Validation, code: string, action: 'reject' | 'ignore') {
  expect(v).toMatchObject({ ok: false, code, action });
}

describe('evidence builders', () => {
  it('checkCaps returns portable cap-exceeded evidence only over a cap (strictly greater)', () => {
    expect(checkCaps(over, genesis.policy)).toEqual({
      kind: 'cap-exceeded',
      commitment: over,
      cap: 'trainingFlop',
    });
    expect(checkCaps(signed({ metrics: metrics({ trainingFlop: 10n ** 26n }) }), genesis.policy)).toBeNull();
  });
  it('detectEquivocation: same lab + epoch, different content -> ordered fraud proof; otherwise null', () => {
    const ev = detectEquivocation(a, b);
    expect(ev?.kind).toBe('equivocation');
    expect(detectEquivocation(b, a)).toEqual(ev);
    expect(detectEquivocation(a, a)).toBeNull();
    expect(detectEquivocation(a, signed({ lab: 'lab-b', epoch: 1 }))).toBeNull();
    expect(
      detectEquivocation(a, signed({ lab: 'lab-c', epoch: 2, seq: 1, prev: new Uint8Array(32).fill(1) })),
    ).toBeNull();
  });
  it('the equivocation proof convinces a third party holding only the genesis', () => {
    const se = fileEvidence(detectEquivocation(a, b) as Evidence, 'auditor-x');
    expect(validateEvidence(se, { genesis, networkId: networkIdOf(genesis), now })).toEqual({ ok: true });
  });
});

describe('evidence validation (E_*)', () => {
  it('accepts each kind when valid', () => {
    expect(
      validateEvidence(fileEvidence({ kind: 'cap-exceeded', commitment: over, cap: 'trainingFlop' }), ctx),
    ).toEqual({ ok: true });
    expect(validateEvidence(fileEvidence(detectEquivocation(a, b)!), ctx)).toEqual({ ok: true });
    expect(validateEvidence(fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }), ctx)).toEqual({
      ok: true,
    });
    const report: Evidence = {
      kind: 'report',
      subject: 'lab-d',
      epoch: 1,
      digest: new Uint8Array(32),
      summary: 'x',
    };
    expect(validateEvidence(fileEvidence(report, 'auditor-x'), ctx)).toEqual({ ok: true });
  });
  it('E_SIZE: summary over the limit', () => {
    const report: Evidence = {
      kind: 'report',
      subject: 'lab-d',
      epoch: 1,
      digest: new Uint8Array(32),
      summary: 'x'.repeat(1025),
    };
    expectFail(
      validateEvidence(
        { ...fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }), evidence: report },
        ctx,
      ),
      'E_SIZE',
      'reject',
    );
  });
  it('E_NETWORK: filed for another network', () => {
    const other = networkIdOf(makeGenesis({ withDkg: false }));
    const se = signEvidence(
      {
        networkId: other,
        evidence: { kind: 'missed', lab: 'lab-d', epoch: 0 },
        reporter: 'lab-b',
        issuedAt: now,
      },
      outsiderKey,
    );
    expectFail(validateEvidence(se, ctx), 'E_NETWORK', 'reject');
  });
  it('E_REPORTER: unknown reporter, or an auditor filing missed', () => {
    expectFail(
      validateEvidence(fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }, 'nobody'), ctx),
      'E_REPORTER',
      'reject',
    );
    expectFail(
      validateEvidence(fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }, 'auditor-x'), ctx),
      'E_REPORTER',
      'reject',
    );
  });
  it('E_FROM_FUTURE: issuedAt beyond now + skew', () => {
    const se = fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }, 'lab-b', now + 30_001);
    expectFail(validateEvidence(se, ctx), 'E_FROM_FUTURE', 'ignore');
  });
  it('E_SIGNATURE: tampered after signing', () => {
    const se = fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 0 });
    expectFail(
      validateEvidence({ ...se, evidence: { kind: 'missed', lab: 'lab-c', epoch: 0 } }, ctx),
      'E_SIGNATURE',
      'reject',
    );
  });
  it('E_COMMITMENT: embedded commitment with a bad signature', () => {
    const forged: SignedCommitment = { ...over, signature: new Uint8Array(64).fill(3) };
    expectFail(
      validateEvidence(fileEvidence({ kind: 'cap-exceeded', commitment: forged, cap: 'trainingFlop' }), ctx),
      'E_COMMITMENT',
      'reject',
    );
  });
  it('E_CAP_NOT_EXCEEDED: the named cap is not exceeded', () => {
    expectFail(
      validateEvidence(fileEvidence({ kind: 'cap-exceeded', commitment: over, cap: 'maxParams' }), ctx),
      'E_CAP_NOT_EXCEEDED',
      'reject',
    );
  });
  it('E_EQUIV_MISMATCH: different labs', () => {
    const other = signed({ lab: 'lab-b', epoch: 1 });
    const [x, y] = [a, other];
    expectFail(
      validateEvidence(fileEvidence({ kind: 'equivocation', a: x, b: y }), ctx),
      'E_EQUIV_MISMATCH',
      'reject',
    );
  });
  it('E_EQUIV_ORDER: wrong order, or identical content', () => {
    const ev = detectEquivocation(a, b) as Extract<Evidence, { kind: 'equivocation' }>;
    expectFail(
      validateEvidence(fileEvidence({ kind: 'equivocation', a: ev.b, b: ev.a }), ctx),
      'E_EQUIV_ORDER',
      'reject',
    );
    expectFail(
      validateEvidence(fileEvidence({ kind: 'equivocation', a, b: a }), ctx),
      'E_EQUIV_ORDER',
      'reject',
    );
  });
  it('E_SUBJECT: accused lab not a member', () => {
    expectFail(
      validateEvidence(fileEvidence({ kind: 'missed', lab: 'lab-q', epoch: 0 }), ctx),
      'E_SUBJECT',
      'reject',
    );
  });
  it('E_MISSED_EARLY: deadline + grace not yet passed', () => {
    const t = missedAfter(genesis.policy, 1) - 30_001;
    const se = fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 1 }, 'lab-b', t);
    expectFail(validateEvidence(se, { ...ctx, now: t }), 'E_MISSED_EARLY', 'ignore');
  });
  it('E_STALE: judged evidence past judgedMaxAgeEpochs epochs after the missed point is ignored; self-proving never', () => {
    const limit = judgedStaleAfter(genesis.policy, 1);
    expect(limit).toBe(missedAfter(genesis.policy, 1) + 30 * genesis.policy.epochMs);
    const missed = fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 1 }, 'lab-b', limit);
    const report = fileEvidence(
      { kind: 'report', subject: 'lab-d', epoch: 1, digest: new Uint8Array(32).fill(3), summary: 'audit' },
      'auditor-x',
      limit,
    );
    for (const se of [missed, report]) {
      expect(validateEvidence(se, { ...ctx, now: limit + 30_000 })).toEqual({ ok: true });
      expectFail(validateEvidence(se, { ...ctx, now: limit + 30_001 }), 'E_STALE', 'ignore');
    }
    // A cap-exceeded proof about an old epoch stays valid: self-proving evidence does not go stale.
    const old = fileEvidence(checkCaps(over, genesis.policy) as Evidence, 'lab-b', limit);
    expect(validateEvidence(old, { ...ctx, now: limit + 10 * genesis.policy.epochMs })).toEqual({ ok: true });
  });
});
