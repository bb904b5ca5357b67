import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  boundsOf,
  type ChainLink,
  chainLinkOf,
  commitMetrics,
  decodePrivateProof,
  encodePrivateProof,
  GENESIS_LINK,
  linkCommitments,
  type PrivateProof,
  UNLIMITED,
  type VerificationKeyJson,
  type ZkMetrics,
} from '../src/index.js';
import { loadCircuit, type ProvingArtifacts, proveCommitment, releaseCurve } from '../src/prover.js';
import { verifyBoth } from './helpers/both-verifiers.js';
import { devVkey, devZkey } from './helpers/dev-setup.js';

// Real circuit, real snarkjs prover, the committed dev setup (insecure by design: test only). Every
// verdict on a proof that decodes is also asked of snarkjs' verifier, which must agree (verifyBoth).
let artifacts: ProvingArtifacts;
let vk: VerificationKeyJson;
const networkId = new Uint8Array(32).fill(0xab);
const caps = boundsOf({
  trainingFlop: 10n ** 26n,
  largestRunFlop: 10n ** 26n,
  maxParams: 10n ** 13n,
  datasetTokens: 10n ** 14n,
  cumulativeTrainingFlop: 10n ** 27n,
});
const bounds = { caps, limits: UNLIMITED };
const epoch0: ZkMetrics = {
  trainingFlop: 590_764_354_560_000_000_000n,
  largestRunFlop: 590_764_354_560_000_000_000n,
  maxParams: 70_000_000_000n,
  datasetTokens: 15_000_000_000_000n,
  acceleratorHours: 384n,
};
const ctx0 = { networkId, lab: 'lab-a', epoch: 0, seq: 0 };
const ctx1 = { networkId, lab: 'lab-a', epoch: 1, seq: 1 };
let first: {
  commitments: ReturnType<typeof commitMetrics>['commitments'];
  openings: ReturnType<typeof commitMetrics>['openings'];
};
let proof0: PrivateProof;
let bytes0: Uint8Array;
const genesisPrev = linkCommitments(GENESIS_LINK);

beforeAll(async () => {
  artifacts = { wasm: (await loadCircuit()).wasm, zkey: devZkey() };
  vk = devVkey();
  first = commitMetrics(epoch0, GENESIS_LINK, new Uint8Array(32).fill(1));
  proof0 = await proveCommitment(
    { openings: first.openings, previous: GENESIS_LINK, bounds, context: ctx0 },
    artifacts,
  );
  bytes0 = encodePrivateProof(proof0);
});
afterAll(releaseCurve);

const expect0 = { context: ctx0, previous: genesisPrev, bounds };

describe('prove and verify a private commitment (real circuit)', () => {
  it('a valid proof verifies from its canonical bytes', async () => {
    expect(decodePrivateProof(bytes0)).toEqual(proof0);
    expect(await verifyBoth(bytes0, expect0, vk)).toEqual({ ok: true });
  });

  it('the next commitment chains from the previous one (cumulative, largest run)', async () => {
    const next = commitMetrics(
      { ...epoch0, largestRunFlop: 2n * epoch0.largestRunFlop },
      chainLinkOf(first.openings),
      new Uint8Array(32).fill(2),
    );
    const p = await proveCommitment(
      { openings: next.openings, previous: chainLinkOf(first.openings), bounds, context: ctx1 },
      artifacts,
    );
    const previous = {
      cumulative: first.commitments.cumulative,
      largestRun: first.commitments.metrics[1] as bigint,
    };
    expect(await verifyBoth(encodePrivateProof(p), { context: ctx1, previous, bounds }, vk)).toEqual({
      ok: true,
    });
    // Against another previous commitment (e.g. the genesis link: a lab restarting its running total).
    expect(await verifyBoth(p, { context: ctx1, previous: genesisPrev, bounds }, vk)).toMatchObject({
      ok: false,
      code: 'BAD_PROOF',
    });
  });

  it("rejects the proof in another lab's or epoch's commitment (WRONG_CONTEXT), also with the context rewritten (BAD_PROOF)", async () => {
    for (const other of [
      { ...ctx0, lab: 'lab-b' },
      { ...ctx0, epoch: 1 },
      { ...ctx0, seq: 1 },
      { ...ctx0, networkId: new Uint8Array(32) },
    ]) {
      expect(await verifyBoth(bytes0, { ...expect0, context: other }, vk)).toMatchObject({
        ok: false,
        code: 'WRONG_CONTEXT',
      });
      const { contextBytes } = await import('../src/index.js');
      const replayed = { ...proof0, context: contextBytes(other) };
      expect(await verifyBoth(replayed, { ...expect0, context: other }, vk)).toMatchObject({
        ok: false,
        code: 'BAD_PROOF',
      });
    }
  });

  it('rejects it for other public inputs: other caps, other level limits, another commitment', async () => {
    const otherCaps = { caps: { ...caps, maxParams: caps.maxParams - 1n }, limits: UNLIMITED };
    expect(await verifyBoth(bytes0, { ...expect0, bounds: otherCaps }, vk)).toMatchObject({
      code: 'BAD_PROOF',
    });
    const limited = { caps, limits: boundsOf({ trainingFlop: 10n ** 25n }) };
    expect(await verifyBoth(bytes0, { ...expect0, bounds: limited }, vk)).toMatchObject({
      code: 'BAD_PROOF',
    });
    const swapped = {
      ...proof0,
      commitments: { ...proof0.commitments, metrics: [...proof0.commitments.metrics].reverse() },
    };
    expect(await verifyBoth(swapped, expect0, vk)).toMatchObject({ code: 'BAD_PROOF' });
  });

  it('rejects a wrong proof, a malformed or oversized one, and a key for another circuit', async () => {
    const p = new Uint8Array(proof0.proof);
    // -A: still a valid curve point, but the pairing equation fails.
    const { bn254 } = await import('@noble/curves/bn254.js');
    const { bytesToBigint, fieldToBytes } = await import('../src/field.js');
    const y = bytesToBigint(p.subarray(32, 64));
    p.set(fieldToBytes(bn254.fields.Fp.neg(y)), 32);
    expect(await verifyBoth({ ...proof0, proof: p }, expect0, vk)).toMatchObject({
      code: 'BAD_PROOF',
    });
    // Wire order is length-first: `proof` is the first key, its 256 bytes start at offset 10.
    const flipped = new Uint8Array(bytes0);
    flipped[10 + 63] = (flipped[10 + 63] as number) ^ 1;
    expect(await verifyBoth(flipped, expect0, vk)).toMatchObject({ code: 'BAD_POINT' });
    expect(await verifyBoth(new Uint8Array(4096), expect0, vk)).toMatchObject({ code: 'OVERSIZED' });
    expect(await verifyBoth(bytes0.subarray(1), expect0, vk)).toMatchObject({ code: 'MALFORMED' });
    const shortKey = { ...vk, nPublic: 20, IC: vk.IC.slice(0, 21) };
    expect(await verifyBoth(bytes0, expect0, shortKey)).toMatchObject({
      code: 'BAD_VERIFICATION_KEY',
    });
  });
});

describe('what cannot be proven', () => {
  const overRun = { ...epoch0, largestRunFlop: 3n * 10n ** 26n };
  const c = commitMetrics(overRun, GENESIS_LINK, new Uint8Array(32).fill(3));

  it('a value over its cap or the level limit: OVER_CAP naming the slot (the lab discloses it)', async () => {
    await expect(
      proveCommitment({ openings: c.openings, previous: GENESIS_LINK, bounds, context: ctx0 }, artifacts),
    ).rejects.toMatchObject({ code: 'OVER_CAP', path: 'largestRunFlop' });
    const paused = { caps, limits: boundsOf({ trainingFlop: 0n }) };
    await expect(
      proveCommitment(
        { openings: first.openings, previous: GENESIS_LINK, bounds: paused, context: ctx0 },
        artifacts,
      ),
    ).rejects.toMatchObject({ code: 'OVER_CAP', path: 'trainingFlop' });
    const cumCap = { caps: { ...caps, cumulativeTrainingFlop: epoch0.trainingFlop - 1n }, limits: UNLIMITED };
    await expect(
      proveCommitment(
        { openings: first.openings, previous: GENESIS_LINK, bounds: cumCap, context: ctx0 },
        artifacts,
      ),
    ).rejects.toMatchObject({ code: 'OVER_CAP', path: 'cumulativeTrainingFlop' });
  });

  it('a largest run below the previous one: CHAIN', async () => {
    const prev: ChainLink = chainLinkOf(first.openings);
    const shrunk = commitMetrics({ ...epoch0, largestRunFlop: 1n }, prev, new Uint8Array(32).fill(4));
    await expect(
      proveCommitment({ openings: shrunk.openings, previous: prev, bounds, context: ctx1 }, artifacts),
    ).rejects.toMatchObject({ code: 'CHAIN', path: 'largestRunFlop' });
  });

  it('with the over-cap metric disclosed, the rest is proven; the proof only verifies with that disclosure', async () => {
    const p = await proveCommitment(
      { openings: c.openings, previous: GENESIS_LINK, bounds, context: ctx0, disclosed: ['largestRunFlop'] },
      artifacts,
    );
    expect(await verifyBoth(p, { ...expect0, disclosed: ['largestRunFlop'] }, vk)).toEqual({
      ok: true,
    });
    expect(await verifyBoth(p, expect0, vk)).toMatchObject({ code: 'BAD_PROOF' });
  });
});
