import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BREACH_TAG, breachIdOf, breachKeyOf, encodeBreachKey } from '../src/breach.js';
import { toHex } from '../src/bytes.js';
import { checkCaps, detectEquivocation } from '../src/evidence.js';
import { IdMap } from '../src/pause/idmap.js';
import type { Evidence } from '../src/types.js';
import { epochStart, fileEvidence, genesis, metrics, signed } from './helpers/fixtures.js';

const over = signed({ lab: 'lab-d', metrics: metrics({ trainingFlop: 2n * 10n ** 26n }) });
const cap = checkCaps(over, genesis.policy) as Evidence;

describe('breach identity', () => {
  it('id = SHA-256(tag ‖ canonical CBOR of the key); the key is what the evidence proves', () => {
    expect(breachKeyOf(cap)).toEqual({ kind: 'cap-exceeded', lab: 'lab-d', epoch: 0, cap: 'trainingFlop' });
    const expected = createHash('sha256')
      .update(BREACH_TAG)
      .update(encodeBreachKey(breachKeyOf(cap)))
      .digest('hex');
    expect(toHex(breachIdOf(cap))).toBe(expected);
    expect(BREACH_TAG).toBe('pausenet/v2/breach\0');
  });
  it('re-signed evidence (fresh issuedAt), another reporter, or another over-cap commitment of that epoch: one breach', () => {
    const first = fileEvidence(cap, 'lab-b', epochStart(2));
    const resigned = fileEvidence(cap, 'lab-b', epochStart(2) + 3_600_000);
    const other = fileEvidence(cap, 'lab-c', epochStart(2) + 5);
    const twin = checkCaps(
      signed({ lab: 'lab-d', metrics: metrics({ trainingFlop: 3n * 10n ** 26n }) }),
      genesis.policy,
    ) as Evidence;
    const ids = [first.evidence, resigned.evidence, other.evidence, twin].map((e) => toHex(breachIdOf(e)));
    expect(new Set(ids).size).toBe(1);
    // Another cap, epoch or lab is another breach.
    const otherCap: Evidence = { kind: 'cap-exceeded', commitment: over, cap: 'maxParams' };
    const otherEpoch = checkCaps(
      signed({ lab: 'lab-d', epoch: 1, metrics: metrics({ trainingFlop: 2n * 10n ** 26n }) }),
      genesis.policy,
    ) as Evidence;
    expect(toHex(breachIdOf(otherCap))).not.toBe(ids[0]);
    expect(toHex(breachIdOf(otherEpoch))).not.toBe(ids[0]);
  });
  it('equivocation: the lab at the smaller epoch of the two commitments, whichever pair shows it', () => {
    const a = signed({ lab: 'lab-c', epoch: 1, seq: 1, prev: new Uint8Array(32).fill(1) });
    const b = signed({
      lab: 'lab-c',
      epoch: 1,
      seq: 1,
      prev: new Uint8Array(32).fill(1),
      metrics: metrics({ trainingFlop: 1n }),
    });
    const c = signed({ lab: 'lab-c', epoch: 2, seq: 1, prev: new Uint8Array(32).fill(1) });
    const ab = detectEquivocation(a, b) as Evidence;
    const ac = detectEquivocation(a, c) as Evidence; // same seq, different epochs
    expect(breachKeyOf(ab)).toEqual({ kind: 'equivocation', lab: 'lab-c', epoch: 1 });
    expect(breachKeyOf(ac)).toEqual({ kind: 'equivocation', lab: 'lab-c', epoch: 1 });
    expect(breachIdOf(ab)).toEqual(breachIdOf(ac));
  });
  it('missed {lab, epoch}; report {subject, epoch, digest} (the summary is not part of it)', () => {
    const d = new Uint8Array(32).fill(4);
    const r1: Evidence = { kind: 'report', subject: 'lab-a', epoch: 3, digest: d, summary: 'one' };
    const r2: Evidence = { ...r1, summary: 'two' };
    expect(breachIdOf(r1)).toEqual(breachIdOf(r2));
    expect(breachIdOf(r1)).not.toEqual(breachIdOf({ ...r1, digest: new Uint8Array(32).fill(5) }));
    const m: Evidence = { kind: 'missed', lab: 'lab-a', epoch: 3 };
    expect(breachKeyOf(m)).toEqual({ kind: 'missed', lab: 'lab-a', epoch: 3 });
    expect(breachIdOf(m)).not.toEqual(breachIdOf({ kind: 'missed', lab: 'lab-a', epoch: 4 }));
  });
});

describe('IdMap (persistent 16-way trie)', () => {
  const key = (n: number) => createHash('sha256').update(String(n)).digest('hex');
  it('behaves like a Map, keeps old versions intact, and iterates in ascending key order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 60 })), { maxLength: 200 }),
        (ops) => {
          let m = IdMap.empty<number>();
          const ref = new Map<string, number>();
          const snapshots: [IdMap<number>, Map<string, number>][] = [];
          for (const [add, n] of ops) {
            if (add) {
              m = m.set(key(n), n);
              ref.set(key(n), n);
            } else {
              m = m.delete(key(n));
              ref.delete(key(n));
            }
            snapshots.push([m, new Map(ref)]);
          }
          for (const [snap, want] of snapshots) {
            expect(snap.size).toBe(want.size);
            expect([...snap.entries()]).toEqual([...want.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
            for (const [k, v] of want) expect(snap.get(k)).toBe(v);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
  it('refuses keys that are not 64 lowercase hex characters', () => {
    expect(() => IdMap.empty().set('AB'.repeat(32), 1)).toThrow(TypeError);
    expect(() => IdMap.empty().set('ab', 1)).toThrow(TypeError);
  });
});
