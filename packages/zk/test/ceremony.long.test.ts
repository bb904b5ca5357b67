import { afterAll, describe, expect, it } from 'vitest';
import { boundsOf, commitMetrics, GENESIS_LINK, linkCommitments, UNLIMITED } from '../src/index.js';
import { loadCircuit, proveCommitment, releaseCurve } from '../src/prover.js';
import { verifyBoth } from './helpers/both-verifiers.js';
import { runSetup } from './helpers/ceremony.js';

afterAll(releaseCurve);

// The full ceremony on the real commitment circuit (powers of tau 2^13), 4 members in one process.
// Preparing phase 2 and the initial proving key are deterministic, so the driver computes them once
// for all four (a real node computes them itself: see docs/zk.md for per-member figures).
describe('setup ceremony on the real circuit (4 members)', () => {
  it('produces a key every lab proves with and every verifier accepts', async () => {
    const { r1cs, wasm } = await loadCircuit();
    const timings = { contribute: [] as number[], verify: [] as number[] };
    const started = performance.now();
    const { participants } = await runSetup({ members: 4, minContributors: 3, r1cs, power: 13, timings });
    const wallMs = Math.round(performance.now() - started);
    console.log(
      JSON.stringify({
        wallMs,
        contributeMs: timings.contribute.map(Math.round),
        verifyMs: timings.verify.map(Math.round),
      }),
    );
    expect(participants.every((p) => p.done)).toBe(true);
    const out = participants[0]!.done!;
    expect(out.contributors).toEqual({ phase1: [1, 2, 3, 4], phase2: [1, 2, 3, 4] });
    for (const p of participants) expect(p.done!.transcriptHash).toEqual(out.transcriptHash);

    const bounds = { caps: boundsOf({ trainingFlop: 10n ** 26n }), limits: UNLIMITED };
    const c = commitMetrics(
      {
        trainingFlop: 10n ** 24n,
        largestRunFlop: 10n ** 24n,
        maxParams: 1n,
        datasetTokens: 1n,
        acceleratorHours: 1n,
      },
      GENESIS_LINK,
      new Uint8Array(32).fill(5),
    );
    const context = { networkId: new Uint8Array(32), lab: 'lab-c', epoch: 0, seq: 0 };
    const proof = await proveCommitment(
      { openings: c.openings, previous: GENESIS_LINK, bounds, context },
      { wasm, zkey: out.provingKey },
    );
    const expectation = { context, previous: linkCommitments(GENESIS_LINK), bounds };
    expect(await verifyBoth(proof, expectation, out.verificationKey)).toEqual({ ok: true });
    expect(
      await verifyBoth(proof, { ...expectation, context: { ...context, lab: 'lab-d' } }, out.verificationKey),
    ).toMatchObject({
      ok: false,
      code: 'WRONG_CONTEXT',
    });
  }, 3_600_000);
});
