import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Genesis, Policy } from '@pausenet/protocol';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ManagedChild } from '../../packages/cli/dist/devnet/children.js';
import { DEVNET_PASSPHRASE, setupDevnet } from '../../packages/cli/dist/devnet/setup.js';
import { writeGenesis } from '../../packages/cli/dist/io/genesis.js';
import { DEVNET_SCRYPT, openKeystore, writeKeystore } from '../../packages/cli/dist/io/keystore.js';
import { type DealtKeys, testDealer } from './dealer.js';

const LAUNCHER = fileURLToPath(new URL('./node-main.mjs', import.meta.url));

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
    action: 'halt' | 'resume';
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
  policy?: Partial<Pick<Policy, 'epochMs' | 'deadlineMs' | 'graceMs'>>;
  /** Max wait per step (ms). */
  stepTimeoutMs?: number;
  /** Also give every lab a `file` hook: a sentinel at `<dataDir>/run/PAUSED` (HarnessNode.sentinel). */
  fileHook?: boolean;
  /** Node config `limits` for every node (e.g. a higher perPeerMsgsPerSec for flood measurements). */
  limits?: { perPeerMsgsPerSec?: number };
}

/** Poll `check` until it returns non-undefined; throws naming `what` on timeout. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (${(lastErr as Error).message})` : ''}`,
      );
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * N labs + M observers as real `node` processes on 127.0.0.1, keys and configs from the CLI's devnet
 * setup, BLS shares from the trusted testDealer (not the DKG), perturbations by signals and by a
 * per-node connection-gater blocklist.
 */
export class Cluster {
  readonly nodes: HarnessNode[] = [];
  genesis!: Genesis;
  networkIdHex = '';
  keys!: DealtKeys;
  readonly stepMs: number;
  private constructor(
    readonly root: string,
    readonly opts: ClusterOptions,
  ) {
    this.stepMs = opts.stepTimeoutMs ?? 180_000;
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

  /** Keys, genesis (policy overrides + testDealer key material), configs; no process started. */
  static async create(opts: ClusterOptions): Promise<Cluster> {
    const root = await mkdtemp(join(tmpdir(), 'pausenet-harness-'));
    const c = new Cluster(root, opts);
    try {
      const layout = await setupDevnet({
        root,
        labs: opts.labs,
        observers: opts.observers,
        threshold: opts.threshold,
        scenario: 'cap-breach',
      });
      c.keys = testDealer(opts.labs, opts.threshold);
      const g: Genesis = {
        ...layout.genesis,
        policy: { ...layout.genesis.policy, ...opts.policy },
        dkg: c.keys.dkg,
      };
      c.genesis = g;
      await writeGenesis(layout.genesisFile, g);
      for (const n of [...layout.labs, ...layout.observers]) {
        if (!opts.limits && !(opts.fileHook && n.role === 'member')) continue;
        const cfg = parseYaml(await readFile(n.configFile, 'utf8')) as Record<string, unknown> & {
          hooks: unknown[];
        };
        if (opts.limits) cfg.limits = { ...(cfg.limits as object | undefined), ...opts.limits };
        if (opts.fileHook && n.role === 'member') {
          await mkdir(join(n.dataDir, 'run'), { recursive: true });
          cfg.hooks.push({ type: 'file', name: 'sentinel', path: join(n.dataDir, 'run', 'PAUSED') });
        }
        await writeFile(n.configFile, stringifyYaml(cfg));
      }
      for (const l of layout.labs) {
        await writeGenesis(l.genesisFile, g);
        const ks = join(l.dataDir, 'keystore.json');
        const { secrets } = await openKeystore(ks, DEVNET_PASSPHRASE);
        const share = c.keys.shares[l.index - 1]!;
        await writeKeystore(ks, { ...secrets, blsShare: share }, DEVNET_PASSPHRASE, DEVNET_SCRYPT);
      }
      for (const d of [...layout.labs, ...layout.observers]) {
        const controlFile = join(d.dataDir, 'harness-control.json');
        await writeFile(controlFile, JSON.stringify({ blocked: [] }));
        c.nodes.push({
          id: d.id,
          role: d.role,
          index: d.index,
          dataDir: d.dataDir,
          configFile: d.configFile,
          controlFile,
          apiUrl: d.api.url,
          peerId: d.peerId,
          addr: d.role === 'member' ? d.addr : d.addr,
          hookLog: d.hookLog,
          sentinel: join(d.dataDir, 'run', 'PAUSED'),
          skewMs: 0,
          kills: 0,
          restarts: 0,
          crashes: [],
          stopping: false,
          paused: false,
        });
      }
    } catch (err) {
      await rm(root, { recursive: true, force: true });
      throw err;
    }
    return c;
  }

  /** Start one node process (the harness launcher around PausenetNode) and wait for its API. */
  async start(n: HarnessNode): Promise<void> {
    n.stopping = false;
    const child = new ManagedChild({
      name: n.id,
      command: process.execPath,
      args: [LAUNCHER, n.configFile, n.controlFile],
      env: { ...process.env, PAUSENET_CLOCK_SKEW_MS: String(n.skewMs) },
      logFile: join(n.dataDir, 'node.log'),
    });
    n.child = child;
    void child.exited.then(({ code, signal }) => {
      if (!n.stopping && n.child === child)
        n.crashes.push(`exit code ${code} signal ${signal}: ${child.tail(4)}`);
    });
    const line = await child.waitForLine((s) => s.includes(' started: '), this.stepMs);
    // the API port may be picked at start (port 0): take the URL the node printed
    const url = / api (http:\/\/[^\s,]+)/.exec(line)?.[1];
    if (url) n.apiUrl = url;
    if (n.role === 'member' && !n.token)
      n.token = (await readFile(join(n.dataDir, 'api-token'), 'utf8')).trim();
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.start(n)));
    this.networkIdHex = await waitFor(
      'the network id',
      async () => (await this.status(this.nodes[0]!)).networkId,
      this.stepMs,
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
      this.stepMs,
      200,
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
      this.stepMs,
      100,
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
      timeoutMs,
      100,
    );
  }
  /** Wait until every lab in `labs` reports the hook for (height, action) ok. */
  async waitHooks(
    labs: HarnessNode[],
    height: number,
    action: 'halt' | 'resume',
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
      timeoutMs,
      100,
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
    if (!opts.keep) await rm(this.root, { recursive: true, force: true });
  }
}
