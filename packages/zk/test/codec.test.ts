import { encode } from 'cborg';
import { describe, expect, it } from 'vitest';
import { fieldToBytes } from '../src/field.js';
import {
  decodePrivateProof,
  encodePrivateProof,
  FIELD_MODULUS,
  MAX_PRIVATE_PROOF_BYTES,
  type PrivateProof,
  proofFromBytes,
  proofToBytes,
} from '../src/index.js';
import { g1Generator, g2OutsideSubgroup, generatorProof } from './helpers/points.js';

const sample: PrivateProof = {
  context: fieldToBytes(123n),
  commitments: { metrics: [1n, 2n, 3n, 4n, 5n], cumulative: 6n },
  proof: generatorProof(),
};

const raw = (over: Record<string, unknown> = {}) => ({
  commitments: sample.commitments.metrics.map((c) => fieldToBytes(c)),
  context: sample.context,
  cumulative: fieldToBytes(6n),
  proof: sample.proof,
  ...over,
});
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

describe('PrivateProof encoding', () => {
  it('round-trips canonically and is 536 bytes', () => {
    const bytes = encodePrivateProof(sample);
    expect(bytes.length).toBe(536);
    expect(decodePrivateProof(bytes)).toEqual(sample);
    expect(proofToBytes(proofFromBytes(sample.proof))).toEqual(sample.proof);
  });

  it('refuses oversized input before parsing', () => {
    expect(code(() => decodePrivateProof(new Uint8Array(MAX_PRIVATE_PROOF_BYTES + 1)))).toBe('OVERSIZED');
  });

  it('refuses malformed input: truncation, unknown or missing fields, wrong lengths, floats', () => {
    const bytes = encodePrivateProof(sample);
    expect(code(() => decodePrivateProof(bytes.subarray(0, 100)))).toBe('MALFORMED');
    expect(code(() => decodePrivateProof(encode({ ...raw(), extra: 1 })))).toBe('MALFORMED');
    const { proof: _, ...missing } = raw();
    expect(code(() => decodePrivateProof(encode(missing)))).toBe('MALFORMED');
    expect(code(() => decodePrivateProof(encode(raw({ proof: sample.proof.subarray(0, 255) }))))).toBe(
      'MALFORMED',
    );
    expect(code(() => decodePrivateProof(encode(raw({ commitments: [] }))))).toBe('MALFORMED');
    expect(code(() => decodePrivateProof(encode(raw({ cumulative: 1.5 }))))).toBe('MALFORMED');
  });

  it('refuses non-canonical input: unsorted keys, non-minimal lengths, field elements >= p', () => {
    const unsorted = encode(
      {
        commitments: raw().commitments,
        proof: sample.proof,
        context: sample.context,
        cumulative: fieldToBytes(6n),
      },
      { mapSorter: () => 0 },
    );
    expect(code(() => decodePrivateProof(unsorted))).toBe('NON_CANONICAL');
    expect(code(() => decodePrivateProof(encode(raw({ cumulative: fieldToBytes(FIELD_MODULUS) }))))).toBe(
      'NON_CANONICAL',
    );
    // bytes(32) with a 2-byte length header (0x59 0x0020) instead of 0x58 0x20.
    const bytes = encodePrivateProof(sample);
    const at = bytes.findIndex((b, i) => b === 0x58 && bytes[i + 1] === 0x20);
    const longer = new Uint8Array([...bytes.subarray(0, at), 0x59, 0x00, 0x20, ...bytes.subarray(at + 2)]);
    expect(['MALFORMED', 'NON_CANONICAL']).toContain(code(() => decodePrivateProof(longer)));
  });

  it('refuses proof points off the curve, outside the G2 subgroup, or the identity', () => {
    const withProof = (p: Uint8Array) => encode(raw({ proof: p }));
    const offCurve = generatorProof();
    offCurve[63] = (offCurve[63] as number) ^ 1;
    expect(code(() => decodePrivateProof(withProof(offCurve)))).toBe('BAD_POINT');
    const identity = generatorProof();
    identity.fill(0, 0, 64);
    expect(code(() => decodePrivateProof(withProof(identity)))).toBe('BAD_POINT');
    const outside = new Uint8Array([...g1Generator(), ...g2OutsideSubgroup(), ...g1Generator()]);
    expect(code(() => decodePrivateProof(withProof(outside)))).toBe('BAD_POINT');
    const unreduced = generatorProof();
    unreduced.fill(0xff, 0, 32);
    expect(code(() => decodePrivateProof(withProof(unreduced)))).toBe('BAD_POINT');
  });
});
