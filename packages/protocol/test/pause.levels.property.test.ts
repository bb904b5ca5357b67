import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { breachIdOf } from '../src/breach.js';
import { toHex } from '../src/bytes.js';
import { levelRank } from '../src/level.js';
import { createPauseState, pauseStep } from '../src/pause/machine.js';
import type { PauseEffect, PauseEvent, PauseMachineState, SignedStatement } from '../src/pause/types.js';
import type { Certificate, Level } from '../src/types.js';
import { epochStart } from './helpers/fixtures.js';
import { makeNet } from './helpers/net.js';

/**
 * Properties of levels over random event orders (docs/protocol.md "Levels", "Safety"). Certificates are
 * real threshold BLS signatures, made once and drawn from a pool.
 */
const net = makeNet({ levels: { kinds: { missed: 'REDUCED' }, caps: { trainingFlop: 'REDUCED' } } });
const now = epochStart(2) + 10_000;
const r1 = net.capBreach('lab-a', 'trainingFlop'); // REDUCED
const r2 = net.capBreach('lab-c', 'trainingFlop'); // REDUCED
const p1 = net.capBreach('lab-b', 'largestRunFlop'); // PAUSED
const p2 = net.capBreach('lab-d', 'maxParams'); // PAUSED
const missed = net.evidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }, 'lab-c'); // REDUCED, judged
const ids = [r1.id, r2.id, p1.id, p2.id, breachIdOf(missed.evidence)].sort((a, b) =>
  toHex(a) < toHex(b) ? -1 : 1,
);
const subsets: Uint8Array[][] = [[], [ids[0]!], [ids[1]!, ids[3]!], [ids[2]!], ids.slice(0, 3), ids];

/** One certificate per (height, level), heights 1..4: PAUSED up, REDUCED up or down, RUNNING down. */
const POOL: Certificate[] = [];
for (let h = 1; h <= 4; h++) {
  POOL.push(net.cert(h, 'PAUSED'));
  POOL.push(
    h % 2 === 1
      ? net.cert(h, 'REDUCED')
      : net.cert(h, 'REDUCED', { step: 'down', resolves: subsets[h % subsets.length] as Uint8Array[] }),
  );
  if (h >= 2)
    POOL.push(net.cert(h, 'RUNNING', { resolves: subsets[(h + 1) % subsets.length] as Uint8Array[] }));
}

/** Feed certificates in order; those ahead of the applied height (K_FUTURE) are delivered again, as sync would. */
function deliver(s0: PauseMachineState, certs: Certificate[]): PauseMachineState {
  let s = s0;
  let pending = certs;
  for (let round = 0; pending.length > 0 && round <= certs.length; round++) {
    const later: Certificate[] = [];
    for (const c of pending) {
      const r = pauseStep(s, { type: 'certificate', certificate: c }, now);
      s = r.state;
      if (!r.validation.ok && r.validation.code === 'K_FUTURE') later.push(c);
    }
    if (later.length === pending.length) break;
    pending = later;
  }
  return s;
}

/** The applied state a set of certificates determines: reachable heights 1..m, highest level at m, union of what steps down resolve. */
function model(certs: Certificate[]) {
  let m = 0;
  while (certs.some((c) => c.height === m + 1)) m++;
  const reach = certs.filter((c) => c.height <= m);
  const top = reach
    .filter((c) => c.height === m)
    .sort((a, b) => levelRank(b.target) - levelRank(a.target))[0];
  const resolved = new Set(reach.filter((c) => c.step === 'down').flatMap((c) => c.resolves.map(toHex)));
  return { height: m, level: (top?.target ?? 'RUNNING') as Level, resolved: [...resolved].sort() };
}

const view = (s: PauseMachineState) => ({
  height: s.height,
  level: s.state,
  resolved: [...s.resolved.keys()].sort(),
});

/** The signing rule over what one member signed at one height, in signing order. */
function ruleProblem(list: readonly SignedStatement[]): string | null {
  for (let i = 0; i < list.length; i++) {
    const x = list[i] as SignedStatement;
    if (x.step === 'down' && i > 0) return `a step down after ${i} statement(s)`;
    if (i > 0 && levelRank(x.target) <= levelRank((list[i - 1] as SignedStatement).target))
      return `${x.target} after ${(list[i - 1] as SignedStatement).target}`;
  }
  return null;
}

describe('levels: properties over random event orders', () => {
  it('any set of certificates gives the same applied state (height, level, resolved breaches) whatever the order of arrival', () => {
    fc.assert(
      fc.property(fc.subarray(POOL.map((_, i) => i)), fc.infiniteStream(fc.nat()), (chosen, seeds) => {
        const certs = chosen.map((i) => POOL[i] as Certificate);
        const shuffle = (xs: Certificate[]) =>
          xs
            .map((c) => ({ c, k: seeds.next().value as number }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.c);
        const a = deliver(createPauseState(net.genesis), shuffle(certs));
        const b = deliver(createPauseState(net.genesis), shuffle(certs));
        expect(view(a)).toEqual(view(b));
        expect(view(a)).toEqual(model(certs));
      }),
      { numRuns: 300 },
    );
  });

  it('whatever the events, a member signs at most one step down per height, only first, and strictly increasing levels', () => {
    // Certificates of the first heights and step-down approvals are frequent, so that runs reach the
    // corners of the rule (a second step down, a step down after a step up) often.
    const early = POOL.filter((c) => c.height <= 3);
    const event = fc.oneof(
      fc.constantFrom<PauseEvent>(
        { type: 'evidence', evidence: r1.evidence },
        { type: 'evidence', evidence: r2.evidence },
        { type: 'evidence', evidence: p1.evidence },
        { type: 'evidence', evidence: p2.evidence },
        { type: 'evidence', evidence: missed },
      ),
      fc.record({
        type: fc.constant('approve' as const),
        step: fc.constant('up' as const),
        height: fc.integer({ min: 1, max: 5 }),
        breaches: fc.constant([breachIdOf(missed.evidence)]),
      }),
      {
        weight: 3,
        arbitrary: fc.record({
          type: fc.constant('approve' as const),
          step: fc.constant('down' as const),
          height: fc.integer({ min: 1, max: 4 }),
          target: fc.constantFrom<Level>('RUNNING', 'REDUCED'),
          breaches: fc.constantFrom(...subsets),
        }),
      },
      {
        weight: 4,
        arbitrary: fc
          .constantFrom(...early)
          .map((certificate): PauseEvent => ({ type: 'certificate', certificate })),
      },
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        let s = createPauseState(net.genesis, { self: 'lab-a' });
        const signed = new Map<number, SignedStatement[]>();
        for (const e of events) {
          const r = pauseStep(s, e, now);
          s = r.state;
          for (const x of r.effects)
            if (x.type === 'sign-vote')
              signed.set(x.height, [
                ...(signed.get(x.height) ?? []),
                { target: x.target, step: x.step, resolves: x.resolves },
              ]);
        }
        for (const [h, list] of signed) expect([h, ruleProblem(list)]).toEqual([h, null]);
        // The machine's own record agrees with what it emitted.
        for (const [h, list] of signed) expect(s.signed.get(h)).toEqual(list);
      }),
      { numRuns: 1500 },
    );
  });

  it('a step down approved from a stale lower view re-escalates at the next height while its cause is open', () => {
    // Applied: REDUCED@1 for r1. A PAUSED-level breach p1 arrives and PAUSED@1 is certified elsewhere; this
    // member's operator, not knowing, approves RUNNING@2 resolving r1 only, which is certified.
    const base = (() => {
      let s = createPauseState(net.genesis, { self: 'lab-a' });
      for (const e of [
        { type: 'evidence', evidence: r1.evidence },
        { type: 'certificate', certificate: net.cert(1, 'REDUCED') },
      ] as PauseEvent[])
        s = pauseStep(s, e, now).state;
      return s;
    })();
    const resume = net.cert(2, 'RUNNING', { resolves: [r1.id] });
    const events: PauseEvent[] = [
      { type: 'evidence', evidence: p1.evidence },
      {
        type: 'certificate',
        certificate: POOL.find((c) => c.height === 1 && c.target === 'PAUSED') as Certificate,
      },
      { type: 'approve', step: 'down', height: 2, target: 'RUNNING', breaches: [r1.id] },
      { type: 'certificate', certificate: resume },
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: 4, maxLength: 4 }), (order) => {
        let s = base;
        const effects: PauseEffect[] = [];
        for (const e of order) {
          const r = pauseStep(s, e, now);
          s = r.state;
          effects.push(...r.effects);
        }
        // The resume stands (highest height) and resolved r1; p1 is still open ...
        expect([s.height, s.state, s.resolved.has(toHex(r1.id)), s.open.has(toHex(p1.id))]).toEqual([
          2,
          'RUNNING',
          true,
          true,
        ]);
        // ... so the member has signed PAUSED at height 3 citing p1 (never a step up at height 2).
        const ups = effects.filter((e) => e.type === 'sign-vote' && e.step === 'up');
        expect(ups.filter((e) => e.type === 'sign-vote' && e.height === 2)).toEqual([]);
        expect(ups.filter((e) => e.type === 'sign-vote' && e.height === 3)).toMatchObject([
          { target: 'PAUSED', breaches: [p1.id] },
        ]);
      }),
      { numRuns: 60 },
    );
  });
});
