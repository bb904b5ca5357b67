// Commitment throughput of one lab node end to end (gossip in -> decode -> validate -> SQLite commit, the
// node's one ingest path) vs raw gossipsub throughput of the same bytes between bare hosts with the node's
// stack and tuning; and the rate at which the node's ingest path rejects invalid messages.
import '../../../packages/node/dist/polyfill.js';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { createHost, topicName } from '../../../packages/node/dist/index.js';
import {
  encodeSignedCommitment,
  epochAt,
  hashSignedCommitment,
  ZERO_HASH,
} from '../../../packages/protocol/dist/index.js';
import { LabController } from './lab.mjs';
import { fastSigner, makeBenchNetwork, progress, signedCommitment, sleep, waitFor } from './net.mjs';

const hex = (b) => Buffer.from(b).toString('hex');
const yieldNow = () => new Promise((r) => setImmediate(r));

/**
 * `count` chained, validly signed commitments of `lab` ({bytes, epoch, hash}) for the most recent `count`
 * epochs, or (historic) from epoch 1 on.
 */
export function commitmentChain(net, lab, count, { historic = false } = {}) {
  const top = epochAt(net.genesis.policy, Date.now()) - 1;
  const first = historic ? 1 : top - count + 1;
  if (first < 0) throw new Error(`genesis history too short for ${count} commitments`);
  const out = [];
  let prev = ZERO_HASH;
  const sign = fastSigner(lab.secretKey);
  for (let seq = 0; seq < count; seq++) {
    const sc = signedCommitment(net, lab, { seq, prev, epoch: first + seq, sign });
    prev = hashSignedCommitment(sc);
    out.push({ bytes: encodeSignedCommitment(sc), epoch: sc.commitment.epoch, hash: prev });
  }
  return out;
}

/**
 * Publish `msgs` in order from `pub` keeping at most `window` not yet received, for at most `budgetMs`;
 * resolves with messages/s from the first publish to the last receipt (or to the budget's end).
 */
async function pump(pub, topic, msgs, received, window = 64, budgetMs = 90_000) {
  const start = performance.now();
  let sent = 0;
  while (received() < msgs.length && performance.now() - start < budgetMs) {
    if (sent < msgs.length && sent - received() < window)
      await pub.services.pubsub.publish(topic, msgs[sent++]);
    else await yieldNow();
  }
  const got = Math.min(received(), msgs.length);
  return { rate: got / ((performance.now() - start) / 1000), received: got, complete: got === msgs.length };
}

async function publisherFor(networkIdHex, addrs) {
  const host = await createHost({ privateKey: await generateKeyPair('Ed25519'), networkIdHex });
  await host.start();
  for (const k of ['commitments', 'evidence', 'votes', 'certificates'])
    host.services.pubsub.subscribe(topicName(networkIdHex, k));
  await host.dial(multiaddr(addrs[0]));
  return host;
}

/** Raw gossipsub: same bytes, bare receiver (no validator, no store). */
async function rawRate(networkIdHex, msgs) {
  const rx = await createHost({ privateKey: await generateKeyPair('Ed25519'), networkIdHex });
  await rx.start();
  const topic = topicName(networkIdHex, 'commitments');
  rx.services.pubsub.subscribe(topic);
  let got = 0;
  rx.services.pubsub.addEventListener('message', () => got++);
  const addr = `${rx.getMultiaddrs()[0]}`;
  const tx = await publisherFor(networkIdHex, [addr.includes('/p2p/') ? addr : `${addr}/p2p/${rx.peerId}`]);
  try {
    await waitFor(() => tx.services.pubsub.getSubscribers(topic).length >= 1, 'raw subscription', 10_000);
    return await pump(tx, topic, msgs, () => got);
  } finally {
    await tx.stop();
    await rx.stop();
  }
}

/** A lab node receiving the same commitments over gossip: counted when durably stored. */
async function nodeRate(net, msgs) {
  // The gossip admission limits (per-peer rate; the publisher is not a genesis member, so also its burst
  // and the non-members' shared signature budgets) are lifted: this measures capacity, not the policy.
  const lab = await LabController.start({
    config: net.memberConfig(1, {
      limits: {
        perPeerMsgsPerSec: 1e9,
        outsiderMsgsPerSec: 100_000,
        outsiderBurst: 10_000,
        outsiderBlsPerSec: 100_000,
        outsiderEd25519PerSec: 1_000_000,
      },
    }),
    env: net.env,
  });
  const networkIdHex = lab.node.networkIdHex;
  const topic = topicName(networkIdHex, 'commitments');
  const tx = await publisherFor(networkIdHex, lab.info().addrs);
  let stored = 0;
  const poll = setInterval(() => {
    stored = lab.node.store.commitments.count();
  }, 2);
  try {
    await waitFor(() => tx.services.pubsub.getSubscribers(topic).length >= 1, 'node subscription', 10_000);
    return { ...(await pump(tx, topic, msgs, () => stored)), node: lab };
  } finally {
    clearInterval(poll);
    await tx.stop();
  }
}

/** Rejections/s of the node's ingest path (size -> decode -> validate) for invalid inputs of each kind. */
function rejectRates(lab, valid, seconds) {
  const forged = () => {
    const b = new Uint8Array(valid);
    // The signature is the last 64 bytes of the encoding: any change there is a forged signature.
    for (let i = b.length - 64; i < b.length; i++) b[i] = Math.floor(Math.random() * 256);
    return b;
  };
  const kinds = {
    forgedSignature: Array.from({ length: 4096 }, forged),
    malformedCbor: Array.from({ length: 4096 }, () => crypto.getRandomValues(new Uint8Array(valid.length))),
    oversized: [new Uint8Array(300_000)],
  };
  const out = {};
  for (const [name, inputs] of Object.entries(kinds)) {
    let n = 0;
    let rejected = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      for (let i = 0; i < 256; i++) {
        const v = lab.node.ingest.ingestBytes('commitment', inputs[n++ % inputs.length], {
          source: 'gossip',
          peer: 'bench-flooder',
        }).validation;
        if (!v.ok && v.action === 'reject') rejected++;
      }
    }
    if (rejected !== n) throw new Error(`${name}: only ${rejected}/${n} rejected`);
    out[name] = Math.round(n / ((performance.now() - start) / 1000));
  }
  return out;
}

/** Benchmark entry: throughput + invalid rejection. */
export async function run(opts = {}) {
  const quick = opts.quick ?? process.argv.includes('--quick');
  const count = quick ? 1500 : 3000;
  const net = await makeBenchNetwork({ labs: 4 });
  try {
    const msgs = commitmentChain(net, net.labs[0], count).map((c) => c.bytes);
    const networkIdHex = hex(net.networkId);
    await rawRate(networkIdHex, msgs.slice(0, 300)); // warm-up
    const raw = await rawRate(networkIdHex, msgs);
    progress(`throughput: raw gossip ${Math.round(raw.rate)} msg/s`);
    const { node, ...rx } = await nodeRate(net, msgs);
    progress(`throughput: node ${Math.round(rx.rate)} commitments/s (${rx.received}/${count})`);
    let rejects;
    try {
      await sleep(200);
      rejects = rejectRates(node, msgs[0], quick ? 0.5 : 1.5);
    } finally {
      await node.stop();
    }
    return {
      commitThroughput: {
        perSec: Math.round(rx.rate),
        rawGossipPerSec: Math.round(raw.rate),
        ratio: Math.round((rx.rate / raw.rate) * 1000) / 1000,
        messages: count,
        // false: the 90 s budget ended first; perSec is then the rate measured over the budget
        nodeComplete: rx.complete,
        rawComplete: raw.complete,
        messageBytes: msgs[0].length,
      },
      invalidRejectPerSec: rejects.forgedSignature,
      invalidRejectByKind: rejects,
    };
  } finally {
    net.cleanup();
  }
}
