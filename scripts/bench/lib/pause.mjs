// Pause latency: breach evidence published -> the last lab's halt hook done, for 4, 8, 16 labs as real
// processes (one PausenetNode each, real SQLite on disk, a real `file` halt hook), p50/p95 over repeated
// pause/resume cycles; the floor measured in the same run (gossip propagation between bare libp2p processes
// with the node's stack + the crypto work on the critical path); idle RSS of a lab node with 16 peers.
import '../../../packages/node/dist/polyfill.js';
import os from 'node:os';
import { join } from 'node:path';
import { blsSign, blsVerify, recoverSignature, verifyPartial } from '../../../packages/crypto/dist/index.js';
import {
  encodeSignedCommitment,
  encodeSignedEvidence,
  statementBytes,
} from '../../../packages/protocol/dist/index.js';
import { ChildHandle, LocalHandle } from './lab.mjs';
import { waitMeshed } from './mesh.mjs';
import { messagesPerTransition } from './messages.mjs';
import {
  breachEvidence,
  durableWriteMs,
  makeBenchNetwork,
  percentile,
  progress,
  round1,
  round3,
  signedCommitment,
  sleep,
  waitFor,
} from './net.mjs';

const hex = (b) => Buffer.from(b).toString('hex');
const median = (xs) => percentile(xs, 50);

/** Start n labs (+ observers) with full-mesh dialling; resolves when every gossip topic has all peers. */
export async function startLabNet(n, { observers = 0, mode = 'processes' }) {
  const net = await makeBenchNetwork({ labs: n, observers, fixedPorts: true });
  const Handle = mode === 'processes' ? ChildHandle : LocalHandle;
  const hooks = (i) => [{ type: 'file', name: 'halt-sentinel', path: join(net.dir, `halt-${i}.json`) }];
  const labs = await Promise.all(
    net.labs.map((_, i) =>
      Handle.spawn('lab', {
        config: net.memberConfig(i, { hooks: hooks(i) }),
        env: net.env,
      }),
    ),
  );
  const obs = await Promise.all(
    net.observers.map((_, j) =>
      Handle.spawn('lab', {
        config: net.observerConfig(j, { bootstrap: net.memberAddrs }),
        env: net.env,
      }),
    ),
  );
  const all = [...labs, ...obs];
  const stop = async () => {
    await Promise.all(all.map((h) => h.stop()));
    net.cleanup();
  };
  let gossipOrphansRepaired;
  try {
    // observers are counted among each lab's peers and subscribers
    gossipOrphansRepaired = await waitMeshed(labs, n + observers, 180_000, 'loopback labs');
  } catch (e) {
    await stop(); // never leave lab processes behind
    throw e;
  }
  return { net, labs, all, stop, gossipOrphansRepaired };
}

/**
 * One pause (evidence from lab `origin` -> all halt hooks) then resume (t approvals -> all resume hooks);
 * `run` makes the breach unique. Returns the pause ms and when the last lab reached each stage.
 */
export async function pauseCycle(ln, run, height, origin = run % ln.labs.length) {
  const { net, labs } = ln;
  const reporter = origin;
  const se = breachEvidence(net, net.labs[reporter], run);
  const t0 = await labs[reporter].call('publishEvidence', hex(encodeSignedEvidence(se)));
  const halted = await Promise.all(labs.map((h) => h.call('waitHook', height, 'halt')));
  const pauseMs = Math.max(...halted) - t0;
  const traces = await Promise.all(labs.map((h) => h.call('trace', height)));
  for (let i = 0; i < net.threshold; i++) await labs[i].call('approve', height + 1, 'RUNNING');
  await Promise.all(labs.map((h) => h.call('waitHook', height + 1, 'resume')));
  await sleep(100);
  return { pauseMs, stages: lastLabStages(traces, t0) };
}

export const STAGES = ['evidence', 'ownVote', 'tVotes', 'certFormed', 'hookDone'];

/** For each stage on the pause path: ms after t0 at which the LAST lab reached it (null if one never did). */
function lastLabStages(traces, t0) {
  const out = {};
  for (const st of STAGES) {
    const ts = traces.map((t) => t[st] ?? t[st === 'certFormed' ? 'certReceived' : st]);
    out[st] = ts.some((x) => x === undefined) ? null : Math.max(...ts) - t0;
  }
  return out;
}

/** Median over runs of each stage's last-lab offset. */
export function medianStages(list) {
  const out = {};
  for (const st of STAGES) {
    const xs = list.map((s) => s[st]).filter((x) => x !== null);
    out[st] = xs.length === 0 ? null : round1(median(xs));
  }
  return out;
}

/** Gossip propagation with no work: publish -> last of n bare hosts received, over a full mesh. */
async function propagationFloor(n, runs, size, mode) {
  const Handle = mode === 'processes' ? ChildHandle : LocalHandle;
  const networkIdHex = hex(new Uint8Array(32).fill(7));
  const hosts = await Promise.all(Array.from({ length: n }, () => Handle.spawn('raw', { networkIdHex })));
  try {
    const infos = await Promise.all(hosts.map((h) => h.call('info')));
    await Promise.all(
      hosts.map((h, i) =>
        i === 0
          ? 0
          : h.call(
              'dial',
              infos.slice(0, i).flatMap((x) => x.addrs.slice(0, 1)),
            ),
      ),
    );
    await waitMeshed(hosts, n, 90_000, 'raw hosts');
    const samples = [];
    for (let r = -2; r < runs; r++) {
      const data = new Uint8Array(size);
      crypto.getRandomValues(data);
      const from = ((r % n) + n) % n;
      const [t0, tag] = await hosts[from].call('publish', hex(data));
      const got = await Promise.all(hosts.filter((_, i) => i !== from).map((h) => h.call('waitRecv', tag)));
      if (r >= 0) samples.push(Math.max(...got) - t0);
      await sleep(20);
    }
    return samples;
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

/** Median ms of the crypto on the pause path: 1 partial sign, t partial verifies, 1 recovery, 1 group verify. */
function cryptoFloor(net, reps) {
  const stmt = statementBytes({
    networkId: net.networkId,
    height: 1,
    target: 'PAUSED',
    step: 'up',
    resolves: [],
  });
  const t = net.threshold;
  const shares = net.shares;
  const pubs = net.genesis.dkg.publicShares;
  const samples = [];
  for (let r = 0; r < reps + 1; r++) {
    const s = performance.now();
    const own = blsSign(shares[0], stmt);
    const partials = [{ index: 1, signature: own }];
    for (let i = 1; i < t; i++) partials.push({ index: i + 1, signature: blsSign(shares[i], stmt) });
    const signOnly = performance.now() - s;
    const v0 = performance.now();
    for (const p of partials)
      if (!verifyPartial(pubs[p.index - 1], stmt, p.signature)) throw new Error('partial');
    const sig = recoverSignature(partials, t);
    if (!blsVerify(net.genesis.dkg.groupPublicKey, stmt, sig)) throw new Error('group signature');
    const rest = performance.now() - v0;
    // one partial sign (the other t-1 partials are signed on other labs, in parallel)
    if (r > 0) samples.push(signOnly / t + rest);
  }
  return median(samples);
}

/**
 * Pause cycles while one extra peer floods every lab with forged commitments (valid CBOR, bad Ed25519
 * signature, all distinct) as fast as its transport takes them.
 */
async function underFlood(ln, runs, firstHeight, mode) {
  const Handle = mode === 'processes' ? ChildHandle : LocalHandle;
  const flooder = await Handle.spawn('raw', { networkIdHex: hex(ln.net.networkId) });
  try {
    await flooder.call('dial', ln.net.memberAddrs);
    const before = await Promise.all(ln.labs.map((h) => h.call('verdicts')));
    const template = encodeSignedCommitment(signedCommitment(ln.net, ln.net.labs[0]));
    await flooder.call('floodStart', hex(template));
    await sleep(300);
    const samples = [];
    let height = firstHeight;
    for (let r = 0; r < runs; r++) {
      samples.push((await pauseCycle(ln, 1000 + r, height)).pauseMs);
      progress(`pause ${ln.labs.length} labs under flood: run ${r + 1}/${runs} ${round1(samples[r])} ms`);
      height += 2;
    }
    const f = await flooder.call('floodStop');
    const { peerId: flooderId } = await flooder.call('info');
    const bannedBy = (await Promise.all(ln.labs.map((h) => h.call('bannedPeers')))).filter((l) =>
      l.includes(flooderId),
    ).length;
    const after = await Promise.all(ln.labs.map((h) => h.call('verdicts')));
    const rejected = after.reduce((a, v, i) => a + v.reject - before[i].reject, 0);
    return {
      runs: samples.length,
      p50Ms: round1(median(samples)),
      p95Ms: round1(percentile(samples, 95)),
      floodSentPerSec: Math.round(f.sent / (f.ms / 1000)),
      floodSent: f.sent,
      // the rest were dropped by gossipsub (graylist) or never sent (the labs banned the flooder)
      rejectedByLabs: rejected,
      // labs that banned the flooder (8 REJECTs in 10 s: disconnected, refused; docs/protocol.md "Bans")
      flooderBannedByLabs: bannedBy,
    };
  } finally {
    await flooder.stop();
  }
}

/** Pause latency for one network size. */
async function measureSize(n, { runs, mode, withObserverForRss, floodRuns = 0 }) {
  const observers = withObserverForRss ? 1 : 0;
  let propagation = null;
  let floorError;
  try {
    propagation = await propagationFloor(n, Math.max(10, runs * 2), 700, mode);
    progress(`pause ${n} labs: gossip hop p50 ${round1(median(propagation))} ms`);
  } catch (e) {
    floorError = String(e.message ?? e);
    progress(`pause ${n} labs: floor FAILED ${floorError}`);
  }
  const ln = await startLabNet(n, { observers, mode });
  progress(`pause ${n} labs: ${mode} started and meshed`);
  try {
    let idle;
    if (withObserverForRss) {
      await sleep(3_000); // idle: connected, meshed, nothing to do
      const rss = await Promise.all(ln.labs.map((h) => h.call('rss')));
      idle = {
        labs: n,
        peers: n - 1 + observers,
        medianMb: round1(median(rss) / 2 ** 20),
        maxMb: round1(Math.max(...rss) / 2 ** 20),
      };
    }
    const samples = [];
    const stageRuns = [];
    const cpuPerCycle = [];
    const cpuNow = () => Promise.all(ln.labs.map((h) => h.call('cpuMs')));
    const countersNow = () => Promise.all(ln.labs.map((h) => h.call('counters')));
    let counters0;
    let height = 1;
    for (let r = -1; r < runs; r++) {
      if (r === 0) counters0 = await countersNow();
      const c0 = await cpuNow();
      const w0 = performance.now();
      const { pauseMs: ms, stages } = await pauseCycle(ln, r + 1, height);
      const c1 = await cpuNow();
      height += 2;
      if (r >= 0) {
        samples.push(ms);
        stageRuns.push(stages);
        cpuPerCycle.push({
          cpuMs: c1.reduce((a, x, i) => a + x - c0[i], 0),
          wallMs: performance.now() - w0,
        });
      }
      const st = STAGES.map((k) => `${k} ${stages[k] === null ? '-' : round1(stages[k])}`).join(', ');
      progress(
        `pause ${n} labs: run ${r + 1}/${runs} ${round1(ms)} ms${r < 0 ? ' (warm-up)' : ''} [last lab: ${st}]`,
      );
    }
    const messages = messagesPerTransition(counters0, await countersNow(), 2 * runs);
    let flood;
    if (floodRuns > 0) flood = await underFlood(ln, floodRuns, height, mode);
    return {
      samples,
      stages: medianStages(stageRuns),
      cpuPerCycle,
      messages,
      gossipOrphansRepaired: ln.gossipOrphansRepaired,
      propagation,
      floorError,
      idle,
      flood,
      net: ln.net,
    };
  } finally {
    await ln.stop();
  }
}

/**
 * RSS of an idle lab node (own process, real store, the 4 topics subscribed) with `peers` gossip peers:
 * bare hosts with the node's stack subscribed to the same topics, all in this process, re-dialling
 * until connected. Sampled after `idleMs` of nothing to do.
 */
async function idleRssWithPeers(peers, idleMs = 5_000) {
  const net = await makeBenchNetwork({ labs: 4, fixedPorts: true });
  const lab = await ChildHandle.spawn('lab', { config: net.memberConfig(0), env: net.env });
  const hosts = [];
  try {
    const { addrs } = await lab.call('info');
    for (let i = 0; i < peers; i++)
      hosts.push(await LocalHandle.spawn('raw', { networkIdHex: hex(net.networkId) }));
    await Promise.all(hosts.map((h) => h.call('dial', addrs.slice(0, 1))));
    await waitFor(
      async () => {
        const st = await lab.call('state');
        return st.peers >= peers && st.minSubscribers >= peers;
      },
      `lab node with ${peers} peers`,
      90_000,
      200,
    );
    await sleep(idleMs);
    const st = await lab.call('state');
    return { peers: st.peers, mb: round1((await lab.call('rss')) / 2 ** 20), idleMs };
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
    await lab.stop();
    net.cleanup();
  }
}

/** Benchmark module entry point (see scripts/bench/run.mjs). */
export async function run(opts = {}) {
  const quick = opts.quick ?? process.argv.includes('--quick');
  const sizes = opts.pauseSizes ?? [4, 8, 16];
  const runs = opts.pauseRuns ?? (quick ? 5 : 10);
  const pauseLatency = [];
  let idleRss;
  let underFloodResult;
  for (const labs of sizes) {
    // in-process: every node in this process (one event loop); for sizes whose processes do not mesh
    const mode = (opts.inProcessSizes ?? []).includes(labs) ? 'in-process' : 'processes';
    let m;
    try {
      m = await measureSize(labs, {
        runs,
        mode,
        withObserverForRss: labs === 16 || sizes.length === 1,
        floodRuns: labs === sizes[0] ? Math.max(3, Math.round(runs / 2)) : 0,
      });
    } catch (e) {
      // Report what failed instead of a number (e.g. the loopback mesh does not hold on an overloaded box).
      progress(`pause ${labs} labs: FAILED ${e.message}`);
      pauseLatency.push({ n: labs, labs, mode, error: String(e.message ?? e) });
      continue;
    }
    if (m.idle) idleRss = m.idle;
    if (m.flood) underFloodResult = { labs, ...m.flood, p50WithoutFloodMs: round1(median(m.samples)) };
    const prop = m.propagation ? median(m.propagation) : null;
    const crypto = cryptoFloor(m.net, 5);
    // Lower bound for any vote round: evidence must reach the voters, then t votes must reach the last lab.
    const floorMs = prop === null ? null : 2 * prop + crypto;
    const p50 = median(m.samples);
    pauseLatency.push({
      // n/t label the rows of docs/benchmarks.md (run.mjs); the fields follow
      n: labs,
      t: m.net.threshold,
      labs,
      threshold: m.net.threshold,
      mode,
      runs: m.samples.length,
      p50Ms: round1(p50),
      p95Ms: round1(percentile(m.samples, 95)),
      floorMs: floorMs === null ? null : round1(floorMs),
      ratio: floorMs === null ? null : round3(p50 / floorMs),
      // median over runs of when the last lab reached each stage (ms after the evidence was published)
      lastLabStagesMs: m.stages,
      // one pause + resume cycle (+100 ms settle): CPU summed over every lab process vs wall time, medians;
      // cpu / wall near the core count means the labs were CPU-bound
      cycle: {
        labsCpuMs: Math.round(median(m.cpuPerCycle.map((c) => c.cpuMs))),
        wallMs: Math.round(median(m.cpuPerCycle.map((c) => c.wallMs))),
        cores: os.cpus().length,
      },
      // median over labs: gossip messages received (all copies / distinct / duplicates) and sent by
      // kind, control entries, RPCs, sync requests, per lab per transition (lib/messages.mjs)
      messagesPerLabTransition: m.messages,
      // peers left connected but forgotten by gossipsub while the mesh formed, reconnected by the bench
      gossipOrphansRepaired: m.gossipOrphansRepaired,
      floorParts: {
        ...(m.floorError ? { error: m.floorError } : {}),
        gossipHopP50Ms: prop === null ? null : round1(prop),
        gossipHops: 2,
        cryptoMs: round1(crypto),
        // not in the floor (the floor is network + crypto); the design's durability rules put
        // several such writes on the critical path of every lab (evidence, own vote, votes, certificate, apply, journal)
        durableWriteMs: round3(durableWriteMs()),
      },
    });
  }
  let idle16;
  try {
    idle16 = await idleRssWithPeers(16);
    progress(`idle lab node with ${idle16.peers} peers: RSS ${idle16.mb} MB`);
  } catch (e) {
    idle16 = { error: String(e.message ?? e) };
  }
  return {
    pauseLatency,
    // one lab node process with 16 gossip peers (bare hosts), after 5 s idle
    idleRssMb: idle16.mb ?? null,
    idleRss16Peers: idle16,
    // the labs of the largest pause network (n-1 lab peers + 1 observer), 3 s idle after the mesh formed
    idleRssPauseNet: idleRss,
    pauseUnderFlood: underFloodResult,
  };
}
