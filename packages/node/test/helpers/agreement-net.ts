/**
 * In-process agreement network for tests: n members (+ observers), each with a real SQLite store in a
 * tmp dir, a real HookRunner (exec hook appending to a log file) and an Agreement. A loopback `publish`
 * (the agreement's local door) runs the node's ingest path (decode -> validate once -> store ->
 * agreement.apply) on the publisher and, asynchronously, on every connected node. `heal` replays stores like the node's sync.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { blsSign, recoverSignature } from '@pausenet/crypto';
import { createHook } from '@pausenet/hooks';
import {
  type Certificate,
  decodeCertificate,
  decodeSignedCommitment,
  decodeSignedEvidence,
  decodeSignedVote,
  epochAt,
  type Genesis,
  type Level,
  type Metrics,
  type Policy,
  type SignedCommitment,
  type Step,
  signCommitment,
  statementBytes,
  type Validation,
  ZERO_HASH,
} from '@pausenet/protocol';
import { type TestLab, testGenesis } from '@pausenet/testkit';
import { Agreement, createHookRunner, type StoreHookRunner } from '../../src/agreement/index.js';
import { VerdictRecorder } from '../../src/gossip/validate.js';
import { Ingest } from '../../src/ingest.js';
import { type Logger, silentLogger } from '../../src/logger.js';
import { encodeMessage, type MessageKind, type MessageOf } from '../../src/message.js';
import { NodeMetrics } from '../../src/metrics.js';
import { Store } from '../../src/store/index.js';

const _OK: Validation = { ok: true };
const ignored = (code: string): Validation => ({ ok: false, action: 'ignore', code, detail: code });

export const POP_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';

/** Verifies a BLS signature with @noble/curves only (the node verifies with @chainsafe/blst). */
export function nobleVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const bls = bls12_381.longSignatures;
  return bls.verify(signature, bls.hash(message, POP_DST), publicKey);
}

/** A genesis with n labs, t = floor(2n/3)+1, 1 h epochs, BLS shares from the test kit's trusted dealer. */
export function makeAgreementGenesis(n: number, now = Date.now(), levels?: Policy['levels']) {
  const net = testGenesis({
    labs: n,
    name: 'pausenet-agreement-test',
    now,
    policy: { epochMs: 3_600_000, deadlineMs: 3_600_000, ...(levels !== undefined ? { levels } : {}) },
  });
  const shares = net.dealt?.shares ?? [];
  return { genesis: net.genesis, networkId: net.networkId, labs: net.labs, shares, threshold: net.threshold };
}

/**
 * A certificate signed by the first `threshold` members' BLS shares (of makeAgreementGenesis): valid under the
 * group key, as t honest members would have formed it.
 */
export function groupCertificate(
  net: { networkId: Uint8Array; labs: TestLab[]; shares: Uint8Array[]; threshold: number },
  st: { height: number; target: Level; step: Step; resolves?: Uint8Array[] },
): Certificate {
  const resolves = st.resolves ?? [];
  const statement = statementBytes({ networkId: net.networkId, ...st, resolves });
  const partials = net.shares
    .slice(0, net.threshold)
    .map((share, i) => ({ index: i + 1, signature: blsSign(share, statement) }));
  return {
    networkId: net.networkId,
    height: st.height,
    target: st.target,
    step: st.step,
    signers: net.labs.slice(0, net.threshold).map((l) => l.id),
    resolves,
    signature: recoverSignature(partials, net.threshold),
  };
}

export function metrics(over: Partial<Metrics> = {}): Metrics {
  return {
    trainingFlop: 10n ** 24n,
    largestRunFlop: 10n ** 23n,
    maxParams: 7n * 10n ** 10n,
    datasetTokens: 15n * 10n ** 12n,
    acceleratorHours: 1000n,
    utilizationBps: 5000,
    ...over,
  };
}

/** A signed commitment by `lab` for the current epoch. */
export function commitment(
  genesis: Genesis,
  networkId: Uint8Array,
  lab: TestLab,
  opts: { seq?: number; prev?: Uint8Array; metrics?: Partial<Metrics>; now?: number } = {},
): SignedCommitment {
  const now = opts.now ?? Date.now();
  return signCommitment(
    {
      networkId,
      lab: lab.id,
      epoch: epochAt(genesis.policy, now),
      seq: opts.seq ?? 0,
      prev: opts.prev ?? ZERO_HASH,
      issuedAt: now,
      height: 0,
      level: 'RUNNING',
      metrics: metrics(opts.metrics),
      runsRoot: new Uint8Array(32),
      attestations: [],
    },
    lab.secretKey,
  );
}

export interface SimNode {
  id: number;
  lab: TestLab | null;
  dir: string;
  hookLog: string;
  store: Store;
  runner: StoreHookRunner | null;
  agreement: Agreement;
  /** Every message this node's agreement published. */
  published: { kind: MessageKind; bytes: Uint8Array }[];
  /** The node's ingest path over this store and agreement. */
  ingest: Ingest;
}

function _decode(kind: MessageKind, bytes: Uint8Array): MessageOf[MessageKind] {
  if (kind === 'commitment') return decodeSignedCommitment(bytes);
  if (kind === 'evidence') return decodeSignedEvidence(bytes);
  if (kind === 'vote') return decodeSignedVote(bytes);
  return decodeCertificate(bytes);
}

export interface SimNetOptions {
  labs?: number;
  observers?: number;
  /** Member ids (1-based) that start connected to each other; default all nodes. */
  connected?: number[];
  failSafe?: { enabled: boolean; afterMs: number };
  logger?: Logger;
  /** policy.levels of the genesis (which breach leads to which level). */
  levels?: Policy['levels'];
}

/** Loopback network of Agreement instances over real stores and hooks. */
export class SimNet {
  // tmpfs when available: five stores fsync every commit, and the disk is shared by the whole suite.
  // (The crash tests, which are about durability, use the real disk.)
  readonly dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'pn-agr-'));
  readonly genesis: Genesis;
  readonly networkId: Uint8Array;
  readonly labs: TestLab[];
  readonly shares: Uint8Array[];
  readonly threshold: number;
  readonly nodes: SimNode[] = [];
  private readonly links = new Set<string>();
  private inFlight = 0;
  /** Messages refused by any ingest (code -> count), to assert on. */
  readonly rejected = new Map<string, number>();

  constructor(private readonly opts: SimNetOptions = {}) {
    const g = makeAgreementGenesis(opts.labs ?? 4, Date.now(), opts.levels);
    this.genesis = g.genesis;
    this.networkId = g.networkId;
    this.labs = g.labs;
    this.shares = g.shares;
    this.threshold = g.threshold;
  }

  /** Create and start all nodes (members 1..n, then observers n+1..). */
  async start(): Promise<this> {
    const n = this.labs.length;
    const total = n + (this.opts.observers ?? 0);
    for (let id = 1; id <= total; id++) this.nodes.push(this.open(id));
    const conn = this.opts.connected ?? this.nodes.map((x) => x.id);
    for (const a of conn) for (const b of conn) if (a < b) this.links.add(`${a}-${b}`);
    // Observers hear everyone they are not explicitly cut from.
    for (const o of this.nodes.filter((x) => x.lab === null))
      for (const a of conn) this.links.add(`${Math.min(a, o.id)}-${Math.max(a, o.id)}`);
    for (const node of this.nodes) await node.agreement.start();
    return this;
  }

  node(id: number): SimNode {
    const x = this.nodes.find((n) => n.id === id);
    if (x === undefined) throw new Error(`no node ${id}`);
    return x;
  }

  private open(id: number): SimNode {
    const lab = this.labs[id - 1] ?? null;
    const dir = join(this.dir, lab?.id ?? `observer-${id}`);
    mkdirSync(dir, { recursive: true });
    const hookLog = join(dir, 'hook.log');
    const store = Store.open(dir);
    const runner =
      lab === null
        ? null
        : createHookRunner({
            store,
            hooks: [
              createHook({
                type: 'exec',
                name: 'log',
                command: '/bin/sh',
                args: ['-c', 'echo "$PAUSENET_ACTION $PAUSENET_HEIGHT $PAUSENET_CERT_HASH" >> "$HOOK_LOG"'],
                env: { HOOK_LOG: hookLog },
              }),
            ],
            retry: { baseMs: 10, maxMs: 50 },
          });
    const node: SimNode = {
      id,
      lab,
      dir,
      hookLog,
      store,
      runner,
      agreement: undefined as unknown as Agreement,
      published: [],
      ingest: undefined as unknown as Ingest,
    };
    const logger = this.opts.logger ?? silentLogger;
    node.ingest = new Ingest({
      genesis: this.genesis,
      networkId: this.networkId,
      store,
      recorder: new VerdictRecorder(new NodeMetrics(), logger),
      logger,
      now: () => Date.now(),
      applied: () => node.agreement,
      apply: (v) => node.agreement.apply(v),
    });
    node.agreement = new Agreement({
      genesis: this.genesis,
      networkId: this.networkId,
      self:
        lab === null
          ? null
          : {
              lab: lab.id,
              index: lab.index,
              identitySecretKey: lab.secretKey,
              blsShare: this.shares[lab.index - 1] as Uint8Array,
            },
      store,
      hooks: runner,
      publish: async (kind, msg) => {
        node.published.push({ kind, bytes: encodeMessage(kind, msg) });
        return this.publish(node.id, kind, msg);
      },
      logger: this.opts.logger ?? silentLogger,
      now: () => Date.now(),
      republishMs: 50,
      certificateGraceMs: 500,
      ...(this.opts.failSafe !== undefined
        ? { failSafe: this.opts.failSafe, connectedMembers: () => this.connectedMembers(id) }
        : {}),
    });
    return node;
  }

  /** Member lab ids node `id` is linked to. */
  connectedMembers(id: number): string[] {
    return this.nodes
      .filter((x) => x.lab !== null && x.id !== id && this.linked(id, x.id))
      .map((x) => (x.lab as TestLab).id);
  }

  linked(a: number, b: number): boolean {
    return this.links.has(`${Math.min(a, b)}-${Math.max(a, b)}`);
  }

  /** Publish from node `from`: ingest locally, then deliver to linked nodes asynchronously (gossip). */
  async publish(from: number, kind: MessageKind, msg: MessageOf[MessageKind]): Promise<Validation> {
    const v = await this.ingest(from, kind, msg, { local: true });
    // Like the node: own messages are gossiped even when the local store already had them.
    if (v.ok || v.action === 'ignore') {
      for (const peer of this.nodes) {
        if (peer.id === from || !this.linked(from, peer.id)) continue;
        this.inFlight++;
        setImmediate(() => {
          this.ingest(peer.id, kind, msg)
            .catch(() => undefined)
            .finally(() => {
              this.inFlight--;
            });
        });
      }
    }
    return v;
  }

  /**
   * The node's own ingest path (src/ingest.ts, the one path every message takes): wire round-trip,
   * validation once, store, then agreement.apply (synchronous). `historic` = a sync response; the
   * publisher's own messages are `local`.
   */
  async ingest(
    id: number,
    kind: MessageKind,
    original: MessageOf[MessageKind],
    opts: { historic?: boolean; local?: boolean } = {},
  ): Promise<Validation> {
    const node = this.node(id);
    if (!node.store.isOpen) return ignored('CLOSED');
    const out = node.ingest.ingestMessage(kind, original, {
      source: opts.historic ? 'sync' : opts.local ? 'local' : 'gossip',
    });
    const v = out.validation;
    if (!v.ok && v.action === 'reject') this.rejected.set(v.code, (this.rejected.get(v.code) ?? 0) + 1);
    return v;
  }

  /** Link nodes and let them catch up from each other's stores (what the node's req/resp sync does). */
  async connect(...ids: number[]): Promise<void> {
    for (const a of ids)
      for (const b of this.nodes) if (a !== b.id) this.links.add(`${Math.min(a, b.id)}-${Math.max(a, b.id)}`);
    for (const a of ids) {
      for (const b of this.nodes) {
        if (a === b.id) continue;
        await this.syncFrom(b.id, a);
        await this.syncFrom(a, b.id);
      }
    }
  }

  private async syncFrom(src: number, dst: number): Promise<void> {
    const s = this.node(src).store;
    for (const lab of this.labs) {
      for (const row of s.commitments.range(lab.id, 0, Number.MAX_SAFE_INTEGER, 10_000)) {
        await this.ingest(dst, 'commitment', decodeSignedCommitment(row.bytes), { historic: true });
      }
    }
    for (const row of s.evidence.list()) await this.ingest(dst, 'evidence', decodeSignedEvidence(row.bytes));
    for (const row of s.certificates.range(1, Number.MAX_SAFE_INTEGER, 1000)) {
      await this.ingest(dst, 'certificate', decodeCertificate(row.bytes));
    }
    for (const row of s.votes.range(0, Number.MAX_SAFE_INTEGER, 10_000))
      await this.ingest(dst, 'vote', decodeSignedVote(row.bytes));
  }

  /** Wait until no message is in flight and every agreement has settled, twice in a row. */
  async settle(): Promise<void> {
    let quiet = 0;
    for (let i = 0; i < 2000 && quiet < 2; i++) {
      await Promise.all(this.nodes.map((n) => n.agreement.settled()));
      await new Promise((r) => setTimeout(r, 5));
      quiet = this.inFlight === 0 ? quiet + 1 : 0;
    }
  }

  /** Poll until `cond` holds (timeout names `what`). */
  async until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.settle();
  }

  /** Stop node `id` (agreement, hooks, store) and start it again on the same data dir (a restart). */
  async restart(id: number, before?: (store: Store) => void): Promise<SimNode> {
    const old = this.node(id);
    await old.agreement.stop();
    await old.runner?.stop();
    old.store.close();
    const node = this.open(id);
    before?.(node.store);
    this.nodes[this.nodes.indexOf(old)] = node;
    await node.agreement.start();
    return node;
  }

  /** Lines of a member's hook log ("<action> <height> <certHash>"). */
  hookLines(id: number): string[] {
    try {
      return readFileSync(this.node(id).hookLog, 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) {
      await n.agreement.stop();
      await n.runner?.stop();
      n.store.close();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
