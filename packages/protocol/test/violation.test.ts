import { describe, expect, it } from 'vitest';
import { breachIdOf, breachKeyOf } from '../src/breach.js';
import { decodeSignedEvidence, encodeSignedEvidence } from '../src/codec/codec.js';
import { baselineProblem, limitExcesses } from '../src/compliance/limits.js';
import { buildPauseViolation } from '../src/compliance/violation.js';
import { effectiveLimits } from '../src/level.js';
import { signCommitment } from '../src/sign.js';
import { certificateHash } from '../src/signing.js';
import type { PauseViolation, SignedCommitment, Validation } from '../src/types.js';
import { validateEvidence } from '../src/validation/evidence.js';
import { epochStart, metrics, outsiderKey } from './helpers/fixtures.js';
import { makeNet } from './helpers/net.js';

/**
 * pause-violation (docs/protocol.md "pause-violation"). Policy: REDUCED allows 1e25 FLOP per epoch and
 * half the baseline's accelerator-hours; PAUSED allows 1e24 FLOP and no growth of the largest run; the
 * baseline is the 2 commitments before the level.
 */
const net = makeNet({
  limits: {
    REDUCED: { trainingFlop: 10n ** 25n, acceleratorHoursBps: 5_000 },
    PAUSED: { trainingFlop: 10n ** 24n, largestRunGrowthBps: 0 },
  },
  baselineEpochs: 2,
});
const K = net.cert(1, 'PAUSED');
const KR = net.cert(1, 'REDUCED');
const now = epochStart(5);
const calm = { trainingFlop: 5n * 10n ** 23n, largestRunFlop: 10n ** 25n, acceleratorHours: 500_000n };
// lab-b: epochs 0 and 1 running (baseline), epoch 2 committed under PAUSED@1 over the FLOP allowance.
const chain = net.chain('lab-b', [
  { epoch: 0, metrics: { acceleratorHours: 1_000_000n } },
  { epoch: 1, metrics: { acceleratorHours: 1_200_000n } },
  { epoch: 2, height: 1, level: 'PAUSED', metrics: { ...calm, trainingFlop: 5n * 10n ** 24n } },
]) as [SignedCommitment, SignedCommitment, SignedCommitment];
const [, c1, c2] = chain;
const receipt = net.receipt({
  lab: 'lab-b',
  certificateHash: certificateHash(K),
  height: 1,
  target: 'PAUSED',
  issuedAt: epochStart(2) - 1_000,
  hooksDoneAt: epochStart(2) - 2_000,
});
const violation: PauseViolation = {
  kind: 'pause-violation',
  certificate: K,
  acknowledgment: { kind: 'receipt', receipt },
  commitment: c2,
  baseline: [],
};
const check = (ev: PauseViolation, reporter = 'lab-a') =>
  validateEvidence(net.evidence(ev, reporter, now), { genesis: net.genesis, networkId: net.networkId, now });
const expectFail = (v: Validation, code: string, action: 'reject' | 'ignore' = 'reject') =>
  expect(v).toMatchObject({ ok: false, code, action });

describe('pause-violation evidence', () => {
  it('self-proving: certificate, the lab receipt before the epoch, its commitment at that height over the limit', () => {
    expect(check(violation)).toEqual({ ok: true });
    const se = net.evidence(violation, 'lab-a', now);
    expect(decodeSignedEvidence(encodeSignedEvidence(se))).toEqual(se);
    // An auditor can file it too; the breach is (lab, epoch, height), whichever acknowledgment proves it.
    expect(check(violation, 'auditor-x')).toEqual({ ok: true });
    expect(breachKeyOf(violation)).toEqual({ kind: 'pause-violation', lab: 'lab-b', epoch: 2, height: 1 });
  });

  it('E_CERTIFICATE: a certificate that does not verify', () => {
    expectFail(check({ ...violation, certificate: { ...K, signature: KR.signature } }), 'E_CERTIFICATE');
  });

  it('E_VIOLATION_LEVEL: a RUNNING certificate sets no limits', () => {
    const resume = net.cert(2, 'RUNNING', { resolves: [] });
    expectFail(check({ ...violation, certificate: resume }), 'E_VIOLATION_LEVEL');
  });

  it('E_COMMITMENT: an embedded commitment with a bad signature', () => {
    expectFail(
      check({ ...violation, commitment: signCommitment(c2.commitment, outsiderKey) }),
      'E_COMMITMENT',
    );
  });

  it('E_VIOLATION_LAB: a receipt (or baseline) of another lab proves nothing about this one', () => {
    const other = net.receipt({
      lab: 'lab-c',
      certificateHash: certificateHash(K),
      issuedAt: epochStart(2) - 1_000,
    });
    expectFail(
      check({ ...violation, acknowledgment: { kind: 'receipt', receipt: other } }),
      'E_VIOLATION_LAB',
    );
    const foreign = net.chain('lab-c', [
      { epoch: 0 },
      { epoch: 1 },
      { epoch: 2, height: 1, level: 'PAUSED' },
    ]);
    expectFail(check({ ...violation, baseline: foreign }), 'E_VIOLATION_LAB');
  });

  it('E_RECEIPT: the receipt is not signed by the lab', () => {
    const forged = {
      ...receipt,
      signature: net.receipt({ lab: 'lab-b', certificateHash: new Uint8Array(32) }).signature,
    };
    expectFail(check({ ...violation, acknowledgment: { kind: 'receipt', receipt: forged } }), 'E_RECEIPT');
  });

  it('E_ACK_CERTIFICATE: a receipt for another certificate; a commitment at another height, or not earlier', () => {
    const forOther = net.receipt({
      lab: 'lab-b',
      certificateHash: certificateHash(KR),
      issuedAt: epochStart(2) - 1_000,
    });
    expectFail(
      check({ ...violation, acknowledgment: { kind: 'receipt', receipt: forOther } }),
      'E_ACK_CERTIFICATE',
    );
    expectFail(
      check({ ...violation, acknowledgment: { kind: 'commitment', commitment: c1 } }),
      'E_ACK_CERTIFICATE',
    );
    expectFail(
      check({ ...violation, acknowledgment: { kind: 'commitment', commitment: c2 } }),
      'E_ACK_CERTIFICATE',
    );
  });

  it('E_NOT_IN_FORCE: an epoch that began before the acknowledgment is never a violation', () => {
    const late = net.receipt({
      lab: 'lab-b',
      certificateHash: certificateHash(K),
      issuedAt: epochStart(2) + 1,
      hooksDoneAt: epochStart(2),
    });
    expectFail(check({ ...violation, acknowledgment: { kind: 'receipt', receipt: late } }), 'E_NOT_IN_FORCE');
    // The lab's commitment for an epoch wholly before the certificate (epoch 1), even if it claims height 1.
    const before = net.chain('lab-b', [
      { epoch: 0 },
      { epoch: 1, height: 1, level: 'PAUSED', metrics: { trainingFlop: 5n * 10n ** 24n } },
    ])[1]!;
    expectFail(check({ ...violation, commitment: before }), 'E_NOT_IN_FORCE');
  });

  it('E_VIOLATION_HEIGHT: the lab had moved past the height when it committed (a later height may be a step down)', () => {
    const moved = net.chain('lab-b', [
      { epoch: 0 },
      { epoch: 1 },
      { epoch: 2, height: 2, level: 'RUNNING', metrics: { trainingFlop: 5n * 10n ** 24n } },
    ])[2]!;
    expectFail(check({ ...violation, commitment: moved }), 'E_VIOLATION_HEIGHT');
  });

  it('E_WITHIN_LIMITS: a commitment within the level limits', () => {
    const within = net.chain('lab-b', [
      { epoch: 0 },
      { epoch: 1 },
      { epoch: 2, height: 1, level: 'PAUSED', metrics: calm },
    ])[2]!;
    expectFail(check({ ...violation, commitment: within }), 'E_WITHIN_LIMITS');
  });

  it('relative limits need the exact baseline: the k commitments before the lab first stood at the level', () => {
    // Under REDUCED@1: 600 000 accelerator-hours > half the mean of 1 000 000 and 1 200 000 (550 000).
    const r = net.chain('lab-b', [
      { epoch: 0, metrics: { acceleratorHours: 1_000_000n } },
      { epoch: 1, metrics: { acceleratorHours: 1_200_000n } },
      {
        epoch: 2,
        height: 1,
        level: 'REDUCED',
        metrics: { ...calm, acceleratorHours: 600_000n },
        issuedAt: epochStart(3) - 1_000,
      },
      { epoch: 3, height: 1, level: 'REDUCED', metrics: { ...calm, acceleratorHours: 600_000n } },
    ]);
    const ev: PauseViolation = {
      kind: 'pause-violation',
      certificate: KR,
      acknowledgment: { kind: 'commitment', commitment: r[2]! },
      commitment: r[3]!,
      baseline: r.slice(0, 3),
    };
    expect(check(ev)).toEqual({ ok: true });
    expectFail(check({ ...ev, baseline: [] }), 'E_WITHIN_LIMITS');
    // E_BASELINE: too short, not ending at the boundary, not linked.
    expectFail(check({ ...ev, baseline: r.slice(1, 3) }), 'E_BASELINE');
    expectFail(check({ ...ev, baseline: r.slice(0, 2) }), 'E_BASELINE');
    expectFail(check({ ...ev, baseline: [r[0]!, r[0]!, r[2]!] }), 'E_BASELINE');
    expectFail(check({ ...ev, baseline: r.slice(1, 4) }), 'E_BASELINE');
    // 550 000 is exactly allowed.
    expect(
      limitExcesses(
        metrics({ ...calm, acceleratorHours: 550_000n }),
        effectiveLimits(net.genesis.policy, 'REDUCED'),
        [metrics({ acceleratorHours: 1_000_000n }), metrics({ acceleratorHours: 1_200_000n })],
      ),
    ).toEqual([]);
    expect(baselineProblem(r.slice(0, 3), { height: 1, level: 'REDUCED' }, 2)).toBeNull();
    // A lab with a single commitment before the level: the baseline is that one (min(k, seq)).
    expect(baselineProblem(r.slice(1, 3), { height: 1, level: 'REDUCED' }, 2)).toMatch(/exactly min/);
  });

  it('PAUSED is never looser than REDUCED: it inherits the REDUCED limits it does not set', () => {
    expect(effectiveLimits(net.genesis.policy, 'PAUSED')).toEqual({
      trainingFlop: 10n ** 24n,
      largestRunGrowthBps: 0,
      acceleratorHoursBps: 5_000,
    });
    expect(effectiveLimits(net.genesis.policy, 'RUNNING')).toEqual({});
  });
});

describe('buildPauseViolation', () => {
  it('builds the evidence from the lab data it holds: a receipt first, the baseline only when needed', () => {
    const ev = buildPauseViolation({
      genesis: net.genesis,
      certificate: K,
      commitment: c2,
      chain,
      receipts: [receipt],
    });
    expect(ev).toEqual(violation);
    expect(check(ev as PauseViolation)).toEqual({ ok: true });
    // No receipt: an earlier commitment at the level issued before the epoch acknowledges it.
    const ack = net.chain('lab-b', [
      { epoch: 0 },
      { epoch: 1 },
      { epoch: 2, height: 1, level: 'PAUSED', metrics: calm, issuedAt: epochStart(3) - 1_000 },
      { epoch: 3, height: 1, level: 'PAUSED', metrics: { ...calm, largestRunFlop: 2n * 10n ** 25n } },
    ]);
    const rel = buildPauseViolation({
      genesis: net.genesis,
      certificate: K,
      commitment: ack[3]!,
      chain: ack,
      receipts: [],
    });
    expect(rel?.acknowledgment).toEqual({ kind: 'commitment', commitment: ack[2] });
    expect(rel?.baseline).toEqual(ack.slice(0, 3));
    expect(check(rel as PauseViolation)).toEqual({ ok: true });
    expect(breachIdOf(rel as PauseViolation)).toEqual(
      breachIdOf({ ...(rel as PauseViolation), acknowledgment: { kind: 'receipt', receipt } }),
    );
  });

  it('null when nothing is proven: within limits, no acknowledgment before the epoch, another height', () => {
    const within = net.chain('lab-b', [
      { epoch: 0 },
      { epoch: 1 },
      { epoch: 2, height: 1, level: 'PAUSED', metrics: calm },
    ]);
    expect(
      buildPauseViolation({
        genesis: net.genesis,
        certificate: K,
        commitment: within[2]!,
        chain: within,
        receipts: [receipt],
      }),
    ).toBeNull();
    expect(
      buildPauseViolation({ genesis: net.genesis, certificate: K, commitment: c2, chain, receipts: [] }),
    ).toBeNull();
    expect(
      buildPauseViolation({
        genesis: net.genesis,
        certificate: KR,
        commitment: c2,
        chain,
        receipts: [receipt],
      }),
    ).toBeNull();
  });
});
