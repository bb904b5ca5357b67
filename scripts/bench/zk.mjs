// Private-mode benchmarks (packages/zk): Groth16 prove and verify time per commitment on the real
// circuit, proof and key sizes, sealing openings, the setup ceremony's cost per member at the
// circuit's size (powers of tau 2^13), and the browser bundle. Imports the built package (npx tsc -b
// first) and the INSECURE dev setup from packages/zk/test/fixtures (setup security is irrelevant to
// timing). Run alone: node scripts/bench/zk.mjs [--quick]
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as snarkjs from 'snarkjs';
import { ed25519Generate } from '../../packages/crypto/dist/index.js';
import {
  boundsOf,
  chainLinkOf,
  commitMetrics,
  contextField,
  encodePrivateProof,
  encodeVerificationKey,
  GENESIS_LINK,
  linkCommitments,
  openSealed,
  proofFromBytes,
  publicBounds,
  publicSignals,
  sealOpenings,
  UNLIMITED,
  verifyPrivateProof,
} from '../../packages/zk/dist/index.js';
import { loadCircuit, proveCommitment, releaseCurve } from '../../packages/zk/dist/prover.js';
import { browserCheck } from '../../packages/zk/scripts/browser-check.mjs';

const fixtures = new URL('../../packages/zk/test/fixtures/', import.meta.url);
const round = (x) => Math.round(x * 10) / 10;
const median = (xs) => round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
const mem = (data) => (data ? { type: 'mem', data } : { type: 'mem' });

async function timeIt(fn) {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

async function proving(proofs, verifies) {
  const { wasm, r1cs } = await loadCircuit();
  const zkey = new Uint8Array(readFileSync(new URL('dev-insecure.zkey', fixtures)));
  const vk = JSON.parse(readFileSync(new URL('dev-insecure.vkey.json', fixtures), 'utf8'));
  const bounds = {
    caps: boundsOf({ trainingFlop: 10n ** 26n, largestRunFlop: 10n ** 26n }),
    limits: UNLIMITED,
  };
  const metrics = {
    trainingFlop: 5n * 10n ** 23n,
    largestRunFlop: 9n * 10n ** 24n,
    maxParams: 7n * 10n ** 10n,
    datasetTokens: 15n * 10n ** 12n,
    acceleratorHours: 384n,
  };
  const networkId = new Uint8Array(32).fill(1);
  const proveMs = [];
  let link = GENESIS_LINK;
  let last;
  for (let seq = 0; seq < proofs; seq++) {
    const c = commitMetrics(metrics, link, new Uint8Array(randomBytes(32)));
    const context = { networkId, lab: 'lab-a', epoch: seq, seq };
    const [ms, p] = await timeIt(() =>
      proveCommitment({ openings: c.openings, previous: link, bounds, context }, { wasm, zkey }),
    );
    proveMs.push(ms);
    last = { p, context, previous: linkCommitments(link) };
    link = chainLinkOf(c.openings);
  }
  const bytes = encodePrivateProof(last.p);
  // The package's verifier (noble, no snarkjs) and snarkjs' on the same proof, interleaved so that
  // both see the same machine load. The first call of ours also validates and prepares the key
  // (cached by content afterwards, as a node verifies every proof against one genesis key).
  const expectation = { context: last.context, previous: last.previous, bounds };
  const signals = publicSignals({
    context: contextField(last.context),
    commitments: last.p.commitments,
    prevCumulative: last.previous.cumulative,
    prevLargestRun: last.previous.largestRun,
    bounds: publicBounds(bounds),
  }).map(String);
  const proofJson = proofFromBytes(last.p.proof);
  const [firstVerifyMs, first] = await timeIt(() => verifyPrivateProof(bytes, expectation, vk));
  if (!first.ok) throw new Error(`bench proof did not verify: ${first.code}`);
  const verifyMs = [];
  const snarkjsVerifyMs = [];
  for (let i = 0; i < verifies; i++) {
    const [ms, v] = await timeIt(() => verifyPrivateProof(bytes, expectation, vk));
    if (!v.ok) throw new Error(`bench proof did not verify: ${v.code}`);
    verifyMs.push(ms);
    const [sms, ok] = await timeIt(() => snarkjs.groth16.verify(vk, signals, proofJson));
    if (!ok) throw new Error('snarkjs rejects the bench proof');
    snarkjsVerifyMs.push(sms);
  }
  const auditors = Array.from({ length: 4 }, (_, i) => ({ id: `auditor-${i}`, ...ed25519Generate() }));
  const c = commitMetrics(metrics, GENESIS_LINK, new Uint8Array(32).fill(1));
  const [sealMs, sealed] = await timeIt(() =>
    sealOpenings({
      openings: c.openings,
      context: last.context,
      auditors,
      randomness: new Uint8Array(randomBytes(64)),
    }),
  );
  const [openMs] = await timeIt(() =>
    openSealed(sealed, last.context, { index: 0, id: auditors[0].id, secretKey: auditors[0].secretKey }),
  );
  return {
    constraints: 7213,
    proveMs: { median: median(proveMs), min: round(Math.min(...proveMs)), runs: proofs },
    verifyMs: {
      median: median(verifyMs),
      min: round(Math.min(...verifyMs)),
      runs: verifies,
      firstWithKeyMs: round(firstVerifyMs),
    },
    snarkjsVerifyMs: {
      median: median(snarkjsVerifyMs),
      min: round(Math.min(...snarkjsVerifyMs)),
      runs: verifies,
    },
    verifyOverSnarkjs: round(median(verifyMs) / median(snarkjsVerifyMs)),
    proofBytes: bytes.length,
    proofJsonBytes: JSON.stringify(proofFromBytes(last.p.proof)).length,
    verificationKeyBytes: encodeVerificationKey(vk).length,
    provingKeyBytes: zkey.length,
    circuitBytes: { r1cs: r1cs.length, wasm: wasm.length },
    sealed4AuditorsBytes: sealed.length,
    sealMs: round(sealMs),
    openMs: round(openMs),
  };
}

/** One of each ceremony step at the real circuit's size; a member's total follows (see docs/zk.md). */
async function ceremonySteps(members) {
  const { r1cs } = await loadCircuit();
  const curve = await snarkjs.curves.getCurveFromName('bn128');
  const t = {};
  const p0 = mem();
  [t.phase1InitMs] = await timeIt(() => snarkjs.powersOfTau.newAccumulator(curve, 13, p0));
  const p1 = mem();
  [t.phase1ContributeMs] = await timeIt(() =>
    snarkjs.powersOfTau.contribute(mem(p0.data), p1, 'bench', 'bench entropy'),
  );
  [t.phase1VerifyMs] = await timeIt(() => snarkjs.powersOfTau.verify(mem(p1.data)));
  const prepared = mem();
  [t.preparePhase2Ms] = await timeIt(() => snarkjs.powersOfTau.preparePhase2(mem(p1.data), prepared));
  [t.verifyPreparedMs] = await timeIt(() => snarkjs.powersOfTau.verify(mem(prepared.data)));
  const z0 = mem();
  [t.newZKeyMs] = await timeIt(() => snarkjs.zKey.newZKey(mem(r1cs), mem(prepared.data), z0));
  const z1 = mem();
  [t.phase2ContributeMs] = await timeIt(() =>
    snarkjs.zKey.contribute(mem(z0.data), z1, 'bench', 'bench entropy'),
  );
  [t.phase2VerifyMs] = await timeIt(() =>
    snarkjs.zKey.verifyFromInit(mem(z0.data), mem(prepared.data), mem(z1.data)),
  );
  for (const k of Object.keys(t)) t[k] = Math.round(t[k]);
  // Every member: its phase-1 contribution, checking the n-1 others, the initial key, its phase-2
  // contribution and checking the n-1 others; plus preparing phase 2 (one member) or checking the
  // prepared file (everyone else).
  const common =
    t.phase1InitMs +
    t.phase1ContributeMs +
    (members - 1) * t.phase1VerifyMs +
    t.newZKeyMs +
    t.phase2ContributeMs +
    (members - 1) * t.phase2VerifyMs;
  return {
    power: 13,
    members,
    ...t,
    perMemberMs: { preparer: common + t.preparePhase2Ms, others: common + t.verifyPreparedMs },
    messageBytes: { phase1: p1.data.length, prepared: prepared.data.length, phase2: z1.data.length },
  };
}

export async function run(opts = {}) {
  const quick = !!opts.quick;
  // Timing figures from a loaded machine are noisy: the load averages go with them.
  const result = { loadavg: loadavg().map(round), proving: await proving(quick ? 2 : 5, quick ? 5 : 20) };
  // The ceremony steps take minutes (preparing phase 2 at 2^13 dominates); --quick skips them.
  result.ceremony = quick ? { skipped: '--quick' } : await ceremonySteps(4);
  await releaseCurve();
  try {
    const b = await browserCheck();
    result.browser = {
      bundleJsBytes: b.bundle.entryJsBytes,
      bundleGzipBytes: b.bundle.entryGzipBytes,
      withSnarkjsChunksJsBytes: b.bundle.jsBytes,
      verifiesInChromium:
        b.page.cases.every((c) => c.ok === c.valid && c.snarkjs === c.valid) &&
        b.page.ourVerifier?.ok === true,
      prepareKeyMsInChromium: round(b.page.prepareKeyMs),
      verifyMsInChromium: median(b.page.verifyMs),
      snarkjsVerifyMsInChromium: median(b.page.snarkjsVerifyMs),
    };
  } catch (e) {
    result.browser = { error: String(e?.message ?? e) };
  }
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(r));
  await releaseCurve();
}
