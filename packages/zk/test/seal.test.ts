import { ed25519Generate } from '@pausenet/crypto';
import { encode } from 'cborg';
import { describe, expect, it } from 'vitest';
import {
  commitMetrics,
  decodeSealedOpenings,
  GENESIS_LINK,
  MAX_SEALED_BYTES,
  metricsOf,
  mismatchedOpenings,
  openSealed,
  sealOpenings,
  type ZkMetrics,
} from '../src/index.js';

const metrics: ZkMetrics = {
  trainingFlop: 10n ** 24n,
  largestRunFlop: 9n * 10n ** 24n,
  maxParams: 4n * 10n ** 11n,
  datasetTokens: 3n * 10n ** 13n,
  acceleratorHours: 100_000n,
};
const ctx = { networkId: new Uint8Array(32).fill(1), lab: 'lab-b', epoch: 5, seq: 4 };
const auditors = ['audit-eu', 'audit-us', 'audit-uk'].map((id) => ({ id, ...ed25519Generate() }));
const policyAuditors = auditors.map((a) => ({ id: a.id, publicKey: a.publicKey }));
const { commitments, openings } = commitMetrics(metrics, GENESIS_LINK, new Uint8Array(32).fill(9));
const randomness = new Uint8Array(64).map((_, i) => i + 1);
const sealed = sealOpenings({ openings, context: ctx, auditors: policyAuditors, randomness });
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

describe('openings sealed to auditors', () => {
  it('every policy auditor opens them, and they match the public commitments', () => {
    auditors.forEach((a, index) => {
      const opened = openSealed(sealed, ctx, { index, id: a.id, secretKey: a.secretKey });
      expect(opened).toEqual(openings);
      expect(metricsOf(opened)).toEqual(metrics);
      expect(mismatchedOpenings(opened, commitments)).toEqual([]);
    });
    expect(sealed.length).toBeLessThan(MAX_SEALED_BYTES);
  });

  it('are deterministic in the injected randomness and fit 32 auditors', () => {
    expect(sealOpenings({ openings, context: ctx, auditors: policyAuditors, randomness })).toEqual(sealed);
    const many = Array.from({ length: 32 }, (_, i) => ({
      id: `a${i}`,
      publicKey: ed25519Generate().publicKey,
    }));
    const big = sealOpenings({ openings, context: ctx, auditors: many, randomness });
    expect(big.length).toBeLessThanOrEqual(MAX_SEALED_BYTES);
    expect(decodeSealedOpenings(big).keys.length).toBe(32);
  });

  it('refuse another auditor key, another index or id, another commitment context, tampering', () => {
    const [a, b] = auditors as [(typeof auditors)[0], (typeof auditors)[0]];
    expect(code(() => openSealed(sealed, ctx, { index: 0, id: a.id, secretKey: b.secretKey }))).toBe(
      'DECRYPT_FAILED',
    );
    expect(code(() => openSealed(sealed, ctx, { index: 1, id: a.id, secretKey: a.secretKey }))).toBe(
      'DECRYPT_FAILED',
    );
    expect(code(() => openSealed(sealed, ctx, { index: 0, id: 'audit-xx', secretKey: a.secretKey }))).toBe(
      'DECRYPT_FAILED',
    );
    expect(
      code(() => openSealed(sealed, { ...ctx, epoch: 6 }, { index: 0, id: a.id, secretKey: a.secretKey })),
    ).toBe('DECRYPT_FAILED');
    expect(code(() => openSealed(sealed, ctx, { index: 3, id: a.id, secretKey: a.secretKey }))).toBe(
      'DECRYPT_FAILED',
    );
    const s = decodeSealedOpenings(sealed);
    const flipped = new Uint8Array(s.ciphertext);
    flipped[5] = (flipped[5] as number) ^ 1;
    const tampered = encode({ ciphertext: flipped, ephemeralKey: s.ephemeralKey, keys: s.keys });
    expect(code(() => openSealed(tampered, ctx, { index: 0, id: a.id, secretKey: a.secretKey }))).toBe(
      'DECRYPT_FAILED',
    );
  });

  it('an auditor detects a lab that sealed openings which do not match its commitments', () => {
    const lying = {
      ...openings,
      metrics: openings.metrics.map((o, i) => (i === 0 ? { ...o, value: 1n } : o)),
    };
    const blob = sealOpenings({ openings: lying, context: ctx, auditors: policyAuditors, randomness });
    const [a] = auditors;
    const opened = openSealed(blob, ctx, { index: 0, id: a!.id, secretKey: a!.secretKey });
    expect(mismatchedOpenings(opened, commitments)).toEqual(['trainingFlop']);
  });

  it('refuse oversized or malformed blobs and auditor keys that are not usable points', () => {
    expect(code(() => decodeSealedOpenings(new Uint8Array(MAX_SEALED_BYTES + 1)))).toBe('OVERSIZED');
    expect(
      code(() =>
        decodeSealedOpenings(
          encode({ ciphertext: new Uint8Array(3), ephemeralKey: new Uint8Array(32), keys: [] }),
        ),
      ),
    ).toBe('MALFORMED');
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(
      code(() =>
        sealOpenings({ openings, context: ctx, auditors: [{ id: 'x', publicKey: identity }], randomness }),
      ),
    ).toBe('BAD_KEY');
    expect(
      code(() =>
        sealOpenings({
          openings,
          context: ctx,
          auditors: [{ id: 'x', publicKey: new Uint8Array(32).fill(0xff) }],
          randomness,
        }),
      ),
    ).toBe('BAD_KEY');
  });
});
