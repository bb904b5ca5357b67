import { DkgError, decodeDkgBundle, encodeDkgBundle, verifyDkgBundleSignature } from '@pausenet/crypto';
import {
  certificateFromJson,
  certificateHash,
  commitmentFromJson,
  decodeCertificate,
  decodeCommitment,
  decodeGenesis,
  decodeRunRecord,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedVote,
  encodeCertificate,
  encodeGenesis,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedVote,
  evidenceFromJson,
  GenesisConfigError,
  genesisFromJson,
  ProtocolError,
  parseGenesisYaml,
  type Validation,
  validateCertificate,
  validateCommitment,
  validateCommitmentIntrinsic,
  validateEvidence,
  validateVote,
  voteFromJson,
} from '@pausenet/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { certificate, commitment, dkgDeal, evidence, genesis, NOW, networkId, vote } from './corpus.js';

/** True for the typed errors a decoder may throw; anything else (TypeError, RangeError, ...) is a bug. */
const typed = (err: unknown) =>
  err instanceof ProtocolError || err instanceof DkgError || err instanceof GenesisConfigError;

function decodesOrTypedError<T>(decode: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: decode() };
  } catch (err) {
    if (!typed(err))
      throw new Error(`untyped exception: ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    return { ok: false };
  }
}

/** A byte-level mutation of `bytes`: bit flip, byte overwrite, truncation, extension, or splice. */
const mutation = (bytes: Uint8Array) =>
  fc.oneof(
    fc.record({ i: fc.nat(bytes.length - 1), bit: fc.nat(7) }).map(({ i, bit }) => {
      const b = Uint8Array.from(bytes);
      b[i]! ^= 1 << bit;
      return b;
    }),
    fc.record({ i: fc.nat(bytes.length - 1), v: fc.nat(255) }).map(({ i, v }) => {
      const b = Uint8Array.from(bytes);
      b[i] = v === b[i] ? (v + 1) % 256 : v;
      return b;
    }),
    fc.nat(bytes.length - 1).map((n) => bytes.slice(0, n)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((tail) => Uint8Array.from([...bytes, ...tail])),
    fc
      .record({ i: fc.nat(bytes.length - 1), ins: fc.uint8Array({ minLength: 1, maxLength: 8 }) })
      .map(({ i, ins }) => Uint8Array.from([...bytes.subarray(0, i), ...ins, ...bytes.subarray(i)])),
  );

const rejected = (v: Validation) => !v.ok;

/** Registers the fuzz properties with `runs` cases each (bounded in npm test, large in the long run). */
export function defineFuzzSuite(runs: number): void {
  describe(`fuzz (${runs} runs): decoders never crash and only throw typed errors (fast-check)`, () => {
    const decoders: [string, (b: Uint8Array) => unknown][] = [
      ['decodeSignedCommitment', decodeSignedCommitment],
      ['decodeCommitment', decodeCommitment],
      ['decodeSignedEvidence', decodeSignedEvidence],
      ['decodeSignedVote', decodeSignedVote],
      ['decodeCertificate', decodeCertificate],
      ['decodeGenesis', decodeGenesis],
      ['decodeRunRecord', decodeRunRecord],
      ['decodeDkgBundle', decodeDkgBundle],
    ];
    for (const [name, decode] of decoders) {
      it(`${name}: random bytes`, () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
            decodesOrTypedError(() => decode(bytes));
          }),
          { numRuns: runs },
        );
      });
    }
    it('every decoder: random CBOR-shaped input (arbitrary JSON-ish values re-encoded as bytes of other kinds)', () => {
      const samples = [
        encodeSignedCommitment(commitment),
        encodeSignedEvidence(evidence),
        encodeSignedVote(vote),
        encodeCertificate(certificate),
        encodeGenesis(genesis),
      ];
      fc.assert(
        fc.property(fc.constantFrom(...samples), fc.constantFrom(...decoders), (bytes, [, decode]) => {
          decodesOrTypedError(() => decode(bytes));
        }),
        { numRuns: runs },
      );
    });
    it('decoders reject oversized input with a typed error', () => {
      const big = new Uint8Array(5 << 20);
      for (const [, decode] of decoders) expect(decodesOrTypedError(() => decode(big)).ok).toBe(false);
    });
    it('parseGenesisYaml: arbitrary text and arbitrary YAML-ish objects throw only typed errors', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ maxLength: 500 }),
            fc.json().map((j) => j),
          ),
          (text) => {
            decodesOrTypedError(() => parseGenesisYaml(text));
          },
        ),
        { numRuns: runs },
      );
    });
    it('fromJson views: arbitrary JSON throws only typed errors', () => {
      const views = [
        commitmentFromJson,
        evidenceFromJson,
        voteFromJson,
        certificateFromJson,
        genesisFromJson,
      ] as ((x: unknown) => unknown)[];
      fc.assert(
        fc.property(fc.jsonValue(), fc.constantFrom(...views), (j, view) => {
          decodesOrTypedError(() => view(j));
        }),
        { numRuns: runs },
      );
    });
  });

  describe(`fuzz (${runs} runs): validators never throw, and never accept a mutated message (fast-check)`, () => {
    const vctx = { genesis, networkId, now: NOW };
    it('baselines are valid (so the properties below can fail)', () => {
      expect(validateCommitment(commitment, vctx)).toEqual({ ok: true });
      expect(validateEvidence(evidence, vctx)).toEqual({ ok: true });
      expect(validateVote(vote, { ...vctx, currentHeight: 0 })).toEqual({ ok: true });
      expect(validateCertificate(certificate, { genesis, networkId, currentHeight: 0 })).toEqual({
        ok: true,
      });
      const { bundle, publicKey } = dkgDeal();
      expect(verifyDkgBundleSignature(decodeDkgBundle(encodeDkgBundle(bundle)), publicKey)).toBe(true);
    });

    it('signed commitment: every decodable mutation fails validateCommitment and the intrinsic rules', () => {
      const bytes = encodeSignedCommitment(commitment);
      fc.assert(
        fc.property(mutation(bytes), (m) => {
          const d = decodesOrTypedError(() => decodeSignedCommitment(m));
          if (!d.ok) return;
          expect(rejected(validateCommitment(d.value, vctx))).toBe(true);
          expect(rejected(validateCommitmentIntrinsic(d.value, genesis, networkId))).toBe(true);
        }),
        { numRuns: runs },
      );
    });
    it('signed evidence: every decodable mutation fails validateEvidence', () => {
      const bytes = encodeSignedEvidence(evidence);
      fc.assert(
        fc.property(mutation(bytes), (m) => {
          const d = decodesOrTypedError(() => decodeSignedEvidence(m));
          if (d.ok) expect(rejected(validateEvidence(d.value, vctx))).toBe(true);
        }),
        { numRuns: runs },
      );
    });
    it('signed vote: every decodable mutation fails validateVote', () => {
      const bytes = encodeSignedVote(vote);
      fc.assert(
        fc.property(mutation(bytes), (m) => {
          const d = decodesOrTypedError(() => decodeSignedVote(m));
          if (d.ok) expect(rejected(validateVote(d.value, { ...vctx, currentHeight: 0 }))).toBe(true);
        }),
        { numRuns: runs },
      );
    });
    it('certificate: every decodable mutation of statement or signature fails validateCertificate', () => {
      const bytes = encodeCertificate(certificate);
      fc.assert(
        fc.property(mutation(bytes), (m) => {
          const d = decodesOrTypedError(() => decodeCertificate(m));
          if (!d.ok) return;
          const c = d.value;
          const v = validateCertificate(c, { genesis, networkId, currentHeight: 0 });
          if (v.ok) {
            // the group signature does not cover the signer list: an accepted mutation may only differ there
            expect({ ...c, signers: [] }).toEqual({ ...certificate, signers: [] });
            expect(new Set(c.signers).size).toBeGreaterThanOrEqual(genesis.threshold);
            // ...and so it is the same certificate: its id excludes the signer list.
            expect(certificateHash(c)).toEqual(certificateHash(certificate));
          }
        }),
        { numRuns: runs },
      );
    });
    it('DKG bundle: every decodable mutation fails the bundle signature check', () => {
      const { bundle, publicKey } = dkgDeal();
      const bytes = encodeDkgBundle(bundle);
      fc.assert(
        fc.property(mutation(bytes), (m) => {
          const d = decodesOrTypedError(() => decodeDkgBundle(m));
          if (d.ok) expect(verifyDkgBundleSignature(d.value, publicKey)).toBe(false);
        }),
        { numRuns: runs },
      );
    });
    it('validators return a Validation (never throw) on arbitrary values', () => {
      const validators: ((x: unknown) => Validation)[] = [
        (x) => validateCommitment(x as never, vctx),
        (x) => validateCommitmentIntrinsic(x as never, genesis, networkId),
        (x) => validateEvidence(x as never, vctx),
        (x) => validateVote(x as never, { ...vctx, currentHeight: 0 }),
        (x) => validateCertificate(x as never, { genesis, networkId, currentHeight: 0 }),
      ];
      fc.assert(
        fc.property(fc.anything(), fc.constantFrom(...validators), (x, validate) => {
          const v = validate(x);
          expect(v.ok).toBe(false);
        }),
        { numRuns: runs },
      );
    });
  });
}
