// Over 400 lines on purpose: each devnet scenario is a short script over the same running network (start,
// commit, breach, approve, restart, report), and they read best next to each other.
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StatusBody } from '@pausenet/protocol/api';
import { apiCall, readApiToken } from '../io/api-client.js';
import { loadGenesis } from '../io/genesis.js';
import { ChildSet, type ManagedChild } from './children.js';
import { publishEquivocation } from './equivocate.js';
import { checkReceipts } from './receipts.js';
import { DEVNET_PASSPHRASE, type DevnetLayout, setupDevnet } from './setup.js';
import { Timeline } from './timeline.js';
import type { DevnetNode, DevnetResult, Scenario } from './types.js';
import { sleep, waitFor } from './wait.js';
import { StatusWatcher } from './watcher.js';

export interface DevnetOptions {
  labs: number;
  observers: number;
  threshold: number;
  scenario: Scenario;
  json: boolean;
  keep: boolean;
  /** Hook configs for lab 1 in addition to the exec log hook (--slurm). */
  extraHooksLab1?: Record<string, unknown>[];
  /** Max wait for each scenario step (ms). */
  stepTimeoutMs?: number;
}

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));

interface CertJson {
  hash?: string;
  height: number;
  target: string;
  step: 'up' | 'down';
  statement: string;
  signature: string;
  signers: string[];
}

/** Normal metrics for a lab (well under the devnet caps). */
function normalMetrics(i: number) {
  return {
    trainingFlop: `${2 + i}000000000000000000000000`,
    largestRunFlop: `${5 + i}00000000000000000000000`,
    maxParams: '70000000000',
    datasetTokens: '2000000000000',
    acceleratorHours: String(100_000 + 1000 * i),
    utilizationBps: 8000 + 10 * i,
  };
}

/** The breach: a run of 3e25 FLOP against a 1e25 largest-run cap. */
const BREACH_METRICS = {
  trainingFlop: '40000000000000000000000000',
  largestRunFlop: '30000000000000000000000000',
  maxParams: '1500000000000',
  datasetTokens: '20000000000000',
  acceleratorHours: '900000',
  utilizationBps: 9500,
};

/** The API URL in the node.started line `pausenet start` prints on stdout (a JSON line), else undefined. */
function startedApiOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const o = JSON.parse(line) as { event?: unknown; api?: unknown };
    return o.event === 'node.started' && typeof o.api === 'string' ? o.api : undefined;
  } catch {
    return undefined;
  }
}

/** Run a local devnet: keys, genesis, real DKG among lab processes, nodes, scenario, result. */
export async function runDevnet(o: DevnetOptions): Promise<DevnetResult> {
  const out = o.json ? process.stderr : process.stdout;
  const tl = new Timeline(out);
  const stepMs = o.stepTimeoutMs ?? 60_000;
  const root = await mkdtemp(join(tmpdir(), 'pausenet-devnet-'));
  const set = new ChildSet();
  set.onClose(async () => {
    if (o.keep) out.write(`\ndata dirs kept in ${root}\n`);
    else await rm(root, { recursive: true, force: true });
  });
  const problems: string[] = [];
  let layout: DevnetLayout | undefined;
  const result: DevnetResult = {
    ok: false,
    problems,
    scenario: o.scenario,
    labs: o.labs,
    observers: o.observers,
    threshold: o.threshold,
    networkId: '',
    groupPublicKey: '',
    finalState: 'RUNNING',
    height: 0,
    certificates: [],
    receipts: [],
    nodes: [],
    timings: {
      dkgMs: null,
      breachToCertificateMs: null,
      breachToAllHaltedMs: null,
      resumeToAllResumedMs: null,
    },
    ...(o.keep ? { dataDir: root } : {}),
  };
  let watcher: StatusWatcher | undefined;
  try {
    tl.note(
      `pausenet devnet: ${o.labs} labs + ${o.observers} observer(s), threshold ${o.threshold}, scenario ${o.scenario}\n  data dir ${root}${o.keep ? ' (kept)' : ' (removed on exit)'}`,
    );
    tl.phase('setup: keys and genesis');
    layout = await setupDevnet({ root, ...o });
    const L = layout;
    for (const l of L.labs)
      tl.event(l.id, `identity key + node key created (peer ${l.peerId.slice(0, 16)}…)`);

    // --- DKG among lab processes (no trusted dealer)
    tl.phase('distributed key generation (one `pausenet dkg` process per lab)');
    const t0 = Date.now();
    const dkgChildren = L.labs.map((l) =>
      set.spawn({
        name: `${l.id}-dkg`,
        command: process.execPath,
        args: [
          BIN,
          'dkg',
          '--config',
          l.configFile,
          '--json',
          '--phase-timeout',
          '20000',
          '--connect-timeout',
          '30000',
          '--linger',
          '1000',
        ],
        logFile: join(l.dataDir, 'dkg.log'),
      }),
    );
    const dkgResults = await Promise.all(
      dkgChildren.map(async (c, i) => {
        const line = await c
          .waitForLine((s) => s.startsWith('{'), stepMs + 30_000)
          .catch((err: Error) => {
            throw new Error(`DKG of ${L.labs[i]!.id} failed: ${err.message}`);
          });
        const r = JSON.parse(line) as { groupPublicKey: string; transcriptHash: string; ms: number };
        tl.event(
          L.labs[i]!.id,
          `DKG done in ${r.ms} ms: group key ${r.groupPublicKey.slice(0, 16)}…, transcript ${r.transcriptHash.slice(0, 12)}…`,
        );
        return r;
      }),
    );
    await Promise.all(dkgChildren.map((c) => c.exited));
    result.timings.dkgMs = Date.now() - t0;
    const gpk = dkgResults[0]!.groupPublicKey;
    if (
      dkgResults.some((r) => r.groupPublicKey !== gpk || r.transcriptHash !== dkgResults[0]!.transcriptHash)
    )
      throw new Error('labs computed different DKG results');
    const texts = await Promise.all(L.labs.map((l) => readFile(l.genesisFile, 'utf8')));
    if (texts.some((t) => t !== texts[0]))
      throw new Error('labs wrote different genesis files after the DKG');
    await copyFile(L.labs[0]!.genesisFile, L.genesisFile);
    result.groupPublicKey = gpk;
    tl.event(
      'network',
      `all ${o.labs} labs agree: group public key ${gpk.slice(0, 32)}… (${result.timings.dkgMs} ms)`,
    );
    void loadGenesis(L.genesisFile);

    // --- start nodes
    const all = [...L.labs, ...L.observers];
    const startNode = async (n: DevnetNode): Promise<void> => {
      n.child = set.spawn({
        name: n.id,
        command: process.execPath,
        args: [BIN, 'start', '--config', n.configFile],
        logFile: join(n.dataDir, 'node.log'),
      });
      const line = await n.child.waitForLine((s) => startedApiOf(s) !== undefined, stepMs);
      // the API port is picked by the node (port 0) to avoid racing other processes for it
      const url = startedApiOf(line);
      if (!url) throw new Error(`${n.id}: cannot find the API URL in "${line}"`);
      n.api.url = url;
      n.api.token = n.role === 'member' ? await readApiToken(join(n.dataDir, 'api-token')) : undefined;
      tl.event(n.id, `${n.role} node started (api ${n.api.url})`);
    };
    const partitioned = o.scenario === 'partition' ? L.labs.slice(2) : [];
    // rejoin: the last lab is offline during the pause and the resume, and starts afterwards.
    const offline = o.scenario === 'rejoin' ? L.labs.slice(-1) : [];
    const firstWave = all.filter((n) => !partitioned.includes(n) && !offline.includes(n));
    // The labs that live through the pause and the resume (whose hooks the scenario waits for).
    const onlineLabs = L.labs.filter((l) => !offline.includes(l));
    tl.phase(
      partitioned.length
        ? `start nodes (partition: ${partitioned.map((n) => n.id).join(', ')} held back)`
        : offline.length
          ? `start nodes (${offline.map((n) => n.id).join(', ')} offline until after the resume)`
          : 'start nodes',
    );
    await Promise.all(firstWave.map(startNode));
    watcher = new StatusWatcher(all, tl);
    const status = (n: DevnetNode) =>
      apiCall<StatusBody>(n.api, 'GET', '/v1/status', undefined, { timeoutMs: 3000 });
    const running = () => all.filter((n) => n.child?.running);
    const upLabs = () => L.labs.filter((n) => n.child?.running);
    await waitFor(
      'labs to connect to each other',
      async () => {
        const ss = await Promise.all(upLabs().map(status));
        const need = upLabs().length - 1;
        return ss.every((s) => s.labs.filter((l) => l.connected && l.id !== s.self).length >= need)
          ? true
          : undefined;
      },
      { timeoutMs: stepMs },
    );
    const s0 = await status(L.labs[0]!);
    result.networkId = s0.networkId;
    tl.event('network', `labs connected; network id ${s0.networkId.slice(0, 16)}…`);
    await sleep(1000); // let gossip meshes form (heartbeat)
    watcher.start();

    // --- commitments
    tl.phase('labs publish signed compute commitments');
    const commit = async (l: DevnetNode, metrics: Record<string, unknown>, note = '') => {
      const c = await apiCall<{ hash: string; epoch: number; seq: number }>(
        l.api,
        'POST',
        '/v1/commitments',
        { metrics },
        { timeoutMs: 30_000 },
      );
      tl.event(
        l.id,
        `commitment epoch ${c.epoch} seq ${c.seq}: largest run ${fmtFlop(String(metrics.largestRunFlop))} FLOP${note} (${c.hash.slice(0, 10)}…)`,
      );
      return c;
    };
    // One commitment per lab per epoch: the breaching lab's epoch commitment is the breach itself;
    // in `missed` the last lab stays silent.
    const capBreach =
      o.scenario === 'cap-breach' ||
      o.scenario === 'reduce' ||
      o.scenario === 'partition' ||
      o.scenario === 'rejoin';
    // The level the breach leads to (policy.levels, set up by setupDevnet) and the hook action it runs.
    const { level: upLevel, action: upAction } = stepUpOf(o.scenario);
    const breacher = capBreach ? L.labs[1] : undefined;
    const silent = o.scenario === 'missed' ? L.labs[L.labs.length - 1] : undefined;
    for (const [i, l] of upLabs().entries())
      if (l !== breacher && l !== silent) await commit(l, normalMetrics(i));

    const labsOf = (ns: DevnetNode[]) => ns.filter((n) => n.role === 'member');
    const waitAllAt = async (height: number, state: string, nodes: DevnetNode[]) =>
      waitFor(
        `all nodes at height ${height} (${state})`,
        async () => {
          const ss = await Promise.all(nodes.map(status));
          return ss.every((s) => s.height === height && s.state === state) ? Date.now() : undefined;
        },
        { timeoutMs: stepMs, intervalMs: 100 },
      );
    const waitHooks = async (height: number, action: string, nodes: DevnetNode[]) =>
      waitFor(
        `${action} hooks at height ${height} on ${nodes.map((n) => n.id).join(', ')}`,
        async () => {
          const ss = await Promise.all(nodes.map(status));
          return ss.every((s) =>
            s.hooks.some((h) => h.height === height && h.action === action && h.status === 'ok'),
          )
            ? Date.now()
            : undefined;
        },
        { timeoutMs: stepMs, intervalMs: 100 },
      );
    // Receipts (docs/protocol.md "Receipts"): every node holds each lab's receipt for the applied
    // certificate (waiting also keeps a resume from superseding a receipt not yet signed). A receipt
    // that reports a failed hook ("failing") ends the wait too: the result lists it as not ok.
    const waitReceipts = async (height: number, labs: DevnetNode[], nodes: DevnetNode[]) =>
      waitFor(
        `receipts of ${labs.map((l) => l.id).join(', ')} for height ${height} on every node`,
        async () => {
          const ss = await Promise.all(nodes.map(status));
          const held = (x: { status: string }) => x.status === 'confirmed' || x.status === 'failing';
          return ss.every(
            (s) =>
              s.receipts?.height === height &&
              labs.every((l) => s.receipts?.labs.some((x) => x.lab === l.id && held(x))),
          )
            ? true
            : undefined;
        },
        { timeoutMs: stepMs, intervalMs: 100 },
      );
    const firstCertAt = async (height: number) =>
      waitFor(
        `a certificate at height ${height}`,
        async () => {
          const ss = await Promise.all(running().map(status));
          return ss.some((s) => s.height >= height) ? Date.now() : undefined;
        },
        { timeoutMs: stepMs, intervalMs: 50 },
      );

    if (o.scenario === 'honest') {
      tl.phase('honest: every commitment is under the caps; nobody votes');
      await sleep(4000);
      const ss = await Promise.all(running().map(status));
      if (ss.some((s) => s.height !== 0)) problems.push('honest scenario produced a certificate');
      else tl.event('network', 'no breach, no votes, no certificate: still RUNNING at height 0');
    } else {
      // --- breach
      let breachAt = 0;
      if (capBreach) {
        tl.phase(
          `breach: ${L.labs[1]!.id} reports a training run over the largest-run cap (${fmtFlop(BREACH_METRICS.largestRunFlop)} > 1e25 FLOP)${upLevel === 'REDUCED' ? '; policy levels: largestRunFlop -> REDUCED' : ''}`,
        );
        breachAt = Date.now();
        await commit(L.labs[1]!, BREACH_METRICS, ' — OVER CAP');
      } else if (o.scenario === 'equivocation') {
        tl.phase(`breach: ${L.labs[1]!.id} signs two different commitments for the same epoch`);
        const h = await publishEquivocation({
          lab: L.labs[1]!,
          via: L.labs.filter((l) => l !== L.labs[1]),
          passphrase: DEVNET_PASSPHRASE,
          networkIdHex: result.networkId,
          scratchDir: root,
        });
        breachAt = h.publishedAt;
        tl.event(
          L.labs[1]!.id,
          `conflicting commitment for the same epoch published by the devnet injector (${h.hash.slice(0, 10)}…)`,
        );
      } else if (o.scenario === 'missed') {
        const missing = L.labs[L.labs.length - 1]!;
        const epoch =
          (
            await apiCall<{ epoch: number }[]>(L.labs[0]!.api, 'GET', `/v1/commitments?lab=${L.labs[0]!.id}`)
          )[0]?.epoch ?? 0;
        const g = L.genesis.policy;
        const due = g.genesisTime + (epoch + 1) * g.epochMs + g.deadlineMs + g.graceMs;
        tl.phase(
          `breach: ${missing.id} misses its epoch-${epoch} commitment (deadline + grace at +${((due - Date.now()) / 1000).toFixed(1)}s)`,
        );
        await sleep(Math.max(0, due - Date.now()) + 300);
        breachAt = Date.now();
        const ev = await apiCall<{ breach: string }>(
          L.labs[0]!.api,
          'POST',
          '/v1/evidence',
          { kind: 'missed', lab: missing.id, epoch },
          { timeoutMs: 30_000 },
        );
        tl.event(
          L.labs[0]!.id,
          `filed "missed" evidence against ${missing.id} for epoch ${epoch} (judged evidence: needs operator approval; breach ${ev.breach.slice(0, 12)}…)`,
        );
        // Approvals name the breach they approve (it may not have reached every lab yet: the vote waits for it).
        for (const l of L.labs.slice(0, o.threshold)) {
          await apiCall(
            l.api,
            'POST',
            '/v1/approve',
            { height: 1, target: 'PAUSED', breaches: [ev.breach] },
            { timeoutMs: 30_000 },
          );
          tl.event(l.id, `operator approved PAUSE at height 1 for breach ${ev.breach.slice(0, 12)}…`);
        }
      }
      tl.mark('breach', breachAt);

      if (o.scenario === 'partition') {
        tl.phase(`partition: only ${upLabs().length} of ${o.labs} labs online, threshold ${o.threshold}`);
        await sleep(4000);
        const ss = await Promise.all(running().map(status));
        if (ss.some((s) => s.height !== 0))
          problems.push('a certificate formed with fewer than t labs connected');
        else
          tl.event(
            'network',
            `no certificate after 4 s: ${upLabs().length} labs < threshold ${o.threshold} (as it must be)`,
          );
        tl.phase(`heal: starting ${partitioned.map((n) => n.id).join(', ')}`);
        tl.mark('heal');
        await Promise.all(partitioned.map(startNode));
        watcher.start();
      }

      const certAt = await firstCertAt(1);
      const halted = await waitHooks(1, upAction, onlineLabs);
      // precise times come from the SSE streams (marks); the polling results are the fallback
      result.timings.breachToCertificateMs = (tl.marks.get('certificate:1') ?? certAt) - breachAt;
      result.timings.breachToAllHaltedMs =
        lastMark(
          tl,
          onlineLabs.map((l) => `hook:${upAction}:1:${l.id}`),
          halted,
        ) - breachAt;
      await waitAllAt(1, upLevel, running());
      tl.event(
        'network',
        `every node ${upLevel} at height 1; every lab's ${upAction} hook ran (${result.timings.breachToAllHaltedMs} ms after the breach)`,
      );
      await waitReceipts(1, onlineLabs, running());
      tl.event('network', `every node holds every lab's signed receipt for height 1 (${upLevel})`);

      // --- resume
      tl.phase('operators approve the resume (t labs call POST /v1/approve)');
      await sleep(500);
      const resumeAt = Date.now();
      tl.mark('resume', resumeAt);
      for (const l of labsOf(running()).slice(0, o.threshold)) {
        await apiCall(l.api, 'POST', '/v1/approve', { height: 2, target: 'RUNNING' }, { timeoutMs: 30_000 });
        tl.event(l.id, 'operator approved RESUME at height 2');
      }
      const resumed = await waitHooks(2, 'resume', onlineLabs);
      await waitAllAt(2, 'RUNNING', running());
      await waitReceipts(2, onlineLabs, running());
      result.timings.resumeToAllResumedMs =
        lastMark(
          tl,
          onlineLabs.map((l) => `hook:resume:2:${l.id}`),
          resumed,
        ) - resumeAt;
      tl.event(
        'network',
        `every node RUNNING at height 2; every lab's resume hook ran (${result.timings.resumeToAllResumedMs} ms after the approvals)`,
      );

      if (offline.length > 0) {
        // --- rejoin: the lab that missed the pause and the resume starts now, syncs the old commitments
        // (the over-cap one included) and the certificates; the network must stay RUNNING at 2.
        const before = await Promise.all(onlineLabs.map((l) => hookLog(l)));
        tl.phase(`rejoin: ${offline.map((n) => n.id).join(', ')} starts after the pause and the resume`);
        const rejoinAt = Date.now();
        await Promise.all(offline.map(startNode));
        watcher.start();
        await waitAllAt(2, 'RUNNING', running());
        const want = (await status(onlineLabs[0]!)).labs.map((l) => l.lastCommitment?.hash ?? null);
        await waitFor(
          `${offline.map((n) => n.id).join(', ')} to sync every commitment`,
          async () => {
            const ss = await Promise.all(offline.map(status));
            return ss.every((x) => x.labs.every((l, i) => (l.lastCommitment?.hash ?? null) === want[i]))
              ? true
              : undefined;
          },
          { timeoutMs: stepMs, intervalMs: 200 },
        );
        await waitReceipts(2, L.labs, running());
        tl.event(
          'network',
          `${offline.map((n) => n.id).join(', ')} synced (${Date.now() - rejoinAt} ms): the breach it re-detects is the one the resume resolved`,
        );
        await sleep(REJOIN_QUIET_MS);
        const ss = await Promise.all(running().map(status));
        if (ss.some((x) => x.height !== 2 || x.state !== 'RUNNING'))
          problems.push(
            `after the rejoin: ${ss.map((x, i) => `${running()[i]!.id} ${x.state}@${x.height}`).join(', ')}, expected RUNNING at 2`,
          );
        if (ss.some((x) => x.pendingVotes.some((v) => v.height > 2)))
          problems.push('after the rejoin a vote for height 3 is pending');
        const after = await Promise.all(onlineLabs.map((l) => hookLog(l)));
        onlineLabs.forEach((l, i) => {
          if (after[i] !== before[i]) problems.push(`${l.id}: a hook ran again after the rejoin`);
        });
        if (problems.length === 0)
          tl.event(
            'network',
            `${REJOIN_QUIET_MS / 1000} s later: still RUNNING at height 2 everywhere, no vote, no hook ran again`,
          );
      }
    }
    await sleep(300);
    await watcher.stop();

    // --- collect
    tl.phase('result');
    // collection must not fail on one slow answer from a loaded machine: retry with a long timeout
    const get = async <T>(n: DevnetNode, path: string): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await apiCall<T>(n.api, 'GET', path, undefined, { timeoutMs: 20_000 });
        } catch (err) {
          if (attempt >= 3) throw err;
          await sleep(500);
        }
      }
    };
    const certs = await get<CertJson[]>(running()[0]!, '/v1/certificates');
    result.certificates = certs
      .map((c) => ({
        height: c.height,
        target: c.target,
        step: c.step,
        statement: c.statement,
        signature: c.signature,
        signers: c.signers,
      }))
      .sort((a, b) => a.height - b.height);
    const checked = checkReceipts({
      genesis: await loadGenesis(L.genesisFile),
      receipts: await get<unknown[]>(running()[0]!, '/v1/receipts'),
      certificates: certs,
      now: Date.now(),
    });
    result.receipts = checked.receipts;
    problems.push(...checked.problems);
    for (const n of all) {
      const s = await get<StatusBody>(n, '/v1/status');
      const commitments = await get<unknown[]>(n, '/v1/commitments');
      const nc = await get<unknown[]>(n, '/v1/certificates');
      result.nodes.push({
        id: n.id,
        role: n.role,
        state: s.state,
        height: s.height,
        commitments: commitments.length,
        certificates: nc.length,
        hooks: n.role === 'member' ? await hookRuns(n, s) : [],
      });
    }
    const first = result.nodes[0]!;
    result.finalState = first.state as DevnetResult['finalState'];
    result.height = first.height;
    checkExpectations(
      o,
      result,
      offline.map((n) => n.id),
    );
    for (const c of result.certificates)
      tl.event(
        'certificate',
        `height ${c.height} -> ${c.target}, signers ${c.signers.join(', ')}, sig ${c.signature.slice(0, 16)}…`,
      );
    for (const r of result.receipts)
      tl.event(
        r.lab,
        `receipt for height ${r.height} ${r.target}: ${r.ok ? 'signature valid, hooks ok' : 'NOT OK'}`,
      );
    for (const n of result.nodes)
      tl.event(
        n.id,
        `${n.state} h=${n.height} commitments=${n.commitments} certificates=${n.certificates}${n.hooks.length ? ` hooks: ${n.hooks.map((h) => `${h.action}@${h.height} (${h.level ?? '?'}) x${h.runs}${h.ok ? '' : ' FAILED'}`).join(', ')}` : ''}`,
      );
    const t = result.timings;
    tl.note(
      `\ntimings: dkg ${t.dkgMs} ms; breach -> certificate ${t.breachToCertificateMs ?? '-'} ms; breach -> all halted ${t.breachToAllHaltedMs ?? '-'} ms; resume -> all resumed ${t.resumeToAllResumedMs ?? '-'} ms`,
    );
    result.ok = problems.length === 0;
    tl.note(result.ok ? `devnet ${o.scenario}: OK` : `devnet ${o.scenario}: FAILED: ${problems.join('; ')}`);
  } catch (err) {
    problems.push((err as Error).message.split('\n')[0]!);
    result.ok = false;
    if (set.interrupted) {
      out.write('devnet interrupted\n');
      return result;
    }
    out.write(`\ndevnet failed: ${(err as Error).message}\n`);
    if (layout) {
      for (const n of [...layout.labs, ...layout.observers]) if (n.child) out.write(`${n.child.tail(6)}\n`);
      out.write(`(logs: rerun with --keep and read <data dir>/<node>/node.log, dkg.log)\n`);
    }
  } finally {
    await watcher?.stop();
    await stopAll(layout, set, tl, o.json);
  }
  return result;
}

async function stopAll(
  layout: DevnetLayout | undefined,
  set: ChildSet,
  tl: Timeline,
  quiet: boolean,
): Promise<void> {
  const nodes = layout ? [...layout.labs, ...layout.observers].filter((n) => n.child?.running) : [];
  if (nodes.length && !quiet) tl.note('\nstopping nodes (SIGTERM)...');
  await Promise.all(nodes.map((n) => (n.child as ManagedChild).stop(8000)));
  await set.close();
}

/** How long the rejoin scenario watches for a re-pause after the rejoining lab has synced. */
const REJOIN_QUIET_MS = 5_000;

/** The lab's exec hook log ('' when no hook ran). */
async function hookLog(n: DevnetNode): Promise<string> {
  return readFile(n.hookLog, 'utf8').catch(() => '');
}

/** Runs per (height, action) from the lab's hook log file ("<action> <height> <level>"), ok from its status. */
async function hookRuns(n: DevnetNode, s: StatusBody): Promise<DevnetResult['nodes'][number]['hooks']> {
  let lines: string[] = [];
  try {
    lines = (await readFile(n.hookLog, 'utf8')).split('\n').filter(Boolean);
  } catch {
    // no hook ran
  }
  const counts = new Map<string, number>();
  const levels = new Map<string, string>();
  for (const line of lines) {
    const [action, height, level] = line.split(' ');
    const k = `${action} ${height}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    if (level) levels.set(k, level);
  }
  const keys = new Set<string>([
    ...counts.keys(),
    ...s.hooks.filter((h) => h.hook === 'devnet-log').map((h) => `${h.action} ${h.height}`),
  ]);
  return [...keys]
    .map((k) => {
      const [action, h] = k.split(' ');
      const height = Number(h);
      const st = s.hooks.find((x) => x.hook === 'devnet-log' && x.height === height && x.action === action);
      const level = levels.get(k);
      return {
        height,
        action: action as 'halt' | 'reduce' | 'resume',
        level: isLevel(level) ? level : null,
        runs: counts.get(k) ?? 0,
        ok: st?.status === 'ok',
      };
    })
    .sort((a, b) => a.height - b.height);
}

function checkExpectations(o: DevnetOptions, r: DevnetResult, offline: readonly string[]): void {
  const p = r.problems;
  const expectHeight = o.scenario === 'honest' ? 0 : 2;
  const up = stepUpOf(o.scenario);
  for (const n of r.nodes) {
    if (n.height !== expectHeight || n.state !== 'RUNNING')
      p.push(`${n.id} ended ${n.state} at height ${n.height}, expected RUNNING at ${expectHeight}`);
    if (n.role !== 'member') continue;
    if (offline.includes(n.id)) {
      // Offline during the pause and the resume: catching up, it applies heights 1 and 2 in order and
      // its hooks end in the certified state (a halt superseded by the resume may not have run at all).
      const resume = n.hooks.find((x) => x.height === 2 && x.action === 'resume');
      const halt = n.hooks.find((x) => x.height === 1 && x.action === 'halt');
      if (resume?.runs !== 1 || !resume.ok)
        p.push(
          `${n.id}: resume hook for height 2 ran ${resume?.runs ?? 0} time(s), ok=${resume?.ok ?? false}`,
        );
      if ((halt?.runs ?? 0) > 1) p.push(`${n.id}: halt hook for height 1 ran ${halt?.runs} times`);
      if (n.hooks.some((x) => x.height > 2)) p.push(`${n.id}: a hook ran for a height above 2`);
      continue;
    }
    for (const [h, action, level] of expectHeight
      ? ([
          [1, up.action, up.level],
          [2, 'resume', 'RUNNING'],
        ] as const)
      : []) {
      const e = n.hooks.find((x) => x.height === h && x.action === action);
      if (e?.runs !== 1 || !e.ok)
        p.push(`${n.id}: ${action} hook for height ${h} ran ${e?.runs ?? 0} time(s), ok=${e?.ok ?? false}`);
      else if (e.level !== level)
        p.push(`${n.id}: ${action} hook for height ${h} was given level ${e.level}`);
    }
  }
  // One ok receipt per lab per certificate; a lab that was offline gets none for the certificates it
  // passed while catching up (docs/protocol.md "Receipts": the one in force gets it).
  const final = r.certificates[r.certificates.length - 1]?.height;
  for (const c of r.certificates)
    for (const n of r.nodes) {
      if (n.role !== 'member' || (offline.includes(n.id) && c.height !== final)) continue;
      const got = r.receipts.filter((x) => x.lab === n.id && x.height === c.height && x.target === c.target);
      if (got.length !== 1 || !got[0]!.ok)
        p.push(
          `${n.id}: ${got.length} receipt(s) for height ${c.height} ${c.target}, ok=${got[0]?.ok ?? false}`,
        );
    }
  const targets = r.certificates.map((c) => `${c.target}@${c.height}`).join(', ');
  const want = expectHeight ? `${up.level}@1, RUNNING@2` : '';
  if (targets !== want) p.push(`expected certificates [${want}], got [${targets}]`);
}

function isLevel(x: string | undefined): x is 'RUNNING' | 'REDUCED' | 'PAUSED' {
  return x === 'RUNNING' || x === 'REDUCED' || x === 'PAUSED';
}

/** The level a scenario's breach leads to (reduce: policy.levels maps it to REDUCED) and its hook action. */
function stepUpOf(scenario: Scenario): { level: 'REDUCED' | 'PAUSED'; action: 'reduce' | 'halt' } {
  return scenario === 'reduce' ? { level: 'REDUCED', action: 'reduce' } : { level: 'PAUSED', action: 'halt' };
}

/** The latest of the marks `names` (all must exist), else `fallback`. */
function lastMark(tl: Timeline, names: string[], fallback: number): number {
  const at = names.map((n) => tl.marks.get(n));
  return at.every((x) => x !== undefined) ? Math.max(...(at as number[])) : fallback;
}

function fmtFlop(s: string): string {
  const n = BigInt(s);
  if (n === 0n) return '0';
  const digits = n.toString();
  const exp = digits.length - 1;
  const mant = `${digits[0]}${digits.length > 1 && digits[1] !== '0' ? `.${digits[1]}` : ''}`;
  return `${mant}e${exp}`;
}
