import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { blstBackend, nobleBackend } from '../src/bls-backend.js';
import {
  aggregateSignatures,
  BlsError,
  blsCheckPublicKey,
  blsCheckSignature,
  blsSign,
  blsVerify,
  fastAggregateVerify,
  fromHex,
  hashToG2,
  toHex,
} from '../src/index.js';

// CI places shared/ beside the repo root: <root>/../shared. Missing vectors fail, never skip.
const VECTORS = fileURLToPath(new URL('../../../../shared/vectors/bls12-381-eth.json', import.meta.url));

interface Vectors {
  ciphersuite: string;
  sign: { privkey: string; message: string; output: string | null }[];
  verify: { pubkey: string; message: string; signature: string; output: boolean }[];
  aggregate: { input: string[]; output: string | null }[];
  fast_aggregate_verify: { pubkeys: string[]; message: string; signature: string; output: boolean }[];
  deserialization_G1: { input: string; output: boolean }[];
  deserialization_G2: { input: string; output: boolean }[];
  hash_to_G2: { dst: string; msg: string; x: [string, string]; y: [string, string] }[];
}

function load(): Vectors {
  if (!existsSync(VECTORS)) throw new Error(`external BLS vectors missing at ${VECTORS}`);
  return JSON.parse(readFileSync(VECTORS, 'utf8')) as Vectors;
}

describe('external vectors: ethereum/bls12-381-tests + RFC 9380 J.10.1', () => {
  const v = load();

  it('uses the POP ciphersuite', () => {
    expect(v.ciphersuite).toBe('BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_');
  });

  it(`sign (${v.sign.length} cases)`, () => {
    expect(v.sign.length).toBeGreaterThan(0);
    for (const c of v.sign) {
      if (c.output === null) expect(() => blsSign(fromHex(c.privkey), fromHex(c.message))).toThrow(BlsError);
      else expect(toHex(blsSign(fromHex(c.privkey), fromHex(c.message)))).toBe(c.output);
    }
  });

  it(`verify (${v.verify.length} cases)`, () => {
    for (const c of v.verify)
      expect(blsVerify(fromHex(c.pubkey), fromHex(c.message), fromHex(c.signature))).toBe(c.output);
  });

  it(`aggregate (${v.aggregate.length} cases)`, () => {
    for (const c of v.aggregate) {
      if (c.output === null)
        expect(() => aggregateSignatures(c.input.map((h) => fromHex(h)))).toThrow(BlsError);
      else expect(toHex(aggregateSignatures(c.input.map((h) => fromHex(h))))).toBe(c.output);
    }
  });

  it(`fast_aggregate_verify (${v.fast_aggregate_verify.length} cases)`, () => {
    for (const c of v.fast_aggregate_verify)
      expect(
        fastAggregateVerify(
          c.pubkeys.map((h) => fromHex(h)),
          fromHex(c.message),
          fromHex(c.signature),
        ),
      ).toBe(c.output);
  });

  it(`deserialization_G1 (${v.deserialization_G1.length} cases; infinity decodes, other bad encodings fail)`, () => {
    for (const c of v.deserialization_G1) {
      const run = () => blsCheckPublicKey(fromHex(c.input), { allowInfinity: true });
      if (c.output) expect(run).not.toThrow();
      else expect(run).toThrow(BlsError);
    }
  });

  it(`deserialization_G2 (${v.deserialization_G2.length} cases)`, () => {
    for (const c of v.deserialization_G2) {
      const run = () => blsCheckSignature(fromHex(c.input), { allowInfinity: true });
      if (c.output) expect(run).not.toThrow();
      else expect(run).toThrow(BlsError);
    }
  });

  it('both backends agree with the deserialization vectors', () => {
    for (const b of [blstBackend, nobleBackend]) {
      for (const c of v.deserialization_G1) {
        let ok = true;
        try {
          b.checkG1(fromHex(c.input), true);
        } catch {
          ok = false;
        }
        expect(ok, `${b.name} G1 ${c.input}`).toBe(c.output);
      }
      for (const c of v.deserialization_G2) {
        let ok = true;
        try {
          b.checkG2(fromHex(c.input), true);
        } catch {
          ok = false;
        }
        expect(ok, `${b.name} G2 ${c.input}`).toBe(c.output);
      }
    }
  });

  it('the threshold API rejects the infinity point even though it deserializes', () => {
    const g1inf = v.deserialization_G1.find((c) => c.output && c.input.startsWith('c0'))!;
    const g2inf = v.deserialization_G2.find((c) => c.output && c.input.startsWith('c0'))!;
    expect(() => blsCheckPublicKey(fromHex(g1inf.input))).toThrow(BlsError);
    expect(() => blsCheckSignature(fromHex(g2inf.input))).toThrow(BlsError);
  });

  it(`hash_to_G2 (${v.hash_to_G2.length} cases)`, () => {
    expect(v.hash_to_G2.length).toBeGreaterThan(0);
    for (const c of v.hash_to_G2) {
      const p = hashToG2(new TextEncoder().encode(c.msg), c.dst);
      expect(p.x.map((n) => n.toString(16).padStart(96, '0'))).toEqual(c.x);
      expect(p.y.map((n) => n.toString(16).padStart(96, '0'))).toEqual(c.y);
    }
  });
});
