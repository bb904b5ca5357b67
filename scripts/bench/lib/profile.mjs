// Where each lab's CPU per transition goes: runs pause/resume cycles on n labs (loopback, as pause.mjs,
// or the wide-area emulation, as wan.mjs) with every lab writing a V8 CPU profile, then charges the
// samples taken during the measured cycles to layers (lib/cpuprofile.mjs) and prints, per lab per
// transition (median over labs): CPU by layer, the hottest functions, and the messages received.
// Usage: node scripts/bench/lib/profile.mjs [--labs 16] [--mode loopback|wan] [--runs 4] [--dir DIR]
import '../../../packages/node/dist/polyfill.js';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { attribute } from './cpuprofile.mjs';
import { messagesPerTransition } from './messages.mjs';
import { percentile, progress, round1, sleep } from './net.mjs';

function args(argv) {
  const o = { labs: 16, mode: 'loopback', runs: 4, top: 25 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (['labs', 'runs', 'top'].includes(k)) o[k] = Number(argv[++i]);
    else if (k === 'mode' || k === 'dir') o[k] = argv[++i];
  }
  return o;
}

const med = (xs) => percentile(xs, 50);

/** The profile file a child with `pid` wrote (node names them CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile). */
async function profileOf(dir, pid) {
  for (let k = 0; k < 100; k++) {
    const f = readdirSync(dir).find((x) => x.includes(`.${pid}.`) && x.endsWith('.cpuprofile'));
    if (f) return JSON.parse(readFileSync(join(dir, f), 'utf8'));
    await sleep(100);
  }
  throw new Error(`no CPU profile for pid ${pid} in ${dir}`);
}

export async function profileRun({ labs: n, mode, runs, dir, top }) {
  mkdirSync(dir, { recursive: true });
  // read by ChildHandle.spawn: every child from here on writes a profile into dir
  process.env.BENCH_CPU_PROF = dir;
  const { pauseCycle, startLabNet } = await import('./pause.mjs');
  const { startWanNet } = await import('./wan.mjs');
  const { waitMeshed } = await import('./mesh.mjs');
  let ln;
  if (mode === 'wan') {
    ln = await startWanNet(n);
    try {
      await waitMeshed(ln.labs, n);
    } catch (e) {
      await ln.stop();
      throw e;
    }
  } else ln = await startLabNet(n, { mode: 'processes' });
  progress(`profile: ${n} labs (${mode}) meshed`);
  let window;
  try {
    let height = 1;
    await pauseCycle(ln, 0, height, 0); // warm-up, outside the window
    height += 2;
    await sleep(500);
    const mono = () => Promise.all(ln.labs.map((h) => h.call('monoUs')));
    const cpu = () => Promise.all(ln.labs.map((h) => h.call('cpuMs')));
    const counters = () => Promise.all(ln.labs.map((h) => h.call('counters')));
    // idle cost (gossip heartbeats, pings, sync rounds): CPU over 5 s with nothing to do, once the
    // warm-up cycle's after-effects (gossip of its messages, a sync round) have passed
    await sleep(3_000);
    const idle0 = await cpu();
    const idleStart = performance.now();
    await sleep(5_000);
    const idle1 = await cpu();
    const idleMsPerSec = idle1.map((x, i) => (x - idle0[i]) / ((performance.now() - idleStart) / 1000));
    const [from, cpu0, c0] = [await mono(), await cpu(), await counters()];
    const wall0 = performance.now();
    const pauses = [];
    for (let r = 0; r < runs; r++) {
      const { pauseMs } = await pauseCycle(ln, r + 1, height, Math.floor((r * n) / runs) % n);
      height += 2;
      pauses.push(round1(pauseMs));
      progress(`profile: run ${r + 1}/${runs} ${round1(pauseMs)} ms`);
    }
    const [to, cpu1, c1] = [await mono(), await cpu(), await counters()];
    window = {
      wallMs: performance.now() - wall0,
      idleMsPerSec,
      pids: ln.labs.map((h) => h.pid),
      from,
      to,
      cpuMs: cpu1.map((x, i) => x - cpu0[i]),
      messages: messagesPerTransition(c0, c1, 2 * runs),
      pauses,
    };
  } finally {
    await ln.stop();
  }
  const transitions = 2 * runs;
  // Each lab's measured CPU (process.cpuUsage over the window) split by its profile's sample shares.
  const perLab = [];
  const selfMs = new Map();
  for (const [i, pid] of window.pids.entries()) {
    const a = attribute(await profileOf(dir, pid), window.from[i], window.to[i]);
    const msPerSample = a.samples > 0 ? window.cpuMs[i] / a.samples : 0;
    const byLayer = Object.fromEntries(Object.entries(a.byLayer).map(([l, k]) => [l, k * msPerSample]));
    perLab.push({ byLayer, samples: a.samples });
    for (const [k, c] of a.bySelf) selfMs.set(k, (selfMs.get(k) ?? 0) + c * msPerSample);
  }
  const layers = [...new Set(perLab.flatMap((a) => Object.keys(a.byLayer)))];
  const byLayer = Object.fromEntries(
    layers
      .map((l) => [l, round1(med(perLab.map((a) => a.byLayer[l] ?? 0)) / transitions)])
      .sort((x, y) => y[1] - x[1]),
  );
  const summary = {
    labs: n,
    mode,
    runs,
    loadavg: os.loadavg().map((x) => round1(x)),
    pauseMs: window.pauses.join(' '),
    // process.cpuUsage over the window, median over labs
    cpuMsPerLabTransition: round1(med(window.cpuMs) / transitions),
    // of which the idle load (heartbeats, pings, sync) would have cost anyway over the window's wall time
    idleCpuMsPerLabTransition: round1((med(window.idleMsPerSec) * window.wallMs) / 1000 / transitions),
    idleCpuMsPerLabSecond: round1(med(window.idleMsPerSec)),
    // CPU samples per lab in the window (median; ~1 per ms of CPU at the default 1 ms interval)
    samplesPerLab: med(perLab.map((a) => a.samples)),
    // medians over labs, each layer on its own (so they need not add up to the total exactly)
    byLayerMsPerLabTransition: byLayer,
    // mean over labs
    topSelfMsPerLabTransition: Object.fromEntries(
      [...selfMs]
        .sort((x, y) => y[1] - x[1])
        .slice(0, top)
        .map(([k, ms]) => [k, round1(ms / n / transitions)]),
    ),
    messagesPerLabTransition: window.messages,
  };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  return summary;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = args(process.argv.slice(2));
  o.dir ??= mkdtempSync(join(os.tmpdir(), 'pn-prof-'));
  console.log(JSON.stringify(await profileRun(o), null, 2));
  process.exit(0);
}
