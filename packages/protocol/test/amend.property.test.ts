import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeAmendment,
  decodeCertifiedAmendment,
  decodeSignedAmendmentProposal,
  decodeSignedAmendmentVote,
  encodeCertifiedAmendment,
  encodeSignedAmendmentProposal,
  encodeSignedAmendmentVote,
} from '../src/amend/codec.js';
import { certifiedAmendmentStatement } from '../src/amend/signing.js';
import type { CertifiedAmendment } from '../src/amend/types.js';
import {
  validateAmendmentProposal,
  validateAmendmentVote,
  validateCertifiedAmendment,
} from '../src/amend/validation.js';
import { bytesEqual } from '../src/bytes.js';
import { ProtocolError } from '../src/errors.js';
import { amendment2, amendVote, certified3, chain1, chain2, draft2, propose } from './helpers/amend.js';
import { epochStart } from './helpers/fixtures.js';

/**
 * Hostile input against the amendment decoders and validators: random bytes only ever yield a typed
 * ProtocolError, and any mutation of a valid message that still decodes fails validation unless it is the
 * same message. A certified amendment's signer list is informational: a mutation that leaves the statement
 * and the signature alone may name other valid signers (or invalid ones: AK_SIGNERS), so it is skipped.
 */

function decodesOrTyped(dec: (b: Uint8Array) => unknown, bytes: Uint8Array): unknown {
  try {
    return dec(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return undefined;
  }
}

const decoders = [
  decodeAmendment,
  decodeCertifiedAmendment,
  decodeSignedAmendmentProposal,
  decodeSignedAmendmentVote,
];

const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), pos: fc.nat() }),
);

function apply(src: Uint8Array, m: { op: string; pos: number; bit?: number; byte?: number }): Uint8Array {
  const arr = [...src];
  const pos = m.pos % arr.length;
  if (m.op === 'flip') arr[pos] = (arr[pos] as number) ^ (1 << (m.bit as number));
  else if (m.op === 'insert') arr.splice(pos, 0, m.byte as number);
  else arr.splice(pos, 1);
  return Uint8Array.from(arr);
}

describe('property: amendment decoders on hostile bytes', () => {
  it('random byte strings only ever yield ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        for (const dec of decoders) decodesOrTyped(dec, b);
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: a mutated amendment message that still decodes is invalid (or the same message)', () => {
  const now = epochStart(1) + 120_000;
  const samples = [
    {
      name: 'certified amendment (revision 3 against revision 2)',
      bytes: encodeCertifiedAmendment(certified3),
      dec: decodeCertifiedAmendment,
      valid: (x: unknown) => validateCertifiedAmendment(x as CertifiedAmendment, { chain: chain2 }).ok,
      informational: (x: unknown) => {
        const c = x as CertifiedAmendment;
        return (
          bytesEqual(certifiedAmendmentStatement(c), certifiedAmendmentStatement(certified3)) &&
          bytesEqual(c.signature, certified3.signature)
        );
      },
      runs: 60,
    },
    {
      name: 'amendment vote',
      bytes: encodeSignedAmendmentVote(amendVote(amendment2, 'lab-b')),
      dec: decodeSignedAmendmentVote,
      valid: (x: unknown) => validateAmendmentVote(x as never, { chain: chain1, now }).ok,
      informational: () => false,
      runs: 150,
    },
    {
      name: 'proposal',
      bytes: encodeSignedAmendmentProposal(propose(draft2)),
      dec: decodeSignedAmendmentProposal,
      valid: (x: unknown) => validateAmendmentProposal(x as never, { chain: chain1, now }).ok,
      informational: () => false,
      runs: 100,
    },
  ];
  for (const s of samples)
    it(s.name, () => {
      expect(s.valid(s.dec(s.bytes))).toBe(true);
      fc.assert(
        fc.property(mutation, (m) => {
          const mutated = apply(s.bytes, m);
          const decoded = decodesOrTyped(s.dec, mutated);
          if (decoded === undefined || s.informational(decoded)) return;
          expect(s.valid(decoded)).toBe(Buffer.from(mutated).equals(Buffer.from(s.bytes)));
        }),
        { numRuns: s.runs },
      );
    });
});
