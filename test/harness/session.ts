import { Cluster, type ClusterOptions, type HarnessNode, sleep, waitFor } from '@pausenet/testkit/cluster';
import { Adversary } from '../adversary/adversary.js';
import { BREACH_METRICS, normalMetrics } from './driver.js';
import { checkInvariants, type InvariantReport, snapshotNode } from './invariants.js';

/**
 * A free-form scenario on a harness cluster (for flows runManifest does not cover: a lab offline for a
 * whole pause and resume, restarts while paused, breaches during a pause): start some nodes, commit,
 * approve, perturb, then stop everything and check every invariant over the SQLite files.
 */
export class Session {
  readonly log: string[] = [];
  /** Commitment hashes the honest driver published. */
  readonly published = new Set<string>();
  adversary: Adversary | undefined;
  private readonly t0 = Date.now();

  private constructor(
    readonly cluster: Cluster,
    readonly name: string,
  ) {}

  static async create(name: string, opts: ClusterOptions): Promise<Session> {
    return new Session(await Cluster.create(opts), name);
  }

  note(s: string): void {
    const line = `[${this.name} +${((Date.now() - this.t0) / 1000).toFixed(1)}s] ${s}`;
    this.log.push(line);
    process.stdout.write(`${line}\n`);
  }

  node(id: string): HarnessNode {
    return this.cluster.node(id);
  }

  /** Start these nodes (default all) and wait until their labs see each other and the mesh formed. */
  async start(nodes: HarnessNode[] = this.cluster.nodes): Promise<void> {
    await Promise.all(nodes.map((n) => this.cluster.start(n)));
    this.cluster.networkIdHex = await waitFor(
      'the network id',
      async () => (await this.cluster.status(nodes[0] as HarnessNode)).networkId,
      { timeoutMs: this.cluster.stepMs },
    );
    await this.cluster.waitConnected(nodes.filter((n) => n.role === 'member'));
    await sleep(1000); // gossip mesh heartbeat
    this.note(`${nodes.map((n) => n.id).join(', ')} up and connected`);
  }

  /** POST /v1/commitments on `lab` with its normal metrics, or the over-cap breach metrics. */
  async commit(lab: HarnessNode, metrics: Record<string, unknown> | 'normal' | 'breach' = 'normal') {
    const m =
      metrics === 'normal' ? normalMetrics(lab.index) : metrics === 'breach' ? BREACH_METRICS : metrics;
    const c = await this.cluster.api<{ hash: string; epoch: number }>(lab, 'POST', '/v1/commitments', {
      metrics: m,
    });
    this.published.add(c.hash);
    this.note(`${lab.id} committed epoch ${c.epoch} (${c.hash.slice(0, 12)}…)`);
    return c;
  }

  /** POST /v1/approve on each lab; returns the answers. */
  async approve(labs: HarnessNode[], body: Record<string, unknown>): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const l of labs) out.push(await this.cluster.api(l, 'POST', '/v1/approve', body));
    this.note(`${labs.map((l) => l.id).join(', ')} approved ${JSON.stringify(body)}`);
    return out;
  }

  /** Every lab's exec-hook log ('<action> <height>' per run). */
  async hookLogs(labs: HarnessNode[] = this.cluster.labs): Promise<Map<string, string>> {
    const { readFile } = await import('node:fs/promises');
    const out = new Map<string, string>();
    for (const l of labs) out.set(l.id, await readFile(l.hookLog, 'utf8').catch(() => ''));
    return out;
  }

  async startAdversary(): Promise<Adversary> {
    this.adversary = await Adversary.start(this.cluster);
    return this.adversary;
  }

  /** Stop every process and check the invariants over the stores (the cluster dir is removed after). */
  async finish(): Promise<InvariantReport> {
    await this.adversary?.stop();
    for (const n of this.cluster.nodes)
      if (n.child !== undefined && !n.child.running && n.crashes.length === 0)
        n.crashes.push('not running at the end');
    await this.cluster.close({ keep: true });
    const started = this.cluster.nodes.filter((n) => n.child !== undefined);
    const snapshots = await Promise.all(started.map(snapshotNode));
    const report = checkInvariants({
      cluster: this.cluster,
      snapshots,
      published: this.published,
      adversarial: new Set(this.adversary?.validAdversarialCommitments ?? []),
      byzantine: new Set(),
      live: [],
    });
    process.stdout.write(`${report.text}\n`);
    return report;
  }

  /** Always: stop processes and remove the temp dir (after finish, or when the scenario threw). */
  async close(err?: unknown): Promise<void> {
    if (err !== undefined)
      for (const n of this.cluster.nodes)
        if (n.child) process.stdout.write(`--- ${n.id} (running=${n.child.running})\n${n.child.tail(15)}\n`);
    await this.adversary?.stop();
    await this.cluster.close();
  }
}
