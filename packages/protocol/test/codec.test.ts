import { encode as cborEncode, rfc8949EncodeOptions, Tagged } from 'cborg';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes.js';
import { encodeCanonical } from '../src/codec/cbor.js';
import {
  decodeCertificate,
  decodeGenesis,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedVote,
  encodeCertificate,
  encodeGenesis,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedVote,
} from '../src/codec/codec.js';
import { MAX_BYTES } from '../src/codec/limits.js';
import { genesisField, signedCommitmentField } from '../src/codec/messages.js';
import { ProtocolError } from '../src/errors.js';
import { detectEquivocation } from '../src/evidence.js';
import type { Certificate, Evidence } from '../src/types.js';
import { fileEvidence, genesis, metrics, networkId, signed, vote } from './helpers/fixtures.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).code;
  }
  return 'NO_ERROR';
}

/** Canonical CBOR of an arbitrary JS value (to craft hostile inputs). */
const raw = (v: unknown) => cborEncode(v, rfc8949EncodeOptions);

const cert: Certificate = {
  networkId,
  height: 1,
  target: 'PAUSED',
  step: 'up',
  signers: ['lab-a', 'lab-b', 'lab-c'],
  resolves: [],
  signature: new Uint8Array(96).fill(7),
};

describe('codec round trips', () => {
  it('genesis', () => {
    expect(decodeGenesis(encodeGenesis(genesis))).toEqual(genesis);
  });
  it('signed commitment keeps 1e26-scale bigints exact', () => {
    const big = 10n ** 26n + 1n;
    const sc = signed({ metrics: metrics({ trainingFlop: big, acceleratorHours: 2n ** 64n - 1n }) });
    const back = decodeSignedCommitment(encodeSignedCommitment(sc));
    expect(back.commitment.metrics.trainingFlop).toBe(big);
    expect(back.commitment.metrics.acceleratorHours).toBe(2n ** 64n - 1n);
    expect(back).toEqual(sc);
  });
  it('every evidence kind', () => {
    const a = signed({ epoch: 1, issuedAt: genesis.policy.genesisTime + 2 * 3_600_000 });
    const b = signed({ epoch: 1, issuedAt: genesis.policy.genesisTime + 2 * 3_600_000 + 1 });
    const kinds: Evidence[] = [
      { kind: 'cap-exceeded', commitment: a, cap: 'maxParams' },
      detectEquivocation(a, b) as Evidence,
      { kind: 'missed', lab: 'lab-c', epoch: 4 },
      {
        kind: 'report',
        subject: 'lab-d',
        epoch: 2,
        digest: new Uint8Array(32).fill(9),
        summary: 'off-band audit §3 ✓',
      },
    ];
    for (const ev of kinds) {
      const se = fileEvidence(ev);
      expect(decodeSignedEvidence(encodeSignedEvidence(se))).toEqual(se);
    }
  });
  it('vote and certificate', () => {
    const sv = vote('lab-b', 1, 'PAUSED', { evidence: [new Uint8Array(32).fill(1)] });
    expect(decodeSignedVote(encodeSignedVote(sv))).toEqual(sv);
    expect(decodeCertificate(encodeCertificate(cert))).toEqual(cert);
  });
  it('bigints: uint below 2^64, tag-2 bignum with minimal bytes above', () => {
    const small = toHex(
      encodeSignedCommitment(signed({ metrics: metrics({ trainingFlop: 2n ** 64n - 1n }) })),
    );
    expect(small).toContain(`${toHex(new TextEncoder().encode('trainingFlop'))}1bffffffffffffffff`);
    const large = toHex(encodeSignedCommitment(signed({ metrics: metrics({ trainingFlop: 2n ** 64n }) })));
    expect(large).toContain(`${toHex(new TextEncoder().encode('trainingFlop'))}c249010000000000000000`);
  });
});

describe('decoder rejections (typed, never untyped)', () => {
  const certRaw = {
    networkId,
    height: 1,
    target: 'PAUSED',
    step: 'up',
    signers: ['lab-a', 'lab-b', 'lab-c'],
    resolves: [],
    signature: new Uint8Array(96).fill(7),
  };
  it('OVERSIZED before parsing', () => {
    expect(codeOf(() => decodeCertificate(new Uint8Array(MAX_BYTES.certificate + 1)))).toBe('OVERSIZED');
  });
  it('MALFORMED: garbage, truncated, trailing bytes, empty', () => {
    const good = encodeCertificate(cert);
    expect(codeOf(() => decodeCertificate(Uint8Array.of(0xff, 0x00)))).toBe('MALFORMED');
    expect(codeOf(() => decodeCertificate(good.subarray(0, good.length - 3)))).toBe('MALFORMED');
    expect(codeOf(() => decodeCertificate(Uint8Array.from([...good, 0])))).toBe('MALFORMED');
    expect(codeOf(() => decodeCertificate(new Uint8Array(0)))).toBe('MALFORMED');
  });
  it('UNKNOWN_FIELD and MISSING_FIELD', () => {
    expect(codeOf(() => decodeCertificate(raw({ ...certRaw, extra: 1 })))).toBe('UNKNOWN_FIELD');
    const { signers: _s, ...missing } = certRaw;
    expect(codeOf(() => decodeCertificate(raw(missing)))).toBe('MISSING_FIELD');
  });
  it('WRONG_TYPE: text where int is due, float where int is due, undefined', () => {
    expect(codeOf(() => decodeCertificate(raw({ ...certRaw, height: '1' })))).toBe('WRONG_TYPE');
    // 0xf93c00 = half-float 1.0 in place of the height
    const withFloat = toHex(raw(certRaw)).replace('66686569676874' + '01', '66686569676874' + 'f93c00');
    expect(codeOf(() => decodeCertificate(fromHex(withFloat)))).toBe('WRONG_TYPE');
    const withUndef = toHex(raw(certRaw)).replace('66686569676874' + '01', '66686569676874' + 'f7');
    expect(codeOf(() => decodeCertificate(fromHex(withUndef)))).toBe('MALFORMED');
  });
  it('OUT_OF_RANGE: wrong byte length, bad enum, negative int, > 2^53', () => {
    expect(codeOf(() => decodeCertificate(raw({ ...certRaw, signature: new Uint8Array(95) })))).toBe(
      'OUT_OF_RANGE',
    );
    expect(codeOf(() => decodeCertificate(raw({ ...certRaw, target: 'HALTED' })))).toBe('OUT_OF_RANGE');
    expect(codeOf(() => decodeCertificate(raw({ ...certRaw, height: -1 })))).toBe('OUT_OF_RANGE');
    expect(codeOf(() => decodeCertificate(raw({ ...certRaw, height: 2n ** 60n })))).toBe('OUT_OF_RANGE');
  });
  it('NON_CANONICAL: unsorted keys, non-minimal ints, small bignum, bignum with leading zero', () => {
    const sorted = raw(certRaw);
    const unsorted = cborEncode(certRaw, {
      mapSorter: (a: unknown, b: unknown) => -rfc8949EncodeOptions.mapSorter!(a as never, b as never),
    });
    expect(toHex(unsorted)).not.toBe(toHex(sorted));
    expect(codeOf(() => decodeCertificate(unsorted))).toBe('NON_CANONICAL');
    // height 1 as a 1-byte uint (0x1801) is rejected by the strict tokenizer
    const nonMinimal = toHex(sorted).replace('66686569676874' + '01', '66686569676874' + '1801');
    expect(['NON_CANONICAL', 'MALFORMED']).toContain(codeOf(() => decodeCertificate(fromHex(nonMinimal))));
    const sc = signed();
    const scRaw = (flop: unknown) => {
      const w = signedCommitmentField.write(sc, '') as { commitment: { metrics: Record<string, unknown> } };
      w.commitment.metrics['trainingFlop'] = flop;
      return w;
    };
    const base = scRaw(0);
    expect(decodeSignedCommitment(raw(base)).commitment.metrics.trainingFlop).toBe(0n);
    expect(codeOf(() => decodeSignedCommitment(raw(scRaw(new Tagged(2, Uint8Array.of(5))))))).toBe(
      'NON_CANONICAL',
    );
    expect(
      codeOf(() =>
        decodeSignedCommitment(raw(scRaw(new Tagged(2, Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0, 0, 0))))),
      ),
    ).toBe('NON_CANONICAL');
    expect(codeOf(() => decodeSignedCommitment(raw(scRaw(new Tagged(3, Uint8Array.of(1))))))).toBe(
      'MALFORMED',
    );
  });
  it('duplicate map keys and non-string keys are MALFORMED', () => {
    // {"a":1,"a":2}
    expect(codeOf(() => decodeCertificate(fromHex('a2616101616102')))).toBe('MALFORMED');
    expect(codeOf(() => decodeCertificate(fromHex('a10101')))).toBe('MALFORMED');
  });
  it('indefinite-length containers are MALFORMED', () => {
    expect(codeOf(() => decodeCertificate(fromHex('bf616101ff')))).toBe('MALFORMED');
  });
  it('deep nesting and non-byte inputs give typed errors, not crashes', () => {
    const deep = new Uint8Array(MAX_BYTES.signedEvidence).fill(0x81); // [[[[...]]]] 20k levels
    expect(codeOf(() => decodeSignedEvidence(deep))).toBe('MALFORMED');
    expect(codeOf(() => decodeSignedVote('a0' as unknown as Uint8Array))).toBe('WRONG_TYPE');
    expect(codeOf(() => decodeSignedVote(null as unknown as Uint8Array))).toBe('WRONG_TYPE');
  });
  it('encoders refuse invalid objects with ProtocolError', () => {
    expect(codeOf(() => encodeCertificate({ ...cert, height: 1.5 }))).toBe('WRONG_TYPE');
    expect(codeOf(() => encodeCertificate({ ...cert, extra: 1 } as Certificate))).toBe('UNKNOWN_FIELD');
    expect(codeOf(() => encodeGenesis({ ...genesis, threshold: 2 }))).toBe('INVALID_GENESIS');
  });
});

describe('genesis semantic rules (G_*)', () => {
  it('G_THRESHOLD: n/2 < t <= n', () => {
    expect(codeOf(() => encodeGenesis({ ...genesis, threshold: 5 }))).toBe('INVALID_GENESIS');
  });
  it('G_MEMBERS: indices 1..n in order, unique ids and keys', () => {
    const [m1, m2, ...rest] = genesis.members;
    expect(codeOf(() => encodeGenesis({ ...genesis, members: [m2!, m1!, ...rest] }))).toBe('INVALID_GENESIS');
    expect(codeOf(() => encodeGenesis({ ...genesis, members: [m1!, { ...m2!, id: m1!.id }, ...rest] }))).toBe(
      'INVALID_GENESIS',
    );
    expect(
      codeOf(() =>
        encodeGenesis({ ...genesis, members: [m1!, { ...m2!, publicKey: m1!.publicKey }, ...rest] }),
      ),
    ).toBe('INVALID_GENESIS');
  });
  it('G_POLICY: a kind is auto or judged, not both; auditor ids distinct from members', () => {
    const p = genesis.policy;
    expect(
      codeOf(() =>
        encodeGenesis({ ...genesis, policy: { ...p, approvalRequired: ['missed', 'cap-exceeded'] } }),
      ),
    ).toBe('INVALID_GENESIS');
    expect(
      codeOf(() =>
        encodeGenesis({ ...genesis, policy: { ...p, auditors: [{ ...p.auditors[0]!, id: 'lab-a' }] } }),
      ),
    ).toBe('INVALID_GENESIS');
  });
  it('G_DKG: one public share per member', () => {
    const dkg = { ...genesis.dkg!, publicShares: genesis.dkg!.publicShares.slice(0, 3) };
    expect(codeOf(() => encodeGenesis({ ...genesis, dkg }))).toBe('INVALID_GENESIS');
  });
  it('decodeGenesis applies the same rules to bytes', () => {
    const bytes = encodeCanonical(genesisField, { ...genesis, threshold: 2 }, 'genesis', MAX_BYTES.genesis);
    expect(codeOf(() => decodeGenesis(bytes))).toBe('INVALID_GENESIS');
  });
});
