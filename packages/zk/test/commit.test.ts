import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boundsOf,
  chainLinkOf,
  commitMetrics,
  contextBytes,
  contextField,
  FIELD_MODULUS,
  GENESIS_LINK,
  MAX_VALUE,
  mismatchedOpenings,
  poseidonCommit,
  publicBounds,
  UNLIMITED,
  ZkError,
  type ZkMetrics,
} from '../src/index.js';

const metrics: ZkMetrics = {
  trainingFlop: 590_764_354_560_000_000_000n,
  largestRunFlop: 3n * 10n ** 25n,
  maxParams: 70_000_000_000n,
  datasetTokens: 15n * 10n ** 12n,
  acceleratorHours: 384n,
};
const rnd = (b: number) => new Uint8Array(32).fill(b);
const ctx = { networkId: new Uint8Array(32).fill(7), lab: 'lab-a', epoch: 3, seq: 2 };

describe('commitments', () => {
  it('Poseidon(0, 0) is the genesis link value (circomlib/poseidon-lite parameters)', () => {
    expect(poseidonCommit(0n, 0n)).toBe(
      14744269619966411208579211824598458697587494354926760081771325075741142829156n,
    );
  });

  it('are deterministic in the injected randomness, hiding across randomness, and open', () => {
    const a = commitMetrics(metrics, GENESIS_LINK, rnd(1));
    const b = commitMetrics(metrics, GENESIS_LINK, rnd(1));
    const c = commitMetrics(metrics, GENESIS_LINK, rnd(2));
    expect(a).toEqual(b);
    expect(a.commitments.metrics.some((x, i) => x === c.commitments.metrics[i])).toBe(false);
    expect(mismatchedOpenings(a.openings, a.commitments)).toEqual([]);
    expect(a.openings.cumulative.value).toBe(metrics.trainingFlop);
  });

  it('chain the cumulative training FLOP from the previous link', () => {
    const first = commitMetrics(metrics, GENESIS_LINK, rnd(1));
    const second = commitMetrics(metrics, chainLinkOf(first.openings), rnd(2));
    expect(second.openings.cumulative.value).toBe(2n * metrics.trainingFlop);
  });

  it('refuse values >= 2^252 (OUT_OF_RANGE: disclose in clear) and a cumulative total past it', () => {
    const over = { ...metrics, maxParams: MAX_VALUE + 1n };
    expect(() => commitMetrics(over, GENESIS_LINK, rnd(1))).toThrow(
      expect.objectContaining({ code: 'OUT_OF_RANGE', path: 'metrics.maxParams' }),
    );
    expect(
      commitMetrics({ ...metrics, maxParams: MAX_VALUE }, GENESIS_LINK, rnd(1)).openings.metrics[2]?.value,
    ).toBe(MAX_VALUE);
    const prev = { ...GENESIS_LINK, cumulative: { value: MAX_VALUE, blinding: 1n } };
    expect(() => commitMetrics(metrics, prev, rnd(1))).toThrow(
      expect.objectContaining({ code: 'OUT_OF_RANGE', path: 'cumulativeTrainingFlop' }),
    );
    expect(() => commitMetrics({ ...metrics, trainingFlop: -1n }, GENESIS_LINK, rnd(1))).toThrow(ZkError);
    expect(() => commitMetrics(metrics, GENESIS_LINK, new Uint8Array(31))).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
  });

  it('mismatchedOpenings names every slot whose opening is wrong', () => {
    const { commitments, openings } = commitMetrics(metrics, GENESIS_LINK, rnd(1));
    const wrong = {
      ...openings,
      metrics: openings.metrics.map((o, i) => (i === 1 ? { ...o, value: o.value + 1n } : o)),
      cumulative: { ...openings.cumulative, blinding: openings.cumulative.blinding + 1n },
    };
    expect(mismatchedOpenings(wrong, commitments)).toEqual(['largestRunFlop', 'cumulativeTrainingFlop']);
  });
});

describe('context', () => {
  it('is a canonical field element below 2^252 that changes with network, lab, epoch and seq', () => {
    const base = contextField(ctx);
    expect(base < 1n << 252n && base < FIELD_MODULUS).toBe(true);
    const others = [
      { ...ctx, networkId: new Uint8Array(32).fill(8) },
      { ...ctx, lab: 'lab-b' },
      { ...ctx, epoch: 4 },
      { ...ctx, seq: 3 },
    ].map(contextField);
    expect(new Set([base, ...others]).size).toBe(5);
    expect(() => contextBytes({ ...ctx, lab: 'Lab A' })).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
  });

  it('never collides between (lab, epoch) pairs (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/),
        fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/),
        fc.nat(),
        fc.nat(),
        (l1, l2, e1, e2) => {
          fc.pre(l1 !== l2 || e1 !== e2);
          return (
            contextField({ ...ctx, lab: l1, epoch: e1 }) !== contextField({ ...ctx, lab: l2, epoch: e2 })
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('bounds', () => {
  it('default to MAX_VALUE, clamp above it, refuse unknown slots, and lift disclosed slots', () => {
    const caps = boundsOf({ trainingFlop: 10n, largestRunFlop: 1n << 255n });
    expect(caps.trainingFlop).toBe(10n);
    expect(caps.largestRunFlop).toBe(MAX_VALUE);
    expect(caps.cumulativeTrainingFlop).toBe(MAX_VALUE);
    expect(() => boundsOf({ utilizationBps: 1n } as never)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
    const lifted = publicBounds({ caps, limits: UNLIMITED }, ['trainingFlop']);
    expect(lifted.caps.trainingFlop).toBe(MAX_VALUE);
    expect(caps.trainingFlop).toBe(10n);
  });
});
