import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blstBackend, nobleBackend } from '../src/bls-backend.js';
import {
  BlsError,
  batchVerify,
  blsSecretToPublic,
  blsSign,
  blsVerify,
  recoverSignature,
  toHex,
  verifyPartial,
} from '../src/index.js';
import { evalPolynomial, randomScalar, scalarToBytes } from '../src/scalar.js';

const MSG = new TextEncoder().encode('statement');

/** Test-only trusted dealer: the combined secret is known here and nowhere in the product. */
function split(n: number, t: number) {
  const poly = Array.from({ length: t }, () => randomScalar());
  const secret = scalarToBytes(poly[0]!);
  const shares = Array.from({ length: n }, (_, i) => scalarToBytes(evalPolynomial(poly, BigInt(i + 1))));
  return { secret, groupKey: blsSecretToPublic(secret), shares, publicShares: shares.map(blsSecretToPublic) };
}

describe('threshold BLS', () => {
  it('property: any t of n partials recover the signature of the combined secret', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 7 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.integer({ min: 1, max: n }),
              fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
            ),
          ),
        ([n, t, order]) => {
          const d = split(n, t);
          const partials = order.map((i) => ({ index: i + 1, signature: blsSign(d.shares[i]!, MSG) }));
          const expected = toHex(blsSign(d.secret, MSG));
          // two different t-subsets (the head and the tail of a random order) agree
          expect(toHex(recoverSignature(partials.slice(0, t), t))).toBe(expected);
          expect(toHex(recoverSignature(partials.slice(n - t), t))).toBe(expected);
          expect(blsVerify(d.groupKey, MSG, recoverSignature(partials, t))).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('property: t-1 partials never produce a valid group signature', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7 }), (n) => {
        const t = n; // hardest case: all but one share
        const d = split(n, t);
        const partials = d.shares
          .slice(0, t - 1)
          .map((s, i) => ({ index: i + 1, signature: blsSign(s, MSG) }));
        expect(() => recoverSignature(partials, t)).toThrow(
          expect.objectContaining({ code: 'NOT_ENOUGH_PARTIALS' }),
        );
        if (t - 1 >= 1) expect(blsVerify(d.groupKey, MSG, recoverSignature(partials, t - 1))).toBe(false);
      }),
      { numRuns: 10 },
    );
  });

  it('partials verify against their public share only', () => {
    const d = split(4, 3);
    const p1 = blsSign(d.shares[0]!, MSG);
    expect(verifyPartial(d.publicShares[0]!, MSG, p1)).toBe(true);
    expect(verifyPartial(d.publicShares[1]!, MSG, p1)).toBe(false);
    expect(verifyPartial(d.publicShares[0]!, new Uint8Array(1), p1)).toBe(false);
  });

  it('batchVerify: random linear combination accepts valid sets and rejects any bad member', () => {
    const d = split(11, 8);
    const items = d.shares.map((s, i) => ({
      publicKey: d.publicShares[i]!,
      message: MSG,
      signature: blsSign(s, MSG),
    }));
    expect(batchVerify(items)).toBe(true);
    // swapped signatures: each invalid alone, but their sum would be valid for a plain aggregate
    const swapped = items.map((it, i) => (i < 2 ? { ...it, signature: items[1 - i]!.signature } : it));
    expect(batchVerify(swapped)).toBe(false);
    expect(batchVerify([...items.slice(1), { ...items[0]!, message: new Uint8Array([1]) }])).toBe(false);
    expect(batchVerify([])).toBe(false);
    const inf = new Uint8Array(96);
    inf[0] = 0xc0;
    expect(batchVerify([...items, { ...items[0]!, signature: inf }])).toBe(false);
    // different messages take the multi-pairing path
    const mixed = d.shares.slice(0, 3).map((s, i) => {
      const message = new Uint8Array([i]);
      return { publicKey: d.publicShares[i]!, message, signature: blsSign(s, message) };
    });
    expect(batchVerify(mixed)).toBe(true);
    expect(batchVerify([mixed[0]!, mixed[1]!, { ...mixed[2]!, message: MSG }])).toBe(false);
  });

  it('recoverSignature: typed errors', () => {
    const d = split(3, 2);
    const p = d.shares.map((s, i) => ({ index: i + 1, signature: blsSign(s, MSG) }));
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(BlsError);
        return (e as BlsError).code;
      }
    };
    expect(code(() => recoverSignature(p.slice(0, 1), 2))).toBe('NOT_ENOUGH_PARTIALS');
    expect(code(() => recoverSignature([p[0]!, p[0]!], 2))).toBe('DUPLICATE_INDEX');
    expect(code(() => recoverSignature([{ ...p[0]!, index: 0 }, p[1]!], 2))).toBe('BAD_INDEX');
    expect(code(() => recoverSignature([{ ...p[0]!, signature: new Uint8Array(96) }, p[1]!], 2))).toBe(
      'BAD_POINT',
    );
    expect(code(() => recoverSignature(p, 0))).toBe('BAD_THRESHOLD');
    expect(code(() => blsSign(new Uint8Array(32), MSG))).toBe('BAD_SECRET');
    expect(code(() => blsSign(new Uint8Array(32).fill(0xff), MSG))).toBe('BAD_SECRET');
  });

  it('property: blsVerify never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (pk, sig) => {
        expect(blsVerify(pk, MSG, sig)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('the blst and noble backends agree (sign, Straus vs Pippenger, Horner vs noble)', () => {
    const d = split(5, 3);
    const sk = BigInt(`0x${toHex(d.shares[0]!)}`);
    expect(toHex(blstBackend.sign(sk, MSG))).toBe(toHex(nobleBackend.sign(sk, MSG)));
    expect(toHex(blstBackend.secretToPublic(sk))).toBe(toHex(nobleBackend.secretToPublic(sk)));
    const sigs = d.shares.map((s) => blsSign(s, MSG));
    const scalars = [1n, 2n, 3n, 2n ** 200n + 12345n, 7n];
    expect(toHex(blstBackend.g2LinearCombination(sigs, scalars))).toBe(
      toHex(nobleBackend.g2LinearCombination(sigs, scalars)),
    );
    expect(toHex(blstBackend.g1LinearCombination(d.publicShares, scalars))).toBe(
      toHex(nobleBackend.g1LinearCombination(d.publicShares, scalars)),
    );
    for (const x of [0, 1, 2, 7, 64, 1000])
      expect(toHex(blstBackend.g1EvaluatePolynomial(d.publicShares, x))).toBe(
        toHex(nobleBackend.g1EvaluatePolynomial(d.publicShares, x)),
      );
    expect(nobleBackend.verify(d.publicShares[0]!, MSG, sigs[0]!)).toBe(true);
    expect(nobleBackend.verifySameMessage(MSG, d.publicShares, sigs)).toBe(true);
    expect(nobleBackend.verifySameMessage(MSG, d.publicShares, [sigs[1]!, sigs[0]!, ...sigs.slice(2)])).toBe(
      false,
    );
  });
});
