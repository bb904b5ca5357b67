// The wide-area floor used by `npm run bench` reproduces the figures precomputed in regions.json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allHaltedFloor,
  labDelays,
  median,
  type Regions,
  shortestPaths,
  wanFloors,
} from '../../scripts/bench/lib/floor.mjs';

const regionsFile = new URL('../../scripts/bench/lib/regions.json', import.meta.url);
const regions = JSON.parse(readFileSync(regionsFile, 'utf8')) as Regions & {
  floor: {
    computed: Record<string, { threshold: number; allHaltedFloorMsByOrigin: number[]; median: number }>;
  };
};

describe('wide-area floor', () => {
  for (const labs of [4, 8, 16]) {
    it(`reproduces regions.json at ${labs} labs (every origin and the median)`, () => {
      const want = regions.floor.computed[String(labs)]!;
      const got = wanFloors(regions, labs);
      expect(got.threshold).toBe(want.threshold);
      expect(got.byOrigin).toHaveLength(want.allHaltedFloorMsByOrigin.length);
      // regions.json lists figures to 0.1 ms
      for (const [b, ms] of got.byOrigin.entries())
        expect(Math.abs(ms - want.allHaltedFloorMsByOrigin[b]!)).toBeLessThan(0.06);
      expect(Math.abs(got.median - want.median)).toBeLessThan(0.06);
    });
  }

  it('relays through a third lab when that beats the direct link, and counts the own partial', () => {
    // A-C direct is 100 ms one-way but A-B-C is 20 ms.
    const direct = [
      [0, 10, 100],
      [10, 0, 10],
      [100, 10, 0],
    ];
    const dist = shortestPaths(direct);
    expect(dist[0]![2]).toBe(20);
    // t = 1: every lab halts on its own partial once the breach reaches it (A's breach reaches C at 20).
    expect(allHaltedFloor(dist, 0, 1)).toBe(20);
    // t = 3 from A: C needs A's (20), B's (10 + 10) and its own (20 + 0) partials: 20; A needs C's (40).
    expect(allHaltedFloor(dist, 0, 3)).toBe(40);
  });

  it('puts two labs of one region half the same-region RTT apart', () => {
    const d = labDelays(regions, ['us-east-1', 'us-east-1', 'eu-west-1']);
    expect(d[0]![1]).toBe(0.5);
    expect(d[0]![0]).toBe(0);
    expect(d[0]![2]).toBe(80.5 / 2);
  });

  it('takes the upper middle value for an even count, as regions.json does', () => {
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([5, 1, 3])).toBe(3);
  });
});
