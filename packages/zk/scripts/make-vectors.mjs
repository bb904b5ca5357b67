// Writes docs/vectors/zk-v1.json: a valid private-commitment proof (and a chained one) under the
// INSECURE dev setup, plus tampered cases, each with the exact public signals a third party passes to
// `snarkjs groth16 verify`. Proofs are randomised (Groth16's r, s), so a rerun gives other proof
// bytes; every other field is deterministic. packages/zk/test/vectors.test.ts re-derives and checks it.
// Usage: npx tsc -b packages/zk && node packages/zk/scripts/make-vectors.mjs

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toHex } from '@pausenet/crypto';
import {
  boundsOf,
  chainLinkOf,
  commitMetrics,
  contextBytes,
  encodePrivateProof,
  GENESIS_LINK,
  linkCommitments,
  proofFromBytes,
  publicBounds,
  publicSignals,
  SLOT_NAMES,
  UNLIMITED,
} from '../dist/index.js';
import { loadCircuit, proveCommitment, releaseCurve } from '../dist/prover.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const big = (x) => BigInt(`0x${toHex(x)}`);
const vk = JSON.parse(readFileSync(`${pkg}test/fixtures/dev-insecure.vkey.json`, 'utf8'));
const zkey = new Uint8Array(readFileSync(`${pkg}test/fixtures/dev-insecure.zkey`));
const hashes = JSON.parse(readFileSync(`${pkg}circuits/build/hashes.json`, 'utf8'));
const { wasm } = await loadCircuit();

const networkId = new Uint8Array(32).fill(0x5a);
const caps = {
  trainingFlop: 10n ** 26n,
  largestRunFlop: 10n ** 26n,
  maxParams: 10n ** 13n,
  datasetTokens: 10n ** 14n,
  cumulativeTrainingFlop: 10n ** 27n,
};
const bounds = { caps: boundsOf(caps), limits: UNLIMITED };
const m0 = {
  trainingFlop: 590764354560000000000n,
  largestRunFlop: 590764354560000000000n,
  maxParams: 70000000000n,
  datasetTokens: 15000000000000n,
  acceleratorHours: 384n,
};
const m1 = { ...m0, largestRunFlop: 1181528709120000000000n };
const r0 = new Uint8Array(32).fill(0x11);
const r1 = new Uint8Array(32).fill(0x22);
const ctx0 = { networkId, lab: 'lab-a', epoch: 0, seq: 0 };
const ctx1 = { networkId, lab: 'lab-a', epoch: 1, seq: 1 };
const c0 = commitMetrics(m0, GENESIS_LINK, r0);
const link0 = chainLinkOf(c0.openings);
const c1 = commitMetrics(m1, link0, r1);
const p0 = await proveCommitment(
  { openings: c0.openings, previous: GENESIS_LINK, bounds, context: ctx0 },
  { wasm, zkey },
);
const p1 = await proveCommitment(
  { openings: c1.openings, previous: link0, bounds, context: ctx1 },
  { wasm, zkey },
);

const signals = (p, ctx, previous, b = bounds) =>
  publicSignals({
    context: big(contextBytes(ctx)),
    commitments: p.commitments,
    prevCumulative: previous.cumulative,
    prevLargestRun: previous.largestRun,
    bounds: publicBounds(b),
  }).map(String);
const genesisPrev = linkCommitments(GENESIS_LINK);
const prev1 = { cumulative: c0.commitments.cumulative, largestRun: c0.commitments.metrics[1] };
const negA = (proofBytes) => {
  const j = proofFromBytes(proofBytes);
  const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
  return { ...j, pi_a: [j.pi_a[0], String(q - BigInt(j.pi_a[1])), '1'] };
};
const s0 = signals(p0, ctx0, genesisPrev);
const json = (ctx) => ({ networkId: toHex(ctx.networkId), lab: ctx.lab, epoch: ctx.epoch, seq: ctx.seq });
const strs = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
const opening = (o) => ({ value: String(o.value), blinding: String(o.blinding) });

const cases = [
  {
    name: 'valid',
    valid: true,
    context: json(ctx0),
    publicSignals: s0,
    proof: proofFromBytes(p0.proof),
    encoded: toHex(encodePrivateProof(p0)),
  },
  {
    name: 'valid-chained',
    valid: true,
    context: json(ctx1),
    publicSignals: signals(p1, ctx1, prev1),
    proof: proofFromBytes(p1.proof),
    encoded: toHex(encodePrivateProof(p1)),
  },
  {
    name: 'wrong-proof (A negated)',
    valid: false,
    context: json(ctx0),
    publicSignals: s0,
    proof: negA(p0.proof),
  },
  {
    name: 'wrong-public-input (maxParams cap - 1)',
    valid: false,
    context: json(ctx0),
    publicSignals: signals(p0, ctx0, genesisPrev, {
      caps: boundsOf({ ...caps, maxParams: caps.maxParams - 1n }),
      limits: UNLIMITED,
    }),
    proof: proofFromBytes(p0.proof),
  },
  {
    name: 'other-lab (context of lab-b)',
    valid: false,
    context: json({ ...ctx0, lab: 'lab-b' }),
    publicSignals: signals(p0, { ...ctx0, lab: 'lab-b' }, genesisPrev),
    proof: proofFromBytes(p0.proof),
  },
  {
    name: 'other-epoch (context of epoch 1)',
    valid: false,
    context: json({ ...ctx0, epoch: 1 }),
    publicSignals: signals(p0, { ...ctx0, epoch: 1 }, genesisPrev),
    proof: proofFromBytes(p0.proof),
  },
  {
    name: 'wrong-previous (chained proof against the genesis link)',
    valid: false,
    context: json(ctx1),
    publicSignals: signals(p1, ctx1, genesisPrev),
    proof: proofFromBytes(p1.proof),
  },
];

const doc = {
  description:
    "pausenet private-commitment proofs (docs/zk.md). Check each case with snarkjs alone: write verificationKey to vk.json, a case's publicSignals to public.json and proof to proof.json, then `snarkjs groth16 verify vk.json public.json proof.json` prints OK exactly for valid cases. The setup is the INSECURE dev setup (public beacons: anyone can forge proofs under it); never use it for a network.",
  version: 1,
  circuit: { ...hashes, publicInputs: 21, rangeBits: 252 },
  setup: 'dev-insecure (packages/zk/scripts/dev-setup.mjs)',
  verificationKey: vk,
  publicSignalOrder: [
    'context',
    'commitments[trainingFlop,largestRunFlop,maxParams,datasetTokens,acceleratorHours]',
    'cumulative',
    'prevCumulative',
    'prevLargestRun',
    `caps[${SLOT_NAMES.join(',')}]`,
    `limits[${SLOT_NAMES.join(',')}]`,
  ],
  inputs: {
    caps: strs(caps),
    limits: 'none (every limit 2^252 - 1)',
    commitments: [
      {
        context: json(ctx0),
        metrics: strs(m0),
        randomness: toHex(r0),
        previous: 'genesis link (0, 0)',
        openings: { metrics: c0.openings.metrics.map(opening), cumulative: opening(c0.openings.cumulative) },
      },
      {
        context: json(ctx1),
        metrics: strs(m1),
        randomness: toHex(r1),
        previous: 'the first commitment',
        openings: { metrics: c1.openings.metrics.map(opening), cumulative: opening(c1.openings.cumulative) },
      },
    ],
  },
  cases,
};
writeFileSync(`${root}docs/vectors/zk-v1.json`, `${JSON.stringify(doc, null, 2)}\n`);
await releaseCurve();
console.log(`wrote docs/vectors/zk-v1.json (${cases.length} cases)`);
