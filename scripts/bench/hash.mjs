// Hashing on ingest's hot path: every message a node ingests is hashed once (hashOfCanonical) for its id.
// Compares, per message kind at its real encoded size, SHA-256 as protocol had it before it became
// portable (node:crypto createHash), protocol's Node entry now (OpenSSL installed over the portable
// default) and the portable default itself (@noble/hashes, what a browser runs); and the hex codec
// against Buffer. Run alone: node scripts/bench/hash.mjs   (build first: npx tsc -b)
import '@pausenet/node/polyfill';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { blsSign, ed25519Generate } from '@pausenet/crypto';
import {
  encodeCertificate,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedVote,
  hashOfCanonical,
  signCommitment,
  signEvidence,
  signVote,
  statementBytes,
  toHex,
} from '@pausenet/protocol';

const round3 = (x) => Math.round(x * 1000) / 1000;

/**
 * µs per call of each of `fns`: many short batches, the variants interleaved batch by batch (so they
 * see the same machine load), the best batch mean per variant. Short batches and the minimum filter out
 * preemption by other processes on a shared machine.
 */
function timeEach(iterations, fns) {
  const rounds = 200;
  const perBatch = Math.max(1, Math.ceil(iterations / rounds));
  const best = fns.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    fns.forEach((fn, k) => {
      const start = performance.now();
      for (let i = 0; i < perBatch; i++) fn();
      best[k] = Math.min(best[k], (performance.now() - start) / perBatch);
    });
  }
  return best.map((ms) => round3(ms * 1000));
}

/** SHA-256 exactly as protocol computed it before (node:crypto, copied out of the Buffer). */
const before = (b) => new Uint8Array(createHash('sha256').update(b).digest());

/** One encoded message of each kind, as a 4-lab network gossips them. */
function messages() {
  const lab = ed25519Generate();
  const networkId = new Uint8Array(32).fill(7);
  const sc = signCommitment(
    {
      networkId,
      lab: 'lab-a',
      epoch: 1000,
      seq: 1000,
      prev: new Uint8Array(32).fill(1),
      issuedAt: 1_767_225_600_000,
      metrics: {
        trainingFlop: 10n ** 24n,
        largestRunFlop: 10n ** 23n,
        maxParams: 7n * 10n ** 10n,
        datasetTokens: 15n * 10n ** 12n,
        acceleratorHours: 1000n,
        utilizationBps: 5000,
      },
      runsRoot: new Uint8Array(32),
      attestations: [],
    },
    lab.secretKey,
  );
  const evidence = signEvidence(
    {
      networkId,
      evidence: { kind: 'cap-exceeded', commitment: sc, cap: 'trainingFlop' },
      reporter: 'lab-b',
      issuedAt: 1_767_225_600_001,
    },
    lab.secretKey,
  );
  const breach = new Uint8Array(32).fill(3);
  const st = { networkId, height: 1, target: 'PAUSED', resolves: [] };
  const share = new Uint8Array(32).fill(5);
  const partial = blsSign(share, statementBytes(st));
  const vote = signVote(
    { ...st, voter: 'lab-a', partial, evidence: [breach], breaches: [breach], issuedAt: 1_767_225_600_002 },
    lab.secretKey,
  );
  const certificate = { ...st, signature: partial, signers: ['lab-a', 'lab-b', 'lab-c'] };
  return {
    commitment: encodeSignedCommitment(sc),
    evidence: encodeSignedEvidence(evidence),
    vote: encodeSignedVote(vote),
    certificate: encodeCertificate(certificate),
  };
}

export async function run(opts = {}) {
  const iterations = opts.quick ? 20_000 : 200_000;
  const perKind = {};
  const msgs = Object.entries(messages());
  // Warm every variant on every size first, so JIT tiering does not land in one kind's figures.
  for (let i = 0; i < iterations / 4; i++)
    for (const [, bytes] of msgs) {
      before(bytes);
      hashOfCanonical(bytes);
      nobleSha256(bytes);
    }
  for (const [kind, bytes] of msgs) {
    const [b, now, portable] = timeEach(iterations, [
      () => before(bytes),
      () => hashOfCanonical(bytes),
      () => nobleSha256(bytes),
    ]);
    perKind[kind] = {
      bytes: bytes.length,
      beforeUs: b,
      nodeEntryUs: now,
      portableUs: portable,
      nodeEntryVsBefore: round3(now / b),
      portableVsBefore: round3(portable / b),
    };
  }
  const id = new Uint8Array(32).fill(9);
  const [bufferUs, toHexUs] = timeEach(iterations, [
    () => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex'),
    () => toHex(id),
  ]);
  return { iterations, loadavg: loadavg().map(round3), sha256: perKind, hex32: { bufferUs, toHexUs } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await run({ quick: process.argv.includes('--quick') })));
}
