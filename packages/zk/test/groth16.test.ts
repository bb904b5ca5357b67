import { readFileSync } from 'node:fs';
import * as snarkjs from 'snarkjs';
import { afterAll, describe, expect, it } from 'vitest';
import { fieldToBytes } from '../src/field.js';
import {
  FIELD_MODULUS,
  type Groth16ProofJson,
  groth16Verify,
  prepareVerificationKey,
  type VerificationKeyJson,
  ZkError,
} from '../src/index.js';
import { BASE_MODULUS } from '../src/points.js';
import { releaseCurve } from '../src/prover.js';
import { g2OutsideSubgroup } from './helpers/points.js';

// The package's Groth16 verifier (groth16.ts, @noble/curves) against snarkjs' on the same inputs:
// the real proofs of docs/vectors/zk-v1.json, then every way of tampering with them. Both must
// accept exactly the same proofs; ours rejects malformed input with a typed error where snarkjs
// answers false.
const doc = JSON.parse(readFileSync(new URL('../../../docs/vectors/zk-v1.json', import.meta.url), 'utf8'));
const vkJson: VerificationKeyJson = doc.verificationKey;
const vk = prepareVerificationKey(vkJson);
afterAll(releaseCurve);

interface Case {
  name: string;
  publicSignals: string[];
  proof: Groth16ProofJson;
  valid: boolean;
}
const cases: Case[] = doc.cases;
const valid = cases.filter((c) => c.valid);

/** The proof's coordinates as they stand, unvalidated: A.x A.y B.x1 B.x0 B.y1 B.y0 C.x C.y (EIP-197). */
function coords(p: Groth16ProofJson): bigint[] {
  const [a, b, c] = [p.pi_a, p.pi_b, p.pi_c];
  return [a[0], a[1], b[0][1], b[0][0], b[1][1], b[1][0], c[0], c[1]].map((x) => BigInt(x));
}
function fromCoords(x: bigint[]): Groth16ProofJson {
  const s = x.map(String) as string[];
  return {
    pi_a: [s[0], s[1], '1'],
    pi_b: [
      [s[3], s[2]],
      [s[5], s[4]],
      ['1', '0'],
    ],
    pi_c: [s[6], s[7], '1'],
    protocol: 'groth16',
    curve: 'bn128',
  } as Groth16ProofJson;
}
/** 256 proof bytes written as they stand (coordinates < 2^256, no point check). */
const rawBytes = (x: bigint[]): Uint8Array => new Uint8Array(x.flatMap((v) => [...fieldToBytes(v)]));
const COORD_NAMES = ['A.x', 'A.y', 'B.x.c1', 'B.x.c0', 'B.y.c1', 'B.y.c0', 'C.x', 'C.y'];

/** Our verdict: true, false (pairing fails) or the ZkError code. */
function ours(signals: bigint[], proof: bigint[]): boolean | string {
  try {
    return groth16Verify(vk, signals, rawBytes(proof));
  } catch (e) {
    if (e instanceof ZkError) return e.code;
    throw e;
  }
}
const theirs = (signals: bigint[], proof: bigint[]): Promise<boolean> =>
  snarkjs.groth16.verify(vkJson, signals.map(String), fromCoords(proof));
const big = (c: Case) => c.publicSignals.map((x) => BigInt(x));

describe('Groth16 verifier (no snarkjs) against snarkjs', () => {
  it('agrees with snarkjs on every docs/vectors/zk-v1.json case', async () => {
    expect(cases.length).toBeGreaterThanOrEqual(7);
    for (const c of cases) {
      const verdicts = {
        ours: ours(big(c), coords(c.proof)),
        snarkjs: await theirs(big(c), coords(c.proof)),
      };
      expect([c.name, verdicts]).toEqual([c.name, { ours: c.valid, snarkjs: c.valid }]);
    }
  });

  it('every coordinate of A, B and C changed: both reject (ours: BAD_POINT, off the curve)', async () => {
    for (const c of valid)
      for (let i = 0; i < 8; i++) {
        const x = coords(c.proof);
        x[i] = ((x[i] as bigint) + 1n) % BASE_MODULUS;
        expect([c.name, COORD_NAMES[i], ours(big(c), x), await theirs(big(c), x)]).toEqual([
          c.name,
          COORD_NAMES[i],
          'BAD_POINT',
          false,
        ]);
      }
  });

  it('every public input changed: both reject (the pairing equation fails)', async () => {
    for (const c of valid)
      for (let i = 0; i < c.publicSignals.length; i++) {
        const s = big(c);
        s[i] = ((s[i] as bigint) + 1n) % FIELD_MODULUS;
        expect([c.name, i, ours(s, coords(c.proof)), await theirs(s, coords(c.proof))]).toEqual([
          c.name,
          i,
          false,
          false,
        ]);
      }
  });

  it('a public input >= r (the same input plus r): both reject (ours: NON_CANONICAL)', async () => {
    const c = valid[0] as Case;
    for (const i of [0, 1, c.publicSignals.length - 1]) {
      const s = big(c);
      s[i] = (s[i] as bigint) + FIELD_MODULUS;
      expect([i, ours(s, coords(c.proof)), await theirs(s, coords(c.proof))]).toEqual([
        i,
        'NON_CANONICAL',
        false,
      ]);
    }
    // r itself, not reduced to 0.
    const s = big(c);
    s[0] = FIELD_MODULUS;
    expect(ours(s, coords(c.proof))).toBe('NON_CANONICAL');
  });

  it('A and C swapped, A negated, B replaced by a subgroup point: both reject (valid points, pairing fails)', async () => {
    for (const c of valid) {
      const x = coords(c.proof);
      const swapped = [...x.slice(6, 8), ...x.slice(2, 6), ...x.slice(0, 2)];
      expect([ours(big(c), swapped), await theirs(big(c), swapped)]).toEqual([false, false]);
      const negA = [x[0] as bigint, BASE_MODULUS - (x[1] as bigint), ...x.slice(2)];
      expect([ours(big(c), negA), await theirs(big(c), negA)]).toEqual([false, false]);
      const other = valid.find((o) => o !== c) as Case;
      const otherB = [...x.slice(0, 2), ...coords(other.proof).slice(2, 6), ...x.slice(6)];
      expect([ours(big(c), otherB), await theirs(big(c), otherB)]).toEqual([false, false]);
    }
  });

  it('B on the twist but outside the prime-order subgroup: both reject (ours: BAD_POINT)', async () => {
    const c = valid[0] as Case;
    const b = g2OutsideSubgroup();
    const x = coords(c.proof);
    for (let i = 0; i < 4; i++)
      x[2 + i] = BigInt(`0x${Buffer.from(b.subarray(32 * i, 32 * i + 32)).toString('hex')}`);
    expect([ours(big(c), x), await theirs(big(c), x)]).toEqual(['BAD_POINT', false]);
  });

  it('encodings only ours can see: a coordinate >= q, the identity, the wrong length, the wrong input count', () => {
    const c = valid[0] as Case;
    const x = coords(c.proof);
    x[0] = (x[0] as bigint) + BASE_MODULUS; // the same point if reduced: not canonical
    expect(ours(big(c), x)).toBe('BAD_POINT');
    const zeroA = [0n, 0n, ...coords(c.proof).slice(2)];
    expect(ours(big(c), zeroA)).toBe('BAD_POINT');
    const bytes = rawBytes(coords(c.proof));
    for (const b of [bytes.subarray(1), new Uint8Array([...bytes, 0])])
      expect(() => groth16Verify(vk, big(c), b)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    expect(() => groth16Verify(vk, big(c).slice(1), bytes)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
    expect(() => groth16Verify(vk, [...big(c).slice(1), -1n], bytes)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
  });

  it('a verification key with a point off the curve or of another shape: BAD_VERIFICATION_KEY', () => {
    const offCurve = { ...vkJson, vk_alpha_1: [vkJson.vk_alpha_1[0], '1', '1'] };
    const swappedCoords = { ...vkJson, vk_gamma_2: [vkJson.vk_gamma_2[1], vkJson.vk_gamma_2[0], ['1', '0']] };
    const short = { ...vkJson, IC: vkJson.IC.slice(1) };
    for (const bad of [offCurve, swappedCoords, short, { ...vkJson, curve: 'bls12381' }])
      expect(() => prepareVerificationKey(bad as VerificationKeyJson)).toThrow(
        expect.objectContaining({ code: 'BAD_VERIFICATION_KEY' }),
      );
  });
});
