import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DkgError, decodeDkgBundle, dkgInit, dkgStep, encodeDkgBundle, toHex } from '../src/index.js';
import { freshDkg, identities, roster, TIMEOUTS } from './dkg-harness.js';

describe('DKG properties', () => {
  it('property: succeeds iff at least t dealers take part; all participants agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.integer({ min: Math.floor(n / 2) + 1, max: n }),
            fc.subarray(
              [...Array(n).keys()].map((i) => i + 1),
              { maxLength: n - 1 },
            ),
          ),
        ),
        ([n, t, silent]) => {
          const { nodes } = freshDkg(identities(n), t, { silent });
          const results = [...nodes.values()];
          if (n - silent.length >= t) {
            const keys = new Set(results.map((r) => toHex(r.done!.groupPublicKey)));
            expect(keys.size).toBe(1);
            for (const r of results)
              expect(r.done!.qualified).toEqual(
                [...Array(n).keys()].map((i) => i + 1).filter((i) => !silent.includes(i)),
              );
          } else {
            for (const r of results) {
              expect(r.failed?.code).toBe('NOT_ENOUGH_QUALIFIED');
              expect(r.failed?.missing).toEqual([...silent].sort((a, b) => a - b));
            }
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('property: a corrupted bundle is a DkgError on decode or an ignored bundle, never a crash', () => {
    const ids = identities(3);
    const members = roster(ids);
    const sessionId = new Uint8Array(16).fill(7);
    const init = (i: number) =>
      dkgInit({
        sessionId,
        members,
        threshold: 2,
        self: { index: i, secretKey: ids[i - 1]!.secretKey },
        now: 0,
        timeouts: TIMEOUTS,
      });
    const receiver = init(1).state;
    const bytes = encodeDkgBundle(init(2).out[0]!);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (pos, mask) => {
          const bad = bytes.slice();
          bad[pos]! ^= mask;
          let bundle: ReturnType<typeof decodeDkgBundle>;
          try {
            bundle = decodeDkgBundle(bad);
          } catch (e) {
            expect(e).toBeInstanceOf(DkgError);
            return;
          }
          const r = dkgStep(receiver, { type: 'bundle', bundle }, 1);
          expect(r.ignored?.code).toMatch(/BAD_SIGNATURE|UNKNOWN_SENDER|WRONG_SESSION/);
          expect(r.state.deals.size).toBe(receiver.deals.size);
        },
      ),
      { numRuns: 150 },
    );
  });
});
