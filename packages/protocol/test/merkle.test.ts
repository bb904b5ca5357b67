import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256, toHex, ZERO_HASH } from '../src/bytes.js';
import { encodeRunRecord } from '../src/codec/codec.js';
import { buildRunsTree, proveRun, runLeafHash, verifyRunProof } from '../src/merkle.js';
import type { RunRecord } from '../src/types.js';

const record = (i: number): RunRecord => ({
  id: `run-${i}`,
  salt: sha256(Uint8Array.of(i)),
  flop: 10n ** 24n * BigInt(i + 1),
  params: 7n * 10n ** 10n,
  datasetTokens: 2n * 10n ** 12n,
  acceleratorHours: 1000n + BigInt(i),
});

describe('runs Merkle tree', () => {
  it('empty tree root is 32 zero bytes; one leaf is its own root', () => {
    expect(buildRunsTree([]).root).toEqual(ZERO_HASH);
    const t = buildRunsTree([record(0)]);
    expect(t.root).toEqual(runLeafHash(record(0)));
    expect(verifyRunProof(t.root, record(0), proveRun(t, 0))).toBe(true);
  });
  it('leaves and nodes are domain separated (0x00 / 0x01 prefixes)', () => {
    const r = [record(0), record(1)];
    const t = buildRunsTree(r);
    const l0 = sha256(Uint8Array.of(0), encodeRunRecord(r[0]!));
    const l1 = sha256(Uint8Array.of(0), encodeRunRecord(r[1]!));
    expect(t.root).toEqual(sha256(Uint8Array.of(1), l0, l1));
  });
  it('every run of trees of size 1..17 proves and verifies; wrong record, index, root or proof fail', () => {
    for (let n = 1; n <= 17; n++) {
      const rs = Array.from({ length: n }, (_, i) => record(i));
      const t = buildRunsTree(rs);
      for (let i = 0; i < n; i++) {
        const p = proveRun(t, i);
        expect(verifyRunProof(t.root, rs[i]!, p)).toBe(true);
        expect(verifyRunProof(t.root, { ...rs[i]!, flop: rs[i]!.flop + 1n }, p)).toBe(false);
        expect(verifyRunProof(t.root, { ...rs[i]!, salt: new Uint8Array(32) }, p)).toBe(false);
        if (n > 1) expect(verifyRunProof(t.root, rs[i]!, { ...p, index: (i + 1) % n })).toBe(false);
        expect(verifyRunProof(new Uint8Array(32).fill(1), rs[i]!, p)).toBe(false);
        expect(verifyRunProof(t.root, rs[i]!, { ...p, siblings: [...p.siblings, ZERO_HASH] })).toBe(false);
      }
    }
  });
  it('a leaf hash cannot pass as an inner node (second-preimage shape)', () => {
    const rs = [record(0), record(1), record(2), record(3)];
    const t = buildRunsTree(rs);
    expect(t.levels[1]!.map(toHex)).not.toContain(toHex(t.leaves[0]!));
    expect(() => proveRun(t, 4)).toThrow();
  });
  it('property: hostile proofs never throw', () => {
    const t = buildRunsTree([record(0), record(1), record(2)]);
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer(),
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }),
        (index, leafCount, siblings) => {
          expect(typeof verifyRunProof(t.root, record(0), { index, leafCount, siblings })).toBe('boolean');
        },
      ),
      { numRuns: 200 },
    );
  });
});
