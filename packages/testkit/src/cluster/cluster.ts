import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagedChild } from '@pausenet/cli';
import type { Genesis, Policy } from '@pausenet/protocol';
import { type RawConfig, type TestNetworkFiles, writeConfigFile, writeTestNetwork } from '../files.js';
import { labOf, type TestNet } from '../genesis.js';
import type { TestLab } from '../labs.js';
import { spawnNode } from '../process.js';
import { sleep, waitFor } from '../wait.js';

const HOOK_LOG = fileURLToPath(new URL('../../bin/hook-log.mjs', import.meta.url));

/** Caps of a cluster's genesis: a run of 3e25 FLOP breaches the 1e25 largest-run cap. */
export const CLUSTER_CAPS = {
  trainingFlop: 10n ** 26n,
  largestRunFlop: 10n ** 25n,
  maxParams: 2n * 10n ** 12n,
  datasetTokens: 10n ** 14n,
} as const;

/** Subset of GET /v1/status the harness reads. */
export interface Status {
  networkId: string;
  self: string | null;
  peers: { peerId: string; lab: string | null }[];
  state: 'RUNNING' | 'PAUSED';
  height: number;
  labs: { id: string; connected: boolean }[];
  pendingVotes: { height: number; target: string; resolves: string[]; voters: string[]; needed: number }[];
  ready: boolean;
  breaches: {
    open: { id: string; kind: string; lab: string; epoch: number; actedOnHeight: number | null }[];
    openCount: number;
    resolvedCount: number;
  };
  hooks: {
    height: number;
    action: 'halt' | 'reduce' | 'resume';
    hook: string;
    status: string;
    attempts: number;
    lastError?: string | null;
    reasserts: number;
  }[];
}

/** One node process of a harness cluster. */
export interface HarnessNode {
  id: string;
  role: 'member' | 'observer';
  index: number;
  dataDir: string;
  configFile: string;
  controlFile: string;
  apiUrl: string;
  token?: string;
  peerId: string;
  addr: string;
  hookLog: string;
  /** The `file` hook's sentinel (ClusterOptions.fileHook). */
  sentinel: string;
  child?: ManagedChild;
  skewMs: number;
  /** Deliberate SIGKILLs by the harness. */
  kills: number;
  /** Harness-initiated stops (SIGKILL or SIGTERM) before the end: an in-flight hook may legitimately re-run after one. */
  restarts: number;
  /** Exits the harness did not cause (crashes). */
  crashes: string[];
  stopping: boolean;
  /** SIGSTOPped right now. */
  paused: boolean;
}

export interface ClusterOptions {
  labs: number;
  observers: number;
  threshold: number;
  /** Genesis policy overrides; `levels` maps breaches to REDUCED or PAUSED (docs/protocol.md "Levels"). */
  policy?: Partial<Pick<Policy, 'epochMs' | 'deadlineMs' | 'graceMs' | 'levels'>>;
  /** Max wait per step (ms). */
  stepTimeoutMs?: number;
  /** Also give every lab a `file` hook: a sentinel at `<dataDir>/run/PAUSED` (HarnessNode.sentinel). */
  fileHook?: boolean;
  /** Node config `limits` for every node (e.g. a higher perPeerMsgsPerSec for flood measurements). */
  limits?: { perPeerMsgsPerSec?: number };
}

export { sleep, waitFor };

/**
 * N labs + M observers as real `node` processes on 127.0.0.1 (each the launcher bin/node-main.mjs around
 * PausenetNode), BLS shares from the TRUSTED test dealer (not the DKG), perturbations by signals and by a
 * per-node connection-gater blocklist.
 */
export class Cluster {
  readonly nodes: HarnessNode[] = [];
  networkIdHex = '';
  readonly stepMs: number;
  private constructor(
    readonly files: TestNetworkFiles,
    readonly opts: ClusterOptions,
  ) {
    this.stepMs = opts.stepTimeoutMs ?? 180_000;
  }

  /** The tmp dir holding every node's data dir. */
  get root(): string {
    return this.files.dir;
  }
  /** The genesis, labs and dealt keys. */
  get net(): TestNet {
    return this.files;
  }
  get genesis(): Genesis {
    return this.files.genesis;
  }
  /** BLS shares by member index - 1 (TRUSTED test dealer). */
  get shares(): Uint8Array[] {
    return this.files.dealt?.shares ?? [];
  }
  /** A lab's keys (its Ed25519 identity signs what an adversary forges in its name). */
  lab(id: string): TestLab {
    return labOf(this.files, id);
  }
  get labs(): HarnessNode[] {
    return this.nodes.filter((n) => n.role === 'member');
  }
  get observers(): HarnessNode[] {
    return this.nodes.filter((n) => n.role === 'observer');
  }
  node(id: string): HarnessNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /**
   * Genesis (epochs of an hour from now, CLUSTER_CAPS, `policy` overrides, test-dealer keys), data dirs,
   * keystores and a config file per node: labs listen on fixed loopback ports and bootstrap to each other,
   * observers to every lab; every lab runs an exec hook logging "<action> <height>" to its hook-runs.log.
   * No process is started.
   */
  static async create(opts: ClusterOptions): Promise<Cluster> {
    const now = Date.now();
    const files = await writeTestNetwork({
      labs: opts.labs,
      observers: opts.observers,
      threshold: opts.threshold,
      name: 'pausenet-cluster',
      prefix: 'pausenet-harness-',
      ports: true,
      now,
      policy: {
        genesisTime: now,
        epochMs: 3_600_000,
        deadlineMs: 600_000,
        graceMs: 600_000,
        caps: { ...CLUSTER_CAPS },
        ...opts.policy,
      },
    });
    const c = new Cluster(files, opts);
    try {
      const labAddrs = files.members.map((m) => m.addr as string);
      for (const d of [...files.members, ...files.observers]) {
        const hookLog = join(d.dataDir, 'hook-runs.log');
        const sentinel = join(d.dataDir, 'run', 'PAUSED');
        const hooks: RawConfig[] = [];
        if (d.role === 'member') {
          hooks.push({
            type: 'exec',
            name: 'cluster-log',
            command: process.execPath,
            args: [HOOK_LOG, hookLog],
            timeoutMs: 10_000,
            // Log REDUCED as "reduce" (the default sends it as "halt"), so a run names its certificate's level.
            onReduce: 'reduce',
          });
          if (opts.fileHook) {
            await mkdir(join(d.dataDir, 'run'), { recursive: true });
            hooks.push({ type: 'file', name: 'sentinel', path: sentinel });
          }
        }
        const extra: RawConfig = {
          bootstrap: labAddrs.filter((a) => a !== d.addr),
          api: { host: '127.0.0.1', port: 0 },
          hooks,
          sync: { intervalMs: 1_000, timeoutMs: 5_000, maxBatch: 256 },
          logLevel: 'info',
          ...(opts.limits ? { limits: opts.limits } : {}),
        };
        const k = d.role === 'member' ? d.index - 1 : files.observers.indexOf(d);
        const configFile = join(d.dataDir, 'config.yaml');
        writeConfigFile(
          configFile,
          d.role === 'member' ? files.memberConfig(k, extra) : files.observerConfig(k, extra),
        );
        const controlFile = join(d.dataDir, 'harness-control.json');
        await writeFile(controlFile, JSON.stringify({ blocked: [] }));
        c.nodes.push({
          id: d.id,
          role: d.role,
          index: d.index,
          dataDir: d.dataDir,
          configFile,
          controlFile,
          apiUrl: '',
          peerId: d.peerId,
          addr: d.addr as string,
          hookLog,
          sentinel,
          skewMs: 0,
          kills: 0,
          restarts: 0,
          crashes: [],
          stopping: false,
          paused: false,
        });
      }
    } catch (err) {
      files.cleanup();
      throw err;
    }
    return c;
  }

  /** Start one node process (the harness launcher around PausenetNode) and wait for its API. */
  async start(n: HarnessNode): Promise<void> {
    n.stopping = false;
    const started = spawnNode(n.configFile, {
      name: n.id,
      controlFile: n.controlFile,
      skewMs: n.skewMs,
      env: this.files.env,
      logFile: join(n.dataDir, 'node.log'),
      timeoutMs: this.stepMs,
      onSpawn: (child) => {
        n.child = child;
        void child.exited.then(({ code, signal }) => {
          if (!n.stopping && n.child === child)
            n.crashes.push(`exit code ${code} signal ${signal}: ${child.tail(4)}`);
        });
      },
    });
    // the API port may be picked at start (port 0): take the URL the node printed
    n.apiUrl = (await started).apiUrl;
    if (n.role === 'member' && !n.token)
      n.token = (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim();
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.start(n)));
    this.networkIdHex = await waitFor(
      'the network id',
      async () => (await this.status(this.nodes[0]!)).networkId,
      { timeoutMs: this.stepMs },
    );
    await this.waitConnected(this.labs);
  }

  /** Every lab in `labs` sees every other lab in `labs` connected. */
  async waitConnected(labs: HarnessNode[]): Promise<void> {
    await waitFor(
      `labs ${labs.map((l) => l.id).join(',')} connected to each other`,
      async () => {
        const ss = await Promise.all(labs.map((l) => this.status(l)));
        return ss.every((s) =>
          labs.every((l) => l.id === s.self || s.labs.some((x) => x.id === l.id && x.connected)),
        )
          ? true
          : undefined;
      },
      { timeoutMs: this.stepMs, everyMs: 200 },
    );
  }

  /** SIGKILL (kill -9) and wait for the exit. */
  async kill(n: HarnessNode): Promise<void> {
    if (!n.child?.running) return;
    n.stopping = true;
    n.kills++;
    n.restarts++;
    n.child.proc.kill('SIGKILL');
    await n.child.exited;
  }
  /** SIGTERM (graceful) and wait. */
  async stop(n: HarnessNode): Promise<void> {
    if (n.child?.running) n.restarts++;
    n.stopping = true;
    await n.child?.stop(8000);
  }
  pause(n: HarnessNode): void {
    n.paused = true;
    n.child?.proc.kill('SIGSTOP');
  }
  resume(n: HarnessNode): void {
    n.paused = false;
    n.child?.proc.kill('SIGCONT');
  }

  /** Peer ids of non-node peers (the adversary): a partition puts them on the first side. */
  readonly outsiders: string[] = [];

  /** Replace `n`'s connection-gater blocklist (the launcher polls it every 100 ms and hangs up). */
  async block(n: HarnessNode, peerIds: string[]): Promise<void> {
    await writeFile(n.controlFile, JSON.stringify({ blocked: peerIds }));
  }
  /** Split into groups: nobody connects across groups (both directions gated); outsiders join group 0. */
  async partition(groups: HarnessNode[][]): Promise<void> {
    const acrossOf = (g: HarnessNode[]) =>
      new Set([
        ...groups
          .filter((x) => x !== g)
          .flat()
          .map((x) => x.peerId),
        ...(g === groups[0] ? [] : this.outsiders),
      ]);
    for (const g of groups) {
      const across = [...acrossOf(g)];
      for (const n of g) await this.block(n, across);
    }
    // in effect only once no running node still lists a peer across the cut (GET /v1/status peers)
    await waitFor(
      'the partition to take effect (no peer across the cut)',
      async () => {
        for (const g of groups) {
          const across = acrossOf(g);
          for (const n of g) {
            if (!n.child?.running || n.paused) continue;
            const s = await this.status(n);
            if (s.peers.some((p) => across.has(p.peerId))) return undefined;
          }
        }
        return true;
      },
      { timeoutMs: this.stepMs, everyMs: 100 },
    );
  }
  /** Remove every blocklist. */
  async heal(): Promise<void> {
    for (const n of this.nodes) await this.block(n, []);
  }

  async api<T>(n: HarnessNode, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, n.apiUrl), {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(n.token ? { authorization: `Bearer ${n.token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${n.id} ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
  status(n: HarnessNode): Promise<Status> {
    return this.api<Status>(n, 'GET', '/v1/status');
  }
  /** GET /v1/health: the HTTP status (200 ready, 503 not yet) and body. */
  async health(n: HarnessNode): Promise<{ code: number; body: { ready: boolean; reason: string | null } }> {
    const res = await fetch(new URL('/v1/health', n.apiUrl), { signal: AbortSignal.timeout(20_000) });
    return { code: res.status, body: (await res.json()) as { ready: boolean; reason: string | null } };
  }

  /** Wait until every node in `nodes` is at `height`/`state`; returns the time it was first seen. */
  async waitHeight(
    nodes: HarnessNode[],
    height: number,
    state: string,
    timeoutMs = this.stepMs,
  ): Promise<number> {
    return waitFor(
      `${nodes.map((n) => n.id).join(',')} at height ${height} ${state}`,
      async () => {
        const ss = await Promise.all(nodes.map((n) => this.status(n)));
        return ss.every((s) => s.height === height && s.state === state) ? Date.now() : undefined;
      },
      { timeoutMs: timeoutMs, everyMs: 100 },
    );
  }
  /** Wait until every lab in `labs` reports the hook for (height, action) ok. */
  async waitHooks(
    labs: HarnessNode[],
    height: number,
    action: 'halt' | 'reduce' | 'resume',
    timeoutMs = this.stepMs,
  ): Promise<number> {
    return waitFor(
      `${action} hooks at height ${height} on ${labs.map((n) => n.id).join(',')}`,
      async () => {
        const ss = await Promise.all(labs.map((n) => this.status(n)));
        return ss.every((s) =>
          s.hooks.some((h) => h.height === height && h.action === action && h.status === 'ok'),
        )
          ? Date.now()
          : undefined;
      },
      { timeoutMs: timeoutMs, everyMs: 100 },
    );
  }

  /** Stop every process (SIGCONT first, then SIGTERM) and optionally delete the temp dir. */
  async close(opts: { keep?: boolean } = {}): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        if (!n.child?.running) return;
        this.resume(n);
        n.stopping = true; // the final stop is not a restart
        await n.child.stop(8000);
      }),
    );
    if (!opts.keep) this.files.cleanup();
  }
}
