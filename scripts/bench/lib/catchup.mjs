// Catch-up: a fresh observer syncs N real, validly signed commitments from one peer over req/resp; every
// item goes through the syncing node's full ingest path (decode, Ed25519 verify, chain rules, SQLite).
// The serving peer's store is pre-filled through the node's Store API (one transaction) to skip live signing.
import '../../../packages/node/dist/polyfill.js';
import os from 'node:os';
import { Store } from '../../../packages/node/dist/index.js';
import { ChildHandle } from './lab.mjs';
import { makeBenchNetwork, progress, sleep } from './net.mjs';
import { commitmentChain } from './throughput.mjs';

/** Pre-fill member 0's store with `perLab` commitments of every lab. */
function prefill(net, perLab) {
  const store = Store.open(net.members[0].dataDir);
  try {
    store.meta.set('networkId', Buffer.from(net.networkId).toString('hex'));
    for (const lab of net.labs) {
      const chain = commitmentChain(net, lab, perLab, { historic: true });
      store.transaction(() => {
        chain.forEach((c, seq) => {
          store.commitments.insert({ lab: lab.id, seq, ...c, receivedAt: Date.now() });
        });
      });
    }
    return store.commitments.count();
  } finally {
    store.close();
  }
}

/** Sync `total` commitments into a fresh observer whose data dir lives under `root`; bounded by `budgetMs`. */
async function catchUp(total, root, budgetMs) {
  const labs = 4;
  const perLab = Math.ceil(total / labs);
  const net = await makeBenchNetwork({ labs, observers: 1, historyEpochs: perLab + 600, root });
  let src;
  let dst;
  try {
    const s0 = performance.now();
    const stored = prefill(net, perLab);
    const prefillMs = performance.now() - s0;
    progress(`catchup: ${stored} signed commitments pre-filled under ${root} in ${Math.round(prefillMs)} ms`);
    src = await ChildHandle.spawn('lab', { config: net.memberConfig(0), env: net.env });
    const { addrs } = await src.call('info');
    const t0 = performance.now();
    dst = await ChildHandle.spawn('lab', {
      config: net.observerConfig(0, { bootstrap: addrs }),
      env: net.env,
    });
    let have = 0;
    while (performance.now() - t0 < budgetMs) {
      have = (await dst.call('state')).commitments;
      if (have >= stored) break;
      await sleep(25);
    }
    const ms = performance.now() - t0;
    progress(`catchup: ${have}/${stored} synced under ${root} in ${Math.round(ms)} ms`);
    return {
      commitments: stored,
      synced: have,
      ms: have >= stored ? Math.round(ms) : null,
      perSec: Math.round(have / (ms / 1000)),
      budgetMs,
      prefillMs: Math.round(prefillMs),
    };
  } finally {
    await dst?.stop();
    await src?.stop();
    net.cleanup();
  }
}

/**
 * Benchmark entry: 100k catch-up into a data dir on the real disk (the default temp dir). Sync writes are
 * relaxed commits (docs/protocol.md "Durability"), so the disk no longer dominates (it did with one fsync
 * per item, when this ran on tmpfs). `--quick` syncs 20k (catchup100kMs is then null).
 */
export async function run(opts = {}) {
  const quick = opts.quick ?? process.argv.includes('--quick');
  const total = opts.catchupCommitments ?? (quick ? 20_000 : 100_000);
  const disk = await catchUp(total, os.tmpdir(), quick ? 60_000 : 180_000);
  return {
    catchup100kMs: total === 100_000 ? disk.ms : null,
    catchup: { dir: os.tmpdir(), ...disk },
    note: 'ms is null when the sync did not finish within budgetMs; perSec is then the measured rate so far',
  };
}
