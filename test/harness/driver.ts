import { Cluster, type HarnessNode, sleep } from '@pausenet/testkit/cluster';
import type { AdmissionStats } from '../adversary/admission.js';
import { Adversary } from '../adversary/adversary.js';
import { checkInvariants, type InvariantReport, type InvariantResult, snapshotNode } from './invariants.js';
import type { Manifest, Perturbation } from './manifest.js';

/** Metrics well under the devnet caps for lab i. */
export function normalMetrics(i: number) {
  return {
    trainingFlop: `${2 + i}000000000000000000000000`,
    largestRunFlop: `${5 + i}00000000000000000000000`,
    maxParams: '70000000000',
    datasetTokens: '2000000000000',
    acceleratorHours: String(100_000 + 1000 * i),
    utilizationBps: 8000 + 10 * i,
  };
}

/** A run of 3e25 FLOP against the devnet's 1e25 largest-run cap. */
export const BREACH_METRICS = {
  trainingFlop: '40000000000000000000000000',
  largestRunFlop: '30000000000000000000000000',
  maxParams: '1500000000000',
  datasetTokens: '20000000000000',
  acceleratorHours: '900000',
  utilizationBps: 9500,
};

export interface RunResult {
  report: InvariantReport;
  timings: Record<string, number>;
  log: string[];
  adversary?: { sent: Record<string, number>; admission: AdmissionStats };
  /** Gossip verdicts summed over every node's /metrics (pausenet_messages_total). */
  verdicts: { accept: number; reject: number; ignore: number };
}

/** Runs a manifest end to end: start, commit, breach + perturbations, pause, resume, invariants. */
export async function runManifest(
  m: Manifest,
  opts: { keep?: boolean; print?: (s: string) => void } = {},
): Promise<RunResult> {
  const print = opts.print ?? ((s: string) => process.stdout.write(`${s}\n`));
  const log: string[] = [];
  const t00 = Date.now();
  const note = (s: string) => {
    const line = `[${m.name} +${((Date.now() - t00) / 1000).toFixed(1)}s] ${s}`;
    log.push(line);
    print(line);
  };
  const timings: Record<string, number> = {};
  const cluster = await Cluster.create({
    labs: m.labs,
    observers: m.observers,
    threshold: m.threshold,
    policy: m.policy,
    stepTimeoutMs: m.stepTimeoutMs,
  });
  const published = new Set<string>();
  const live: InvariantResult[] = [];
  let adversary: Adversary | undefined;
  let report: InvariantReport | undefined;
  const byzantine = new Set<string>();
  try {
    const tStart = Date.now();
    await cluster.startAll();
    timings.startMs = Date.now() - tStart;
    note(`${m.labs} labs + ${m.observers} observers up and connected in ${timings.startMs} ms`);
    await sleep(1000); // gossip mesh heartbeat
    const breacher = cluster.node(m.breacher ?? 'lab-b');
    for (const [i, l] of cluster.labs.entries()) {
      if (l === breacher) continue;
      const c = await cluster.api<{ hash: string }>(l, 'POST', '/v1/commitments', {
        metrics: normalMetrics(i),
      });
      published.add(c.hash);
    }
    if (m.adversaries.length) {
      adversary = await Adversary.start(cluster);
      for (const a of m.adversaries)
        if (a.kind === 'equivocate' || a.kind === 'double-vote') byzantine.add(a.lab);
    }
    // perturbation timeline, relative to the breach
    const lead = Math.max(0, ...m.perturbations.map((p) => -p.at));
    const t0 = Date.now() + lead;
    const faults = m.perturbations.map((p) => {
      let markApplied = () => {};
      const applied = new Promise<void>((resolve) => {
        markApplied = resolve;
      });
      const done = applyLater(cluster, p, t0, note, live, () => markApplied());
      done.catch(() => markApplied());
      return { at: p.at, applied, done };
    });
    const floods = m.adversaries.map((a) => (adversary ? adversary.run(a, note) : Promise.resolve()));
    await sleep(Math.max(0, t0 - Date.now()));
    // faults scheduled before the breach are in effect before it (slow restarts under load included)
    await Promise.all(faults.filter((f) => f.at < 0).map((f) => f.applied));
    note(`breach: ${breacher.id} commits ${BREACH_METRICS.largestRunFlop} FLOP > cap`);
    const breachAt = Date.now();
    const bc = await cluster.api<{ hash: string }>(breacher, 'POST', '/v1/commitments', {
      metrics: BREACH_METRICS,
    });
    published.add(bc.hash);
    // first halts of the labs no fault touches, measured while the faults are still playing out
    const steady = cluster.labs.filter((l) => !isFaulted(l, m));
    const firstHaltP = steady.length ? cluster.waitHooks(steady, 1, 'halt') : Promise.resolve(Number.NaN);
    firstHaltP.catch(() => {});
    await Promise.all(faults.map((f) => f.done));
    await Promise.all(floods);
    const all = cluster.nodes;
    const firstHalt = await firstHaltP;
    timings.breachToHaltedMs = firstHalt - breachAt;
    await cluster.waitHooks(cluster.labs, 1, 'halt');
    await cluster.waitHeight(all, 1, 'PAUSED');
    timings.breachToAllPausedMs = Date.now() - breachAt;
    note(
      `pause complete: all ${all.length} nodes PAUSED at height 1 (${timings.breachToAllPausedMs} ms after the breach)`,
    );
    if (m.resume !== false) {
      const tr = Date.now();
      for (const l of cluster.labs.slice(0, m.threshold))
        await cluster.api(l, 'POST', '/v1/approve', { height: 2, target: 'RUNNING' });
      await cluster.waitHooks(cluster.labs, 2, 'resume');
      await cluster.waitHeight(all, 2, 'RUNNING');
      timings.resumeToAllRunningMs = Date.now() - tr;
      note(
        `resume complete: all nodes RUNNING at height 2 (${timings.resumeToAllRunningMs} ms after the approvals)`,
      );
    }
    await sleep(1500); // let gossip + sync settle before the snapshot
    const verdicts = await Promise.all(all.map((n) => verdictCounts(n)));
    const totals = verdicts.reduce(
      (a, v) => ({ accept: a.accept + v.accept, reject: a.reject + v.reject, ignore: a.ignore + v.ignore }),
      {
        accept: 0,
        reject: 0,
        ignore: 0,
      },
    );
    note(`gossip verdicts over all nodes: ${JSON.stringify(totals)}`);
    note(`timings (ms): ${JSON.stringify(timings)}`);
    await adversary?.stop();
    for (const n of all)
      if (!n.child?.running && n.crashes.length === 0) n.crashes.push('not running at the end');
    await cluster.close({ keep: true });
    const snapshots = await Promise.all(all.map(snapshotNode));
    report = checkInvariants({
      cluster,
      snapshots,
      published,
      adversarial: new Set(adversary?.validAdversarialCommitments ?? []),
      byzantine,
      live,
    });
    print(report.text);
    return {
      report,
      timings,
      log,
      verdicts: totals,
      ...(adversary ? { adversary: { sent: adversary.sent, admission: adversary.admission } } : {}),
    };
  } catch (err) {
    for (const n of cluster.nodes)
      if (n.child) print(`--- ${n.id} (running=${n.child.running})\n${n.child.tail(15)}`);
    throw err;
  } finally {
    await adversary?.stop();
    await cluster.close({ keep: opts.keep ?? false });
  }
}

/** Labs a perturbation takes away at some point (they may lag behind the first halts). */
function isFaulted(l: HarnessNode, m: Manifest): boolean {
  return m.perturbations.some(
    (p) => (Array.isArray(p.target) ? p.target.includes(l.id) : p.target === l.id) || p.kind === 'partition',
  );
}

async function applyLater(
  c: Cluster,
  p: Perturbation,
  t0: number,
  note: (s: string) => void,
  live: InvariantResult[],
  applied: () => void,
): Promise<void> {
  await sleep(Math.max(0, t0 + p.at - Date.now()));
  const ids = Array.isArray(p.target) ? p.target : [p.target];
  const targets = ids.map((id) => c.node(id));
  const n = targets[0]!;
  switch (p.kind) {
    case 'kill': {
      await c.kill(n);
      applied();
      note(`kill -9 ${n.id}`);
      await sleep(p.durationMs);
      await c.start(n);
      note(`restarted ${n.id}`);
      return;
    }
    case 'restart': {
      await c.stop(n);
      applied();
      note(`SIGTERM ${n.id}`);
      await sleep(p.durationMs);
      await c.start(n);
      note(`restarted ${n.id}`);
      return;
    }
    case 'pause': {
      c.pause(n);
      applied();
      note(`SIGSTOP ${n.id} for ${p.durationMs} ms`);
      await sleep(p.durationMs);
      c.resume(n);
      note(`SIGCONT ${n.id}`);
      return;
    }
    case 'clock-skew': {
      await c.stop(n);
      n.skewMs = p.skewMs ?? 120_000;
      await c.start(n);
      applied();
      note(`${n.id} restarted with clock skew ${n.skewMs} ms`);
      await sleep(p.durationMs);
      await c.stop(n);
      n.skewMs = 0;
      await c.start(n);
      note(`${n.id} restarted with its clock fixed`);
      return;
    }
    case 'disconnect':
    case 'partition': {
      const others = c.nodes.filter((x) => !targets.includes(x));
      const sides = p.kind === 'disconnect' ? [others, targets] : [targets, others];
      await c.partition(sides); // returns once no node lists a peer across the cut
      applied();
      const before = await Promise.all(c.nodes.map((x) => heightOrNull(c, x)));
      note(`${p.kind}: {${ids.join(',')}} | {${others.map((x) => x.id).join(',')}} for ${p.durationMs} ms`);
      await sleep(p.durationMs);
      // live invariant: a side with fewer than t labs must not have advanced
      const after = await Promise.all(c.nodes.map((x) => heightOrNull(c, x)));
      for (const side of sides) {
        const labs = side.filter((x) => x.role === 'member').length;
        if (labs >= c.opts.threshold) continue;
        for (const x of side) {
          const i = c.nodes.indexOf(x);
          // a node down (killed / restarting) at either end of the window is not observed
          if (before[i] === null || after[i] === null) continue;
          const okSide = after[i] === before[i];
          live.push({
            name: 'no progress while cut off from t labs',
            ok: okSide,
            detail: `${x.id}: height ${before[i]} -> ${after[i]} while its side had ${labs} < t labs`,
          });
        }
      }
      // a minority side may not certify; if no side had t labs, nobody may have certified
      if (sides.every((s) => s.filter((x) => x.role === 'member').length < c.opts.threshold))
        note(`before heal: heights ${after.join(',')} (no side had t=${c.opts.threshold} labs)`);
      await c.heal();
      note('healed');
      return;
    }
  }
}

/** Sum of pausenet_messages_total by result from a node's Prometheus endpoint. */
async function verdictCounts(n: HarnessNode): Promise<{ accept: number; reject: number; ignore: number }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const out = { accept: 0, reject: 0, ignore: 0 };
    try {
      const res = await fetch(new URL('/metrics', n.apiUrl), { signal: AbortSignal.timeout(20_000) });
      for (const line of (await res.text()).split('\n')) {
        const m = /^pausenet_messages_total\{[^}]*result="(accept|reject|ignore)"[^}]*\} (\d+)/.exec(line);
        if (m) out[m[1] as 'accept' | 'reject' | 'ignore'] += Number(m[2]);
      }
      return out;
    } catch {
      await sleep(500);
    }
  }
  return { accept: 0, reject: 0, ignore: 0 };
}

/** A node's height, or null when its API does not answer (the node is down or restarting). */
async function heightOrNull(c: Cluster, n: HarnessNode): Promise<number | null> {
  if (!n.child?.running) return null;
  try {
    return (await c.status(n)).height;
  } catch {
    return null;
  }
}
