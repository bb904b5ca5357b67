import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '@pausenet/crypto';
import * as snarkjs from 'snarkjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  boundsOf,
  chainLinkOf,
  commitMetrics,
  contextBytes,
  decodePrivateProof,
  GENESIS_LINK,
  linkCommitments,
  proofFromBytes,
  publicBounds,
  publicSignals,
  UNLIMITED,
  verifyPrivateProof,
  type ZkMetrics,
} from '../src/index.js';
import { releaseCurve } from '../src/prover.js';
import { devVkey } from './helpers/dev-setup.js';

// docs/vectors/zk-v1.json (packages/zk/scripts/make-vectors.mjs): every derived value is recomputed
// here from the documented inputs, and every case is checked with snarkjs alone, as a third party would.
const doc = JSON.parse(readFileSync(new URL('../../../docs/vectors/zk-v1.json', import.meta.url), 'utf8'));
const hashes = JSON.parse(readFileSync(new URL('../circuits/build/hashes.json', import.meta.url), 'utf8'));
afterAll(releaseCurve);

const ctxOf = (c: { networkId: string; lab: string; epoch: number; seq: number }) => ({
  ...c,
  networkId: fromHex(c.networkId),
});
const metricsOf = (m: Record<string, string>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, BigInt(v)])) as unknown as ZkMetrics;

describe('docs/vectors/zk-v1.json', () => {
  const caps = boundsOf(metricsOf(doc.inputs.caps) as never);
  const [in0, in1] = doc.inputs.commitments;
  const c0 = commitMetrics(metricsOf(in0.metrics), GENESIS_LINK, fromHex(in0.randomness));
  const c1 = commitMetrics(metricsOf(in1.metrics), chainLinkOf(c0.openings), fromHex(in1.randomness));
  const signals = (
    ctx: ReturnType<typeof ctxOf>,
    c: typeof c0,
    prev: { cumulative: bigint; largestRun: bigint },
    b = caps,
  ) =>
    publicSignals({
      context: BigInt(`0x${toHex(contextBytes(ctx))}`),
      commitments: c.commitments,
      prevCumulative: prev.cumulative,
      prevLargestRun: prev.largestRun,
      bounds: publicBounds({ caps: b, limits: UNLIMITED }),
    }).map(String);
  const genesis = linkCommitments(GENESIS_LINK);
  const prev1 = { cumulative: c0.commitments.cumulative, largestRun: c0.commitments.metrics[1] as bigint };

  it('names the committed circuit and the dev setup key', () => {
    expect(doc.circuit['commitment.r1cs']).toBe(hashes['commitment.r1cs']);
    expect(doc.circuit['commitment.wasm']).toBe(hashes['commitment.wasm']);
    expect(doc.verificationKey).toEqual(devVkey());
  });

  it('openings and public signals follow from the documented inputs', () => {
    const o = (x: { value: bigint; blinding: bigint }) => ({
      value: String(x.value),
      blinding: String(x.blinding),
    });
    expect(in0.openings).toEqual({
      metrics: c0.openings.metrics.map(o),
      cumulative: o(c0.openings.cumulative),
    });
    expect(in1.openings).toEqual({
      metrics: c1.openings.metrics.map(o),
      cumulative: o(c1.openings.cumulative),
    });
    const byName = Object.fromEntries(doc.cases.map((c: { name: string }) => [c.name, c]));
    const ctx0 = ctxOf(in0.context);
    const ctx1 = ctxOf(in1.context);
    expect(byName['valid'].publicSignals).toEqual(signals(ctx0, c0, genesis));
    expect(byName['valid-chained'].publicSignals).toEqual(signals(ctx1, c1, prev1));
    expect(byName['wrong-proof (A negated)'].publicSignals).toEqual(signals(ctx0, c0, genesis));
    expect(byName['wrong-public-input (maxParams cap - 1)'].publicSignals).toEqual(
      signals(ctx0, c0, genesis, { ...caps, maxParams: caps.maxParams - 1n }),
    );
    expect(byName['other-lab (context of lab-b)'].publicSignals).toEqual(
      signals({ ...ctx0, lab: 'lab-b' }, c0, genesis),
    );
    expect(byName['other-epoch (context of epoch 1)'].publicSignals).toEqual(
      signals({ ...ctx0, epoch: 1 }, c0, genesis),
    );
    expect(byName['wrong-previous (chained proof against the genesis link)'].publicSignals).toEqual(
      signals(ctx1, c1, genesis),
    );
  });

  it('snarkjs alone accepts exactly the valid cases', async () => {
    for (const c of doc.cases) {
      const ok = await snarkjs.groth16.verify(doc.verificationKey, c.publicSignals, c.proof);
      expect([c.name, ok]).toEqual([c.name, c.valid]);
    }
  });

  it("the encoded valid proofs decode to the same proof and pass this package's verifier", async () => {
    for (const [name, ctxIn, prev] of [
      ['valid', in0.context, genesis],
      ['valid-chained', in1.context, prev1],
    ] as const) {
      const c = doc.cases.find((x: { name: string }) => x.name === name);
      const p = decodePrivateProof(fromHex(c.encoded));
      expect(proofFromBytes(p.proof)).toEqual(c.proof);
      const verdict = await verifyPrivateProof(
        p,
        { context: ctxOf(ctxIn), previous: prev, bounds: { caps, limits: UNLIMITED } },
        devVkey(),
      );
      expect(verdict).toEqual({ ok: true });
    }
  });
});
