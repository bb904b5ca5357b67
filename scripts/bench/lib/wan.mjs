// Wide-area pause latency: labs placed in cloud regions (regions.json), every lab a real process (one
// PausenetNode, SQLite on disk, a `file` halt hook), every connection between two labs delayed by that
// pair's one-way delay in each direction by a delay relay (lib/delay.mjs) in its own process. Reports
// breach published at origin b -> every lab's halt hook done, p50/p95 over origins, against the
// physical floor for the same origins (lib/floor.mjs), and what the emulation itself added.
import '../../../packages/node/dist/polyfill.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { median, wanFloors } from './floor.mjs';
import { ChildHandle } from './lab.mjs';
import { messagesPerTransition } from './messages.mjs';
import { makeBenchNetwork, percentile, progress, round1, round3, sleep } from './net.mjs';
import { medianStages, pauseCycle } from './pause.mjs';

export const regions = JSON.parse(readFileSync(new URL('./regions.json', import.meta.url), 'utf8'));

/** Source address the relay dials from on behalf of lab i: the listener sees which lab dialled. */
const labSourceIp = (i) => `127.1.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`;
const RELAY_SOURCE_PREFIX = '127.1.';
/** Where lab i listens, and where the relay's routes listen (the only addresses labs may dial). */
const labListenIp = (i) => `127.3.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`;
const RELAY_LISTEN_IP = '127.2.0.1';
/** One-way delay of the ping path that measures the emulation's own added latency. */
const PING_DELAY_MS = 50;
const RELAY_NICE = -10;
const RELAY_RT_PRIORITY = 10;

/**
 * The relay stands for the network, which the labs' CPU load must not slow down: where allowed, its
 * threads run under SCHED_FIFO (a woken relay preempts the labs at once; it needs a few % of one core),
 * else at nice -10 (both need CAP_SYS_NICE), else like the labs. Returns what it got.
 */
function raisePriority(pid) {
  try {
    execFileSync('chrt', ['-a', '-f', '-p', String(RELAY_RT_PRIORITY), String(pid)], { stdio: 'ignore' });
    return `SCHED_FIFO ${RELAY_RT_PRIORITY}`;
  } catch {
    // no chrt or not permitted
  }
  try {
    os.setPriority(pid, RELAY_NICE);
  } catch {
    // not permitted: the relay shares the CPU with the labs at the same priority
  }
  return `nice ${os.getPriority(pid)}`;
}

/** `runs` origins: every lab in turn when runs >= labs, else spread evenly over the labs. */
export function pickOrigins(labs, runs) {
  return Array.from({ length: runs }, (_, k) => (runs >= labs ? k % labs : Math.floor((k * labs) / runs)));
}

/** Added one-way latency (ms) of the ping samples: (RTT - 2 x configured delay) / 2. */
function pingSummary(rtts) {
  if (rtts.length === 0) return null;
  const added = rtts.map((r) => (r - 2 * PING_DELAY_MS) / 2);
  return {
    samples: added.length,
    p50: round3(percentile(added, 50)),
    p95: round3(percentile(added, 95)),
    max: round3(Math.max(...added)),
  };
}

/**
 * Every open connection of every lab must run through the relay, on the route of its own pair:
 * outbound to one of this lab's routes (to the peer that route leads to), inbound from the relay's
 * source address of the lab it came from. Returns the offending connections (none expected).
 */
function auditConnections(conns, routesByLab, net) {
  const labOfPeer = new Map(net.members.map((m, i) => [m.peerId, i]));
  const bad = [];
  conns.forEach((list, i) => {
    for (const c of list) {
      const peerLab = labOfPeer.get(c.peer);
      const m = /^\/ip4\/([^/]+)\/tcp\/(\d+)/.exec(c.remoteAddr);
      const ok =
        m !== null &&
        peerLab !== undefined &&
        (c.direction === 'outbound'
          ? m[1] === RELAY_LISTEN_IP && routesByLab[i].get(Number(m[2])) === peerLab
          : m[1] === labSourceIp(peerLab));
      if (!ok) bad.push({ lab: i, ...c });
    }
  });
  return bad;
}

/**
 * Start n labs placed as regions.json says, each a process, every pair joined through the delay relay
 * (one route per ordered pair, delayed by that pair's one-way delay). Resolves once started (not yet
 * meshed); `stop()` ends every process it started, also after a failure part-way.
 */
export async function startWanNet(n) {
  const fl = wanFloors(regions, n);
  const relay = await ChildHandle.spawn('relay', {});
  const relayScheduling = raisePriority(relay.pid);
  // Each lab listens on an address of its own, the relay on another: no port the relay takes can
  // collide with a lab's fixed port.
  const net = await makeBenchNetwork({
    labs: n,
    fixedPorts: true,
    genesisAddrs: false,
    listenHost: labListenIp,
  });
  const labs = [];
  const stop = async () => {
    await Promise.all(labs.map((h) => h.stop()));
    await relay.stop();
    net.cleanup();
  };
  try {
    if (net.threshold !== fl.threshold)
      throw new Error(`regions.json threshold ${fl.threshold} != the bench's ${net.threshold} at ${n} labs`);
    // One route per ordered pair (i dials j): i's bootstrap addr for j, delayed by delays[i][j].
    const specs = [];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (i !== j)
          specs.push({
            name: `${i}->${j}`,
            delayMs: fl.delays[i][j],
            target: { host: net.hosts[j], port: net.ports[j] },
            sourceHost: labSourceIp(i),
            listenHost: RELAY_LISTEN_IP,
          });
    const routes = await relay.call('addRoutes', specs);
    /** lab i -> (relay port -> lab it leads to) */
    const routesByLab = Array.from({ length: n }, () => new Map());
    const bootstrap = Array.from({ length: n }, () => []);
    routes.forEach((r, k) => {
      const [i, j] = specs[k].name.split('->').map(Number);
      routesByLab[i].set(r.port, j);
      bootstrap[i].push(`/ip4/${r.host}/tcp/${r.port}/p2p/${net.members[j].peerId}`);
    });
    // One at a time: a lab's start-up is CPU-heavy (module loading, keystore, SQLite), and 16 starting
    // at once on a loaded machine starve each other past libp2p's 5 s ping timeout, which then aborts
    // connections. Labs dial every bootstrap route at start and re-dial every sync interval (10 s).
    for (let i = 0; i < n; i++)
      labs.push(
        await ChildHandle.spawn('lab', {
          config: net.memberConfig(i, {
            hooks: [{ type: 'file', name: 'halt-sentinel', path: join(net.dir, `halt-${i}.json`) }],
            bootstrap: bootstrap[i],
          }),
          env: net.env,
          gate: {
            allowDial: [...routesByLab[i].keys()].map((p) => `${RELAY_LISTEN_IP}:${p}`),
            inboundPrefix: RELAY_SOURCE_PREFIX,
          },
        }),
      );
    return { fl, net, labs, relay, relayScheduling, routesByLab, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Wait until every lab is connected to and knows the gossip subscriptions of every other lab. A peer
 * that stays connected but forgotten by gossipsub (LabController.gossipOrphans) for 5 s is repaired
 * by a reconnect; returns how many such repairs it took (each a real gossipsub failure mode, reported).
 */
export async function waitMeshed(labs, n, timeoutMs = 180_000) {
  const end = Date.now() + timeoutMs;
  const orphanSince = new Map();
  let repairs = 0;
  let lastReport = Date.now();
  for (;;) {
    const st = await Promise.all(labs.map((h) => h.call('state')));
    if (st.every((s) => s.peers >= n - 1 && s.minSubscribers >= n - 1)) return repairs;
    const orphans = await Promise.all(labs.map((h) => h.call('gossipOrphans')));
    const seen = `peers ${st.map((s) => s.peers).join(',')}; subscribed ${st.map((s) => s.minSubscribers).join(',')}; gossip orphans ${orphans.map((o) => o.length).join(',')}; repaired ${repairs}`;
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${n} wide-area labs to mesh (${seen})`);
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      progress(`wan ${n} labs: meshing: ${seen}`);
    }
    const now = Date.now();
    const still = new Map();
    for (const [i, list] of orphans.entries()) {
      // a peer counts once it has been an orphan for 5 s (a new connection needs a moment to subscribe)
      const old = list.filter((p) => now - (orphanSince.get(`${i} ${p}`) ?? now) > 5_000);
      for (const p of list) still.set(`${i} ${p}`, orphanSince.get(`${i} ${p}`) ?? now);
      if (old.length === 0) continue;
      repairs += (await labs[i].call('repairGossipOrphans', old)).length;
      for (const p of old) still.delete(`${i} ${p}`); // a fresh session gets its own 5 s
    }
    orphanSince.clear();
    for (const [k, v] of still) orphanSince.set(k, v);
    await sleep(250);
  }
}

/** Pause latency over the emulated wide area for one network size of regions.json. */
export async function measureWan(n, { runs, warmup = 1 }) {
  const origins = pickOrigins(n, runs);
  const wn = await startWanNet(n);
  const { fl, net, labs, relay, routesByLab } = wn;
  try {
    const meshStart = performance.now();
    let gossipRepairs = await waitMeshed(labs, n);
    progress(
      `wan ${n} labs: meshed in ${Math.round(performance.now() - meshStart)} ms (gossip orphans repaired: ${gossipRepairs})`,
    );
    const ln = { net, labs };
    await relay.call('pingStart', { delayMs: PING_DELAY_MS });
    await sleep(2_000);
    const pingIdle = await relay.call('pingTake');

    let height = 1;
    for (let w = 0; w < warmup; w++) {
      const { pauseMs } = await pauseCycle(ln, w, height, origins[w % origins.length]);
      height += 2;
      progress(`wan ${n} labs: warm-up ${round1(pauseMs)} ms`);
    }
    await relay.call('pingTake');
    await relay.call('stats', true);
    const cpuNow = () => Promise.all(labs.map((h) => h.call('cpuMs')));
    const countersNow = () => Promise.all(labs.map((h) => h.call('counters')));
    const counters0 = await countersNow();
    const relayCpu0 = await relay.call('cpuMs');
    const samples = [];
    const stageRuns = [];
    const cycles = [];
    for (let r = 0; r < runs; r++) {
      // every run starts from a full mesh (a connection lost to a ping timeout under load is re-made)
      gossipRepairs += await waitMeshed(labs, n);
      const c0 = await cpuNow();
      const w0 = performance.now();
      const { pauseMs, stages } = await pauseCycle(ln, warmup + r, height, origins[r]);
      const c1 = await cpuNow();
      height += 2;
      samples.push(pauseMs);
      stageRuns.push(stages);
      cycles.push({ cpuMs: c1.reduce((a, x, i) => a + x - c0[i], 0), wallMs: performance.now() - w0 });
      progress(
        `wan ${n} labs: run ${r + 1}/${runs} origin ${origins[r]} (${fl.placement[origins[r]]}) ${round1(pauseMs)} ms, floor ${round1(fl.byOrigin[origins[r]])} ms`,
      );
    }
    const counters1 = await countersNow();
    const relayCpuMs = (await relay.call('cpuMs')) - relayCpu0;
    const relayStats = await relay.call('stats', true);
    const pingLoaded = await relay.call('pingTake');
    const bad = auditConnections(await Promise.all(labs.map((h) => h.call('connections'))), routesByLab, net);
    if (bad.length > 0)
      throw new Error(
        `${bad.length} connections bypassed the delay relay: ${JSON.stringify(bad.slice(0, 3))}`,
      );

    const p50 = median(samples);
    const floorMs = median(origins.map((o) => fl.byOrigin[o]));
    const cpuMs = median(cycles.map((c) => c.cpuMs));
    return {
      n,
      t: fl.threshold,
      labs: n,
      threshold: fl.threshold,
      runs: samples.length,
      p50Ms: round1(p50),
      p95Ms: round1(percentile(samples, 95)),
      floorMs: round1(floorMs),
      ratio: round3(p50 / floorMs),
      placement: fl.placement.join(' '),
      // peers left connected but forgotten by gossipsub while the mesh formed, reconnected by the bench
      gossipOrphansRepaired: gossipRepairs,
      origins: origins.join(' '),
      samplesMs: samples.map(round1).join(' '),
      floorsByOriginMs: origins.map((o) => round1(fl.byOrigin[o])).join(' '),
      // median over runs of when the last lab reached each stage (ms after the evidence was published)
      lastLabStagesMs: medianStages(stageRuns),
      cycle: {
        labsCpuMs: Math.round(cpuMs),
        wallMs: Math.round(median(cycles.map((c) => c.wallMs))),
        cores: os.cpus().length,
      },
      cpuPerLabTransitionMs: round1(cpuMs / n / 2),
      messagesPerLabTransition: messagesPerTransition(counters0, counters1, 2 * runs),
      emulation: {
        // every lab connection checked at the end: outbound to its own pair's route, inbound from the relay
        relayScheduling: wn.relayScheduling,
        connectionsAudited: (await Promise.all(labs.map((h) => h.call('connections')))).flat().length,
        bypassed: bad.length,
        // per chunk: ms between its due time and its write by the relay (the relay's own lag)
        relayLatenessMs: relayStats.latenessMs,
        relayChunks: relayStats.chunks,
        relayCpuMs: Math.round(relayCpuMs),
        // (ping RTT through a 50 ms route - 100 ms) / 2, pinged from inside the relay process: the
        // one-way ms the emulation adds to a message, labs idle / during the runs
        pingAddedOneWayMsIdle: pingSummary(pingIdle),
        pingAddedOneWayMsDuringRuns: pingSummary(pingLoaded),
      },
    };
  } finally {
    await wn.stop();
  }
}

/** Wide-area rows for every size (sizes that fail report an error instead of figures). */
export async function run(opts = {}) {
  const quick = opts.quick ?? process.argv.includes('--quick');
  const sizes = opts.wanSizes ?? [4, 8, 16];
  const runsFor = (n) => opts.wanRuns ?? (quick ? Math.min(n, 4) : Math.max(8, n));
  const wan = [];
  for (const n of sizes) {
    try {
      const row = await measureWan(n, { runs: runsFor(n) });
      progress(`wan ${n} labs: p50 ${row.p50Ms} ms, floor ${row.floorMs} ms, ratio ${row.ratio}`);
      wan.push(row);
    } catch (e) {
      progress(`wan ${n} labs: FAILED ${e.message}`);
      wan.push({ n, labs: n, error: String(e.message ?? e) });
    }
  }
  return { wan };
}
