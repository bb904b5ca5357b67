import { encode as cborEncode, rfc8949EncodeOptions } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import {
  decodeCertificate,
  decodeGenesis,
  decodeReleaseCertificate,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedReceipt,
  decodeSignedReleaseVote,
  decodeSignedVote,
  encodeCertificate,
  encodeGenesis,
  encodeReleaseCertificate,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedReceipt,
  encodeSignedReleaseVote,
  encodeSignedVote,
} from '../src/codec/codec.js';
import { CAP_NAMES, ELEVATED_LEVELS, EVIDENCE_KINDS, PAUSE_STATES, STEPS } from '../src/codec/messages.js';
import { ProtocolError } from '../src/errors.js';
import { detectEquivocation } from '../src/evidence.js';
import { evidenceHash, hashOfCanonical, hashSignedCommitment, voteHash } from '../src/signing.js';
import type {
  Certificate,
  Evidence,
  EvidenceKind,
  Genesis,
  ReleaseCertificate,
  SignedCommitment,
  SignedEvidence,
  SignedReceipt,
  SignedReleaseVote,
  SignedVote,
} from '../src/types.js';
import { validateCommitmentIntrinsic } from '../src/validation/commitment.js';
import { validateEvidence } from '../src/validation/evidence.js';
import { validateVote } from '../src/validation/vote.js';
import { blsVerify } from './helpers/bls.js';
import { fileEvidence, genesis, networkId, signed, vote } from './helpers/fixtures.js';

const RUNS = 80;

const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/);
const bytesN = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const nat = fc.maxSafeNat();
const quantity = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 70n }),
  fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
);
const name = fc.string({ unit: 'binary', maxLength: 30 });

const commitmentArb: fc.Arbitrary<SignedCommitment> = fc.record({
  commitment: fc.record({
    networkId: bytesN(32),
    lab: id,
    epoch: nat,
    seq: nat,
    prev: bytesN(32),
    issuedAt: nat,
    height: nat,
    level: fc.constantFrom(...PAUSE_STATES),
    metrics: fc.record({
      trainingFlop: quantity,
      largestRunFlop: quantity,
      maxParams: quantity,
      datasetTokens: quantity,
      acceleratorHours: quantity,
      utilizationBps: fc.integer({ min: 0, max: 10_000 }),
    }),
    runsRoot: bytesN(32),
    attestations: fc.array(fc.record({ attester: name, publicKey: bytesN(32), signature: bytesN(64) }), {
      maxLength: 2,
    }),
  }),
  signature: bytesN(64),
});

const receiptArb: fc.Arbitrary<SignedReceipt> = fc.record({
  receipt: fc.record({
    networkId: bytesN(32),
    lab: id,
    height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    target: fc.constantFrom(...PAUSE_STATES),
    certificateHash: bytesN(32),
    hooksDoneAt: nat,
    hooks: fc.array(
      fc.record({
        name: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
        outcome: fc.constantFrom('ok' as const, 'failed' as const),
        attempts: fc.integer({ min: 0, max: 1_000_000 }),
      }),
      { maxLength: 4 },
    ),
    schedulerDigest: bytesN(32),
    issuedAt: nat,
  }),
  signature: bytesN(64),
});

const certificateArb: fc.Arbitrary<Certificate> = fc.record({
  networkId: bytesN(32),
  height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  target: fc.constantFrom(...PAUSE_STATES),
  step: fc.constantFrom(...STEPS),
  signers: fc.array(id, { minLength: 1, maxLength: 10 }),
  resolves: fc.array(bytesN(32), { maxLength: 64 }),
  signature: bytesN(96),
});

const evidenceArb: fc.Arbitrary<Evidence> = fc.oneof(
  fc.record({
    kind: fc.constant('cap-exceeded' as const),
    commitment: commitmentArb,
    cap: fc.constantFrom(...CAP_NAMES),
  }),
  fc.record({ kind: fc.constant('equivocation' as const), a: commitmentArb, b: commitmentArb }),
  fc.record({ kind: fc.constant('missed' as const), lab: id, epoch: nat }),
  fc.record({
    kind: fc.constant('report' as const),
    subject: id,
    epoch: nat,
    digest: bytesN(32),
    summary: fc.string({ unit: 'binary', maxLength: 200 }),
  }),
  fc.record({
    kind: fc.constant('pause-violation' as const),
    certificate: certificateArb,
    acknowledgment: fc.oneof(
      fc.record({ kind: fc.constant('receipt' as const), receipt: receiptArb }),
      fc.record({ kind: fc.constant('commitment' as const), commitment: commitmentArb }),
    ),
    commitment: commitmentArb,
    baseline: fc.array(commitmentArb, { maxLength: 3 }),
  }),
);

const signedEvidenceArb: fc.Arbitrary<SignedEvidence> = fc.record({
  networkId: bytesN(32),
  evidence: evidenceArb,
  reporter: id,
  issuedAt: nat,
  signature: bytesN(64),
});

const voteArb: fc.Arbitrary<SignedVote> = fc.record({
  vote: fc.record({
    networkId: bytesN(32),
    height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    target: fc.constantFrom(...PAUSE_STATES),
    step: fc.constantFrom(...STEPS),
    voter: id,
    partial: bytesN(96),
    evidence: fc.array(bytesN(32), { maxLength: 16 }),
    breaches: fc.array(bytesN(32), { maxLength: 16 }),
    resolves: fc.array(bytesN(32), { maxLength: 64 }),
    issuedAt: nat,
  }),
  signature: bytesN(64),
});

const releaseVoteArb: fc.Arbitrary<SignedReleaseVote> = fc.record({
  vote: fc.record({
    networkId: bytesN(32),
    sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    released: fc.array(id, { minLength: 1, maxLength: 5 }),
    breaches: fc.array(bytesN(32), { minLength: 1, maxLength: 8 }),
    voter: id,
    partial: bytesN(96),
    issuedAt: nat,
  }),
  signature: bytesN(64),
});

const releaseCertificateArb: fc.Arbitrary<ReleaseCertificate> = fc.record({
  networkId: bytesN(32),
  sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  released: fc.array(id, { minLength: 1, maxLength: 5 }),
  breaches: fc.array(bytesN(32), { minLength: 1, maxLength: 8 }),
  signers: fc.array(id, { minLength: 1, maxLength: 10 }),
  signature: bytesN(96),
});

const genesisArb: fc.Arbitrary<Genesis> = fc
  .record({
    ids: fc.uniqueArray(id, { minLength: 1, maxLength: 6 }),
    keys: fc.uniqueArray(bytesN(32), {
      minLength: 6,
      maxLength: 6,
      selector: (k) => toHex(k),
    }),
    tExtra: nat,
    name,
    genesisTime: nat,
    epochMs: fc.integer({ min: 1, max: 2 ** 40 }),
    deadlineMs: nat,
    graceMs: nat,
    caps: fc.record({
      trainingFlop: quantity,
      largestRunFlop: quantity,
      maxParams: quantity,
      datasetTokens: quantity,
    }),
    kindMode: fc.array(fc.constantFrom('auto', 'judged', 'none'), { minLength: 5, maxLength: 5 }),
    levels: fc.option(
      fc.record(
        {
          kinds: fc.record(
            Object.fromEntries(EVIDENCE_KINDS.map((k) => [k, fc.constantFrom(...ELEVATED_LEVELS)])),
            { requiredKeys: [] },
          ),
          caps: fc.record(
            Object.fromEntries(CAP_NAMES.map((k) => [k, fc.constantFrom(...ELEVATED_LEVELS)])),
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
    limit: fc.option(
      fc.record({
        trainingFlop: quantity,
        growth: fc.integer({ min: 0, max: 100_000 }),
        hours: fc.integer({ min: 0, max: 10_000 }),
      }),
      { nil: undefined },
    ),
    baselineEpochs: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
    receiptDeadlineMs: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
    onBrokenCondition: fc.option(fc.constantFrom('hold' as const, 'release' as const), { nil: undefined }),
    pledgeAll: fc.boolean(),
    resumeNeedsApproval: fc.boolean(),
    judgedQuotaPerEpoch: fc.integer({ min: 1, max: 1_000_000 }),
    judgedMaxAgeEpochs: fc.integer({ min: 1, max: 1_000_000 }),
    withDkg: fc.boolean(),
    dkgBytes: bytesN(48),
  })
  .map((r) => {
    const n = r.ids.length;
    const minT = Math.floor(n / 2) + 1;
    const g: Genesis = {
      version: 2,
      name: r.name,
      members: r.ids.map((mid, i) => ({
        id: mid,
        name: mid,
        index: i + 1,
        publicKey: r.keys[i] as Uint8Array,
        peerIds: ['12D3KooWExample'],
        addrs: ['/ip4/127.0.0.1/tcp/1'],
        ...(i === 0 && n > 1
          ? { pledge: { dependsOn: r.pledgeAll ? ('all' as const) : r.ids.slice(1) } }
          : {}),
      })),
      threshold: minT + (r.tExtra % (n - minT + 1)),
      policy: {
        genesisTime: r.genesisTime,
        epochMs: r.epochMs,
        deadlineMs: r.deadlineMs,
        graceMs: r.graceMs,
        caps: r.caps,
        autoVote: EVIDENCE_KINDS.filter((_, i) => r.kindMode[i] === 'auto') as EvidenceKind[],
        approvalRequired: EVIDENCE_KINDS.filter((_, i) => r.kindMode[i] === 'judged') as EvidenceKind[],
        resumeNeedsApproval: r.resumeNeedsApproval,
        auditors: [],
        judgedQuotaPerEpoch: r.judgedQuotaPerEpoch,
        judgedMaxAgeEpochs: r.judgedMaxAgeEpochs,
        ...(r.levels !== undefined ? { levels: r.levels } : {}),
        ...(r.limit !== undefined
          ? {
              limits: {
                REDUCED: {
                  trainingFlop: r.limit.trainingFlop,
                  largestRunGrowthBps: r.limit.growth,
                  acceleratorHoursBps: r.limit.hours,
                },
                PAUSED: { acceleratorHoursBps: Math.floor(r.limit.hours / 2) },
              },
            }
          : {}),
        ...(r.baselineEpochs !== undefined ? { baselineEpochs: r.baselineEpochs } : {}),
        ...(r.receiptDeadlineMs !== undefined ? { receiptDeadlineMs: r.receiptDeadlineMs } : {}),
        ...(r.onBrokenCondition !== undefined ? { onBrokenCondition: r.onBrokenCondition } : {}),
      },
    };
    if (r.withDkg)
      g.dkg = {
        groupPublicKey: r.dkgBytes,
        publicShares: r.ids.map(() => r.dkgBytes),
        transcriptHash: r.keys[0]!,
      };
    return g;
  });

const codecs = [
  { name: 'genesis', arb: genesisArb, enc: encodeGenesis, dec: decodeGenesis },
  { name: 'signed commitment', arb: commitmentArb, enc: encodeSignedCommitment, dec: decodeSignedCommitment },
  { name: 'signed evidence', arb: signedEvidenceArb, enc: encodeSignedEvidence, dec: decodeSignedEvidence },
  { name: 'signed vote', arb: voteArb, enc: encodeSignedVote, dec: decodeSignedVote },
  { name: 'certificate', arb: certificateArb, enc: encodeCertificate, dec: decodeCertificate },
  { name: 'signed receipt', arb: receiptArb, enc: encodeSignedReceipt, dec: decodeSignedReceipt },
  {
    name: 'signed release vote',
    arb: releaseVoteArb,
    enc: encodeSignedReleaseVote,
    dec: decodeSignedReleaseVote,
  },
  {
    name: 'release certificate',
    arb: releaseCertificateArb,
    enc: encodeReleaseCertificate,
    dec: decodeReleaseCertificate,
  },
] as const;

const decoders = codecs.map((c) => c.dec as (b: Uint8Array) => unknown);

function decodesOrTyped(dec: (b: Uint8Array) => unknown, bytes: Uint8Array): unknown {
  try {
    return dec(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect(typeof (e as ProtocolError).code).toBe('string');
    return undefined;
  }
}

describe('property: decode(encode(x)) == x', () => {
  for (const c of codecs) {
    it(c.name, () => {
      fc.assert(
        fc.property(c.arb as fc.Arbitrary<unknown>, (x) => {
          const enc = c.enc as (v: unknown) => Uint8Array;
          const bytes = enc(x);
          expect((c.dec as (b: Uint8Array) => unknown)(bytes)).toEqual(x);
          expect(enc((c.dec as (b: Uint8Array) => unknown)(bytes))).toEqual(bytes);
        }),
        { numRuns: c.name === 'genesis' ? 40 : RUNS },
      );
    });
  }
});

describe('property: hashOfCanonical(bytes) is the message hash of what the bytes decode to', () => {
  it('signed commitments, evidence and votes', () => {
    fc.assert(
      fc.property(commitmentArb, signedEvidenceArb, voteArb, (sc, se, sv) => {
        const [bc, be, bv] = [encodeSignedCommitment(sc), encodeSignedEvidence(se), encodeSignedVote(sv)];
        expect(hashOfCanonical(bc)).toEqual(hashSignedCommitment(decodeSignedCommitment(bc)));
        expect(hashOfCanonical(be)).toEqual(evidenceHash(decodeSignedEvidence(be)));
        expect(hashOfCanonical(bv)).toEqual(voteHash(decodeSignedVote(bv)));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('property: hostile bytes only ever yield ProtocolError', () => {
  it('random byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        for (const dec of decoders) decodesOrTyped(dec, b);
      }),
      { numRuns: 300 },
    );
  });
  it('random well-formed CBOR values of any shape', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }),
        fc.double(),
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.uint8Array({ maxLength: 100 }),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(
          fc.constantFrom('kind', 'height', 'target', 'vote', 'commitment', 'x', 'signature'),
          tie('v'),
          {
            maxKeys: 4,
          },
        ),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        let bytes: Uint8Array;
        try {
          bytes = cborEncode(v, rfc8949EncodeOptions);
        } catch {
          return;
        }
        for (const dec of decoders) decodesOrTyped(dec, bytes);
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: mutated valid messages are rejected by decode or by validation', () => {
  const a = signed({ epoch: 1, seq: 0 });
  const b = signed({ epoch: 1, seq: 0, issuedAt: a.commitment.issuedAt + 1 });
  const ctx = { genesis, networkId, now: a.commitment.issuedAt + 1000 };
  const samples: { bytes: Uint8Array; dec: (x: Uint8Array) => unknown; valid: (x: never) => boolean }[] = [
    {
      bytes: encodeSignedCommitment(a),
      dec: decodeSignedCommitment,
      valid: (x: SignedCommitment) => validateCommitmentIntrinsic(x, genesis, networkId).ok,
    },
    {
      bytes: encodeSignedEvidence(fileEvidence(detectEquivocation(a, b) as Evidence, 'lab-c', ctx.now)),
      dec: decodeSignedEvidence,
      valid: (x: SignedEvidence) => validateEvidence(x, ctx).ok,
    },
    {
      bytes: encodeSignedVote(vote('lab-b', 1, 'PAUSED', { issuedAt: ctx.now })),
      dec: decodeSignedVote,
      valid: (x: SignedVote) => validateVote(x, { ...ctx, verifyPartial: blsVerify }).ok,
    },
  ];
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('set' as const), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('insert' as const), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('delete' as const), pos: fc.nat() }),
    fc.record({ op: fc.constant('truncate' as const), pos: fc.nat() }),
  );
  const apply = (src: Uint8Array, m: Record<string, unknown>) => {
    const arr = [...src];
    const pos = (m['pos'] as number) % arr.length;
    switch (m['op']) {
      case 'flip':
        arr[pos] = (arr[pos] as number) ^ (1 << (m['bit'] as number));
        break;
      case 'set':
        arr[pos] = m['byte'] as number;
        break;
      case 'insert':
        arr.splice(pos, 0, m['byte'] as number);
        break;
      case 'delete':
        arr.splice(pos, 1);
        break;
      default:
        arr.length = pos;
    }
    return Uint8Array.from(arr);
  };
  samples.forEach((s, i) => {
    it(`sample ${i}: never crashes; anything that still decodes fails validation or is unchanged`, () => {
      expect(s.valid(s.dec(s.bytes) as never)).toBe(true);
      fc.assert(
        fc.property(mutation, (m) => {
          const mutated = apply(s.bytes, m as Record<string, unknown>);
          const decoded = decodesOrTyped(s.dec, mutated);
          if (decoded === undefined) return;
          const same = Buffer.from(mutated).equals(Buffer.from(s.bytes));
          expect(s.valid(decoded as never)).toBe(same);
        }),
        { numRuns: 150 },
      );
    });
  });
});
