// Builds the INSECURE development setup for tests and docs/vectors: a "ceremony" whose only
// contributions are public random beacons, so anyone can recompute its toxic waste and forge proofs
// under it. Deterministic (same bytes on every run: packages/zk/test/dev-setup.long.test.ts checks
// it). Never use it for a network; genesis carries the verification key of a real ceremony (docs/zk.md).
// Usage: node packages/zk/scripts/dev-setup.mjs [outDir]   (default packages/zk/test/fixtures)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as snarkjs from 'snarkjs';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const outDir = process.argv[2] ?? join(pkg, 'test', 'fixtures');
const mem = () => ({ type: 'mem' });
const beacon = (label) =>
  createHash('sha256').update(`pausenet/zk/v1/dev-insecure-beacon/${label}`).digest('hex');

const times = {};
const step = async (name, fn) => {
  const s = performance.now();
  const r = await fn();
  times[name] = Math.round(performance.now() - s);
  return r;
};

const curve = await snarkjs.curves.getCurveFromName('bn128');
const p0 = mem();
await step('ptauNew', () => snarkjs.powersOfTau.newAccumulator(curve, 13, p0));
const p1 = mem();
await step('ptauBeacon', () => snarkjs.powersOfTau.beacon(p0, p1, 'dev-insecure', beacon('phase1'), 10));
const p2 = mem();
await step('preparePhase2', () => snarkjs.powersOfTau.preparePhase2(p1, p2));
const r1cs = { type: 'mem', data: readFileSync(join(pkg, 'circuits', 'build', 'commitment.r1cs')) };
const z0 = mem();
await step('newZKey', () => snarkjs.zKey.newZKey(r1cs, p2, z0));
const z1 = mem();
await step('zkeyBeacon', () => snarkjs.zKey.beacon(z0, z1, 'dev-insecure', beacon('phase2'), 10));
const vk = await snarkjs.zKey.exportVerificationKey(z1);
writeFileSync(join(outDir, 'dev-insecure.zkey'), z1.data);
writeFileSync(join(outDir, 'dev-insecure.vkey.json'), `${JSON.stringify(vk, null, 2)}\n`);
const sha = (b) => createHash('sha256').update(b).digest('hex');
console.log(JSON.stringify({ times, zkeyBytes: z1.data.length, zkeySha256: sha(z1.data) }));
await curve.terminate();
