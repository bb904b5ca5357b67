// Wide-area pause latency: labs placed in cloud regions (regions.json), every lab a real process (one
// PausenetNode, SQLite on disk, a `file` halt hook), every connection between two labs delayed by that
// pair's one-way delay in each direction. Two emulations: 'inproc' (default; lib/netdelay.mjs: each
// lab holds received bytes back by the pair's delay, no extra process) and 'relay' (lib/delay.mjs: a
// relay process between every pair; it costs CPU the labs then lack, kept to cross-check the first).
// Reports breach published at origin b -> every lab's halt hook done, p50/p95 over origins, against
// the physical floor for the same origins (lib/floor.mjs), and what the emulation itself added.
import '../../../packages/node/dist/polyfill.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { median, wanFloors } from './floor.mjs';
import { ChildHandle } from './lab.mjs';
import { waitMeshed } from './mesh.mjs';
import { messagesPerTransition } from './messages.mjs';
import { makeBenchNetwork, percentile, progress, round1, round3, sleep } from './net.mjs';
import { medianStages, pauseCycle } from './pause.mjs';

export const regions = JSON.parse(readFileSync(new URL('./regions.json', import.meta.url), 'utf8'));

const ip = (prefix, i) => `${prefix}${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`;
/** Lab i's own address: it listens there (and, in-process, dials from there too). */
const labIp = (i) => ip('127.3.', i);
const LAB_PREFIX = '127.3.';
/** relay: the address the relay dials lab i's connections from (the listener sees who dialled). */
const relaySourceIp = (i) => ip('127.1.', i);
const RELAY_SOURCE_PREFIX = '127.1.';
/** relay: where the relay's routes listen (the only addresses labs may dial). */
const RELAY_LISTEN_IP = '127.2.0.1';
/** One-way delay of the ping path that measures the emulation's own added latency. */
const PING_DELAY_MS = 50;
const RELAY_NICE = -10;
const RELAY_RT_PRIORITY = 10;

/**
 * The relay stands for the network, which the labs' CPU load must not slow down: where allowed, its
 * threads run under SCHED_FIFO (a woken relay preempts the labs at once), else at nice -10 (both need
 * CAP_SYS_NICE), else like the labs. Returns what it got. The CPU it uses (one socket read and write
 * per chunk and direction, 15-30% of what the labs use) the labs lack: hence the in-process default.
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
 * Every open connection of every lab must carry its own pair's delay. relay: outbound to one of this
 * lab's routes (to the lab that route leads to), inbound from the relay's source address of the lab
 * it came from. inproc: the remote address, either way, is the peer lab's own address (so both ends
 * look the pair up right). Returns the offending connections (none expected).
 */
function auditConnections(conns, wn) {
  const labOfPeer = new Map(wn.net.members.map((m, i) => [m.peerId, i]));
  const bad = [];
  conns.forEach((list, i) => {
    for (const c of list) {
      const peerLab = labOfPeer.get(c.peer);
      const m = /^\/ip4\/([^/]+)\/tcp\/(\d+)/.exec(c.remoteAddr);
      let ok = m !== null && peerLab !== undefined;
      if (ok && wn.emulation === 'relay')
        ok =
          c.direction === 'outbound'
            ? m[1] === RELAY_LISTEN_IP && wn.routesByLab[i].get(Number(m[2])) === peerLab
            : m[1] === relaySourceIp(peerLab);
      else if (ok) ok = m[1] === labIp(peerLab);
      if (!ok) bad.push({ lab: i, ...c });
    }
  });
  return bad;
}

/**
 * Start n labs placed as regions.json says, each a process, every pair delayed by that pair's one-way
 * delay (`emulation` 'inproc' or 'relay'). Every lab's connection gater lets it dial only addresses that
 * carry the delay and accept only connections that do, so no address a node learns (identify, its
 * peers table, genesis) goes around it. Resolves once started (not yet meshed); `stop()` ends every
 * process it started, also after a failure part-way.
 */
export async function startWanNet(n, { emulation = 'inproc' } = {}) {
  const fl = wanFloors(regions, n);
  // Each lab listens on an address of its own: in-process, genesis lists it (as in a real network);
  // with the relay, genesis lists none and each lab's bootstrap names its routes.
  const net = await makeBenchNetwork({
    labs: n,
    fixedPorts: true,
    genesisAddrs: emulation === 'inproc',
    listenHost: labIp,
  });
  const labs = [];
  let probe; // the relay (relay) or the pinger (inproc): measures what the emulation adds
  const stop = async () => {
    await Promise.all(labs.map((h) => h.stop()));
    await probe?.stop();
    net.cleanup();
  };
  try {
    if (net.threshold !== fl.threshold)
      throw new Error(`regions.json threshold ${fl.threshold} != the bench's ${net.threshold} at ${n} labs`);
    const spawnLab = (i, extra, wanInit) =>
      ChildHandle.spawn('lab', {
        config: net.memberConfig(i, {
          hooks: [{ type: 'file', name: 'halt-sentinel', path: join(net.dir, `halt-${i}.json`) }],
          ...extra,
        }),
        env: net.env,
        ...wanInit,
      });
    let routesByLab;
    let scheduling = 'like the labs';
    if (emulation === 'relay') {
      probe = await ChildHandle.spawn('relay', {});
      scheduling = raisePriority(probe.pid);
      // One route per ordered pair (i dials j): i's bootstrap addr for j, delayed by delays[i][j].
      const specs = [];
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          if (i !== j)
            specs.push({
              name: `${i}->${j}`,
              delayMs: fl.delays[i][j],
              target: { host: net.hosts[j], port: net.ports[j] },
              sourceHost: relaySourceIp(i),
              listenHost: RELAY_LISTEN_IP,
            });
      const routes = await probe.call('addRoutes', specs);
      /** lab i -> (relay port -> lab it leads to) */
      routesByLab = Array.from({ length: n }, () => new Map());
      const bootstrap = Array.from({ length: n }, () => []);
      routes.forEach((r, k) => {
        const [i, j] = specs[k].name.split('->').map(Number);
        routesByLab[i].set(r.port, j);
        bootstrap[i].push(`/ip4/${r.host}/tcp/${r.port}/p2p/${net.members[j].peerId}`);
      });
      await probe.call('pingStart', { delayMs: PING_DELAY_MS });
      // One at a time: a lab's start-up is CPU-heavy (module loading, keystore, SQLite), and 16 starting
      // at once on a loaded machine starve each other past libp2p's 5 s ping timeout, which then aborts
      // connections. Labs dial their bootstrap/genesis peers at start and again every sync interval.
      for (let i = 0; i < n; i++)
        labs.push(
          await spawnLab(
            i,
            { bootstrap: bootstrap[i] },
            {
              gate: {
                allowDial: [...routesByLab[i].keys()].map((p) => `${RELAY_LISTEN_IP}:${p}`),
                inboundPrefix: RELAY_SOURCE_PREFIX,
              },
            },
          ),
        );
    } else {
      probe = await ChildHandle.spawn('pinger', { delayMs: PING_DELAY_MS });
      const labAddrs = net.hosts.map((h, j) => `${h}:${net.ports[j]}`);
      for (let i = 0; i < n; i++) {
        const row = Object.fromEntries(
          net.hosts.map((h, j) => [h, fl.delays[i][j]]).filter((_, j) => j !== i),
        );
        labs.push(
          await spawnLab(
            i,
            {},
            {
              gate: { allowDial: labAddrs.filter((_, j) => j !== i), inboundPrefix: LAB_PREFIX },
              netDelay: { delays: { [net.hosts[i]]: row }, bindTo: net.hosts[i] },
            },
          ),
        );
      }
    }
    return { fl, net, labs, probe, emulation, scheduling, routesByLab, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Pause latency over the emulated wide area for one network size of regions.json. */
export async function measureWan(n, { runs, warmup = 1, emulation = 'inproc' }) {
  const origins = pickOrigins(n, runs);
  const wn = await startWanNet(n, { emulation });
  const { fl, net, labs, probe } = wn;
  const delayStats = async (reset) =>
    emulation === 'relay'
      ? [await probe.call('stats', reset)]
      : await Promise.all(labs.map((h) => h.call('netDelayStats', reset)));
  try {
    const meshStart = performance.now();
    let gossipRepairs = await waitMeshed(labs, n);
    progress(
      `wan ${n} labs: meshed in ${Math.round(performance.now() - meshStart)} ms (gossip orphans repaired: ${gossipRepairs})`,
    );
    const ln = { net, labs };
    await probe.call('pingTake');
    await sleep(2_000);
    const pingIdle = await probe.call('pingTake');

    let height = 1;
    for (let w = 0; w < warmup; w++) {
      const { pauseMs } = await pauseCycle(ln, w, height, origins[w % origins.length]);
      height += 2;
      progress(`wan ${n} labs: warm-up ${round1(pauseMs)} ms`);
    }
    await probe.call('pingTake');
    await delayStats(true);
    const cpuNow = () => Promise.all(labs.map((h) => h.call('cpuMs')));
    const countersNow = () => Promise.all(labs.map((h) => h.call('counters')));
    const counters0 = await countersNow();
    const probeCpu0 = await probe.call('cpuMs');
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
    const probeCpuMs = (await probe.call('cpuMs')) - probeCpu0;
    const dstats = await delayStats(true);
    const pingLoaded = await probe.call('pingTake');
    const conns = await Promise.all(labs.map((h) => h.call('connections')));
    const bad = auditConnections(conns, wn);
    const strangers = dstats.reduce((a, d) => a + (d.otherSockets ?? 0), 0);
    if (bad.length > 0 || strangers > 0)
      throw new Error(
        `connections around the delay: ${strangers} sockets to unknown addresses, ${bad.length} libp2p connections: ${JSON.stringify(bad.slice(0, 3))}`,
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
        kind: emulation,
        // every lab connection checked at the end: its remote address carries its own pair's delay
        connectionsAudited: conns.flat().length,
        bypassed: bad.length,
        // per chunk: ms between its due time and its hand-on (relay: its write, by the relay at the
        // scheduling below; inproc: its hand-on to the lab, late also when the lab was busy, as real
        // data waits for a busy process too); labs' p50/p95 are medians over labs, max the max
        latenessMs: {
          p50: round3(median(dstats.map((d) => d.latenessMs.p50 ?? 0))),
          p95: round3(median(dstats.map((d) => d.latenessMs.p95 ?? 0))),
          max: round3(Math.max(...dstats.map((d) => d.latenessMs.max ?? 0))),
        },
        chunks: dstats.reduce((a, d) => a + d.chunks, 0),
        ...(emulation === 'relay'
          ? { relayScheduling: wn.scheduling, relayCpuMs: Math.round(probeCpuMs) }
          : {}),
        // (ping RTT over a 50 ms pair - 100 ms) / 2: the one-way ms the emulation adds to a message
        // (relay: pinged inside the relay process; inproc: between two addresses in a pinger process
        // with the same emulation), labs idle / during the runs
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
  const emulation = opts.wanEmulation ?? process.env.BENCH_WAN_EMULATION ?? 'inproc';
  const wan = [];
  for (const n of sizes) {
    try {
      const row = await measureWan(n, { runs: runsFor(n), emulation });
      progress(`wan ${n} labs: p50 ${row.p50Ms} ms, floor ${row.floorMs} ms, ratio ${row.ratio}`);
      wan.push(row);
    } catch (e) {
      progress(`wan ${n} labs: FAILED ${e.message}`);
      wan.push({ n, labs: n, error: String(e.message ?? e) });
    }
  }
  return { wan };
}
